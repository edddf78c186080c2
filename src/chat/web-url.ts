/**
 * Whether a message may make a link of this address: http(s) only. Anything else inside Slack's
 * `<…|…>` or a Discord link could read as a mention (`@U123`, `!channel`) or a script.
 */
export function isWebUrl(url: string | undefined): url is string {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:';
  } catch {
    return false;
  }
}

import { truncateMarkup } from '../text-truncation.js';
import { isWebUrl } from '../web-url.js';

const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Mattermost mentions anyone named by @username, and everyone by @channel, @all or @here: in text
 * the bot did not write, every @ that starts a word gets a zero-width space after it, so it shows
 * the same and notifies nobody. The core's own mentions (<@userId>, listed in the message) become
 * @username; any other <@id> or <#id> stays visible text.
 */
export function toMattermostMarkdown(text: string, live: ReadonlyMap<string, string>, channels: ReadonlyMap<string, string> = new Map()): string {
  const inert = text.replace(/\r\n?/g, '\n').replace(/(^|[^\w.<])@(?=[\w.-])/g, `$1@${ZERO_WIDTH_SPACE}`);
  return inert.replace(/<(@|#)([A-Za-z0-9]+)>/g, (whole, kind: string, id: string) => {
    if (kind === '@' && live.has(id)) return `@${live.get(id)!}`;
    if (kind === '#' && channels.has(id)) return `~${channels.get(id)!}`;
    return `<${kind}${ZERO_WIDTH_SPACE}${id}>`;
  });
}

/** Plain text (topics, file comments): nothing in it mentions anyone. */
export function plainMattermostText(text: string): string {
  return toMattermostMarkdown(text, new Map());
}

const PROTECTED = /\[[^\]\n]*\]\([^)\s]*\)|@[a-z0-9._-]+/g;

/** Shortens Markdown to `max` characters at a boundary, never inside a link or mention, saying so. */
export function truncateMattermostMarkdown(text: string, max: number, fullTextUrl?: string): string {
  const linkable = isWebUrl(fullTextUrl) && !/[\s)]/.test(fullTextUrl);
  return truncateMarkup(text, max, { protect: PROTECTED, fullTextLink: linkable ? `[full text](${fullTextUrl})` : undefined });
}

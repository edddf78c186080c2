/**
 * Patterns from configuration (routes, playbooks) tried on alert text, which is hostile and may
 * be 100 KB long. A pattern's time grows with the text (with two `.*`, as the square or worse):
 * an alert whose alertname was 100 KB of text blocked the event loop for 40 s choosing its
 * playbook. A pattern sees the first 1,000 characters of a label value or title, more than any a
 * person reads.
 */
const MATCHED_CHARS = 1_000;

const anchored = new WeakMap<RegExp, RegExp>();

/** Whether the pattern spans the whole value (anchored, whichever alternative does it). */
export function matchesWhole(pattern: RegExp, value: string): boolean {
  let whole = anchored.get(pattern);
  if (!whole) {
    whole = new RegExp(`^(?:${pattern.source})$`, pattern.flags.replace(/[gy]/g, ''));
    anchored.set(pattern, whole);
  }
  return whole.test(value.slice(0, MATCHED_CHARS));
}

/** Whether the pattern is found anywhere in the text. */
export function matchesWithin(pattern: RegExp, text: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(text.slice(0, MATCHED_CHARS));
}

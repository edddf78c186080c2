/**
 * Shortening text to a platform's limits, shared by the Slack and Discord renderers: each says
 * only what its markup protects (links, mentions, entities) and how it writes a link.
 */

/** An index that does not split a surrogate pair (an emoji cut in half is invalid UTF-16). */
function safeIndex(text: string, index: number): number {
  const code = text.charCodeAt(index - 1);
  return index > 0 && code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

/** Shortens plain text (titles, labels, names, buttons) to `max` characters, ending in "…". */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, safeIndex(text, max - 1))}…`;
}

const FENCE_CLOSE = '\n```\n';

/** Longer than any protected token the renderers' patterns match (their repeats are bounded). */
const PROTECTED_SCAN_MARGIN = 4_096;

/**
 * Shortens markup to `max` characters at a word or line boundary, never inside what `protect`
 * matches, closing an open code block, and says so: "… (truncated)", with `fullTextLink` (the
 * platform's own link to the full text) when there is one and it leaves room for the text.
 */
export function truncateMarkup(text: string, max: number, options: { protect: RegExp; fullTextLink?: string }): string {
  if (text.length <= max) return text;
  const linked = options.fullTextLink ? `… (truncated, ${options.fullTextLink})` : '';
  const suffix = linked && linked.length <= max / 2 ? linked : '… (truncated)';
  if (max < suffix.length + FENCE_CLOSE.length + 1) return truncatePlain(text, max);
  let cut = safeIndex(text, Math.max(0, max - suffix.length - FENCE_CLOSE.length));
  // Only what could reach the cut is scanned: the rest of a long text is dropped anyway.
  for (const match of text.slice(0, cut + PROTECTED_SCAN_MARGIN).matchAll(options.protect)) {
    if (match.index >= cut) break;
    if (match.index + match[0].length > cut) cut = match.index;
  }
  const space = Math.max(text.lastIndexOf('\n', cut - 1), text.lastIndexOf(' ', cut - 1));
  if (space > cut * 0.8) cut = space;
  let kept = text.slice(0, cut).trimEnd();
  if ((kept.match(/```/g)?.length ?? 0) % 2 === 1) kept += FENCE_CLOSE;
  return kept + suffix;
}

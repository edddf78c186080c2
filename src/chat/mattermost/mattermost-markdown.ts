import { truncateMarkup } from '../text-truncation.js';
import { isWebUrl } from '../web-url.js';

const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Mattermost mentions anyone named by @username, and everyone by @channel, @all or @here, and its
 * parser splits words on more than spaces (".@channel", "_@all_", "<@here" all notify). So in text
 * the bot did not write, every @ gets a zero-width space after it: it shows the same and notifies
 * nobody. The core's own mentions (<@userId>, listed in the message) become @username; any other
 * <@id> or <#id> stays visible text. One pass, linear in the text.
 */
export function toMattermostMarkdown(text: string, live: ReadonlyMap<string, string>, channels: ReadonlyMap<string, string> = new Map()): string {
  return text.replace(/\r\n?/g, '\n').replace(/<(@|#)([A-Za-z0-9]{1,64})>|@/g, (whole, kind: string | undefined, id: string | undefined) => {
    if (kind === undefined) return `@${ZERO_WIDTH_SPACE}`;
    if (kind === '@' && live.has(id!)) return `@${live.get(id!)!}`;
    if (kind === '#' && channels.has(id!)) return `~${channels.get(id!)!}`;
    return `<${kind}${ZERO_WIDTH_SPACE}${id}>`;
  });
}

/** Plain text (topics, file comments): nothing in it mentions anyone. */
export function plainMattermostText(text: string): string {
  return toMattermostMarkdown(text, new Map());
}

// Bounded repeats: an unclosed "[" on a long line must not make the scan quadratic.
const PROTECTED = /\[[^\]\n]{0,1000}\]\([^)\s]{0,2000}\)|@[a-z0-9._-]{1,64}/g;

/** Shortens Markdown to `max` characters at a boundary, never inside a link or mention, saying so. */
export function truncateMattermostMarkdown(text: string, max: number, fullTextUrl?: string): string {
  const linkable = isWebUrl(fullTextUrl) && !/[\s)]/.test(fullTextUrl);
  return truncateMarkup(text, max, { protect: PROTECTED, fullTextLink: linkable ? `[full text](${fullTextUrl})` : undefined });
}

import { truncateMarkup } from '../text-truncation.js';
import { isWebUrl } from '../web-url.js';

/**
 * Neutral Markdown is Discord's own subset (**bold**, _italic_, `code`, ``` blocks ```,
 * [label](url) masked links, "- " lists), so conversion only normalises line endings; what
 * Discord needs is careful truncation that leaves links, mentions and code blocks whole.
 */
export function toDiscordMarkdown(markdown: string): string {
  return markdown.replace(/\r\n?/g, '\n');
}

const MENTION_LIKE = /<(@[!&]?|#)(\d+)>|@(everyone|here)\b/g;
const ZERO_WIDTH_SPACE = '\u200b';

/**
 * Text with every mention but those of `live` ids made inert: a zero-width space after the @ (or
 * #), as discord.js's cleanContent does. allowed_mentions is what stops the ping; this keeps alert
 * text from looking like one (<@&role> as a role chip, @everyone highlighted).
 */
export function inertMentions(text: string, live: ReadonlySet<string>): string {
  return text.replace(MENTION_LIKE, (whole, kind: string | undefined, id: string | undefined, broadcast: string | undefined) => {
    if (broadcast) return `@${ZERO_WIDTH_SPACE}${broadcast}`;
    if (kind !== '@&' && live.has(id!)) return whole;
    return `<${kind}${ZERO_WIDTH_SPACE}${id}>`;
  });
}

/** The users a rendered text mentions live (<@id>, <@!id>), for allowed_mentions. */
export function mentionedUsers(text: string, live: ReadonlySet<string>): string[] {
  return [...text.matchAll(/<@!?(\d+)>/g)].map((match) => match[1]!).filter((id) => live.has(id));
}

// Masked links, mentions (<@1>, <@!1>, <@&1>, <#1>), custom emoji and timestamps are cut whole or not at all.
// Bounded repeats: an unclosed "[" on a long line must not make the scan quadratic.
const PROTECTED = /\[[^\]\n]{0,1000}\]\([^)\s]{0,2000}\)|<(?:[@#][!&]?\d+|a?:\w+:\d+|t:\d+(?::\w)?)>/g;

/**
 * Shortens Markdown to `max` characters at a word or line boundary, never inside a link or
 * mention, closing an open code block, and says so: "… (truncated)", linking the full text when
 * there is one.
 */
export function truncateDiscordMarkdown(text: string, max: number, fullTextUrl?: string): string {
  // A URL with a space or ")" would end Discord's masked link early.
  const linkable = isWebUrl(fullTextUrl) && !/[\s)]/.test(fullTextUrl);
  return truncateMarkup(text, max, { protect: PROTECTED, fullTextLink: linkable ? `[full text](${fullTextUrl})` : undefined });
}

import { truncateMarkup } from '../text-truncation.js';
import { isWebUrl } from '../web-url.js';

/**
 * Neutral Markdown to Slack mrkdwn. Slack reads &, < and > as control characters everywhere
 * (code included), so they are escaped in text; links become <url|label>. A mention (<@U123>,
 * <#C123>) stays live only when the message lists its id as one the bot meant: everything else
 * that would ping (<!channel>, <!here>, <!subteam^…>, <@U…> out of an alert annotation) is
 * escaped and shows as the text it is.
 */

const FENCE = /```[\s\S]*?```/g;
const INLINE = /(`[^`\n]+`)|\[([^\]\n]+)\]\(((?:https?:\/\/|mailto:)[^\s)]+)\)/g;
const MENTION = /<([@#])([A-Za-z0-9]+)(?:\|[^<>\n]*)?>/g;
const NONE: ReadonlySet<string> = new Set();

export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes text for Slack, leaving live only the mentions of `live` ids. */
export function escapeSlackTextKeeping(text: string, live: ReadonlySet<string>): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    if (!live.has(match[2]!)) continue;
    out += escapeSlackText(text.slice(last, match.index)) + match[0];
    last = match.index + match[0].length;
  }
  return out + escapeSlackText(text.slice(last));
}

// Slack reads <, > and | inside <url|label> as its own; percent-encode them in the URL instead.
function slackUrl(url: string): string {
  return url.replace(/</g, '%3C').replace(/>/g, '%3E').replace(/\|/g, '%7C');
}

export function slackLink(url: string, label: string): string {
  return `<${slackUrl(url)}|${escapeSlackText(label).replace(/\|/g, '¦')}>`;
}

function convertPlain(text: string, live: ReadonlySet<string>): string {
  return escapeSlackTextKeeping(text, live).replace(/\*\*/g, '*');
}

function convertInline(text: string, live: ReadonlySet<string>): string {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    out += convertPlain(text.slice(last, match.index), live);
    const [whole, code, label, url] = match;
    if (code) out += escapeSlackText(code);
    else out += slackLink(url!, label!);
    last = match.index + whole.length;
  }
  return out + convertPlain(text.slice(last), live);
}

function convertProse(text: string, live: ReadonlySet<string>): string {
  return convertInline(text.replace(/^(\s*)- /gm, '$1• '), live);
}

/**
 * **bold** -> *bold*, [label](url) -> <url|label>, "- " -> "• ", escaping &, <, > everywhere but
 * in links and in the mentions of `live` ids.
 */
export function toSlackMrkdwn(markdown: string, live: ReadonlySet<string> = NONE): string {
  let out = '';
  let last = 0;
  for (const match of markdown.matchAll(FENCE)) {
    out += convertProse(markdown.slice(last, match.index), live);
    out += escapeSlackText(match[0]);
    last = match.index + match[0].length;
  }
  return out + convertProse(markdown.slice(last), live);
}

/** A cut that splits no surrogate pair. */
/** Plain text (a topic, a purpose, a file comment) escaped for Slack and cut to `max` characters after escaping. */
export function slackPlainText(text: string, max: number): string {
  return truncateMrkdwn(escapeSlackText(text), max);
}

// Entities, links and mentions are cut whole or not at all.
const PROTECTED = /<[^<>]*>|&(?:amp|lt|gt);/g;

/**
 * Shortens converted mrkdwn to `max` characters at a word or line boundary, never inside a link,
 * mention or entity, closing an open code block, and says so: "… (truncated)", with a link to the
 * full text when there is one.
 */
export function truncateMrkdwn(text: string, max: number, fullTextUrl?: string): string {
  return truncateMarkup(text, max, { protect: PROTECTED, fullTextLink: isWebUrl(fullTextUrl) ? slackLink(fullTextUrl, 'full text') : undefined });
}

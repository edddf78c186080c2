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
function safeIndex(text: string, index: number): number {
  const code = text.charCodeAt(index - 1);
  return index > 0 && code >= 0xd800 && code <= 0xdbff ? index - 1 : index;
}

/** Plain text (a topic, a purpose, a file comment) escaped for Slack and cut to `max` characters after escaping. */
export function slackPlainText(text: string, max: number): string {
  return truncateMrkdwn(escapeSlackText(text), max);
}

/** Shortens plain text (buttons, headers) to `max` characters, ending in "…". */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, safeIndex(text, max - 1))}…`;
}

// Entities, links and mentions are cut whole or not at all.
const PROTECTED = /<[^<>]*>|&(?:amp|lt|gt);/g;

/**
 * Shortens converted mrkdwn to `max` characters at a word or line boundary, never inside a link,
 * mention or entity, closing an open code block, and says so: "… (truncated)", with a link to the
 * full text when there is one.
 */
export function truncateMrkdwn(text: string, max: number, fullTextUrl?: string): string {
  if (text.length <= max) return text;
  const linked = isWebUrl(fullTextUrl) ? `… (truncated, ${slackLink(fullTextUrl, 'full text')})` : '';
  const suffix = linked && linked.length <= max / 2 ? linked : '… (truncated)';
  const fenceClose = '\n```';
  let cut = safeIndex(text, Math.max(0, max - suffix.length - fenceClose.length - 1));
  for (const match of text.matchAll(PROTECTED)) {
    if (match.index >= cut) break;
    if (match.index + match[0].length > cut) cut = match.index;
  }
  const space = Math.max(text.lastIndexOf('\n', cut - 1), text.lastIndexOf(' ', cut - 1));
  if (space > cut * 0.8) cut = space;
  let kept = text.slice(0, cut).trimEnd();
  if ((kept.match(/```/g)?.length ?? 0) % 2 === 1) kept += fenceClose + '\n';
  return kept + suffix;
}

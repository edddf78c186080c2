import { createHmac, timingSafeEqual } from 'node:crypto';
import type { MessageColor, NeutralMessage } from '../neutral-message.js';
import { truncatePlain } from '../text-truncation.js';
import { toMattermostMarkdown, truncateMattermostMarkdown } from './mattermost-markdown.js';

/** Mattermost's limits (server model/post.go, model/channel.go), kept below rather than refused. */
export const MATTERMOST_LIMITS = { message: 16_383, attachmentText: 7_000, fieldValue: 1_000, title: 250, buttonName: 80, footer: 300 } as const;

const COLORS: Record<MessageColor, string> = { red: '#d0312d', orange: '#e8912d', yellow: '#f2c744', green: '#2eb67d', blue: '#1d9bd1', grey: '#868e96' };

export interface MattermostAction {
  id: string;
  name: string;
  type: 'button';
  style?: 'primary' | 'danger' | 'default';
  integration: { url: string; context: ButtonContext };
}

export interface MattermostAttachment {
  fallback: string;
  color?: string;
  title?: string;
  title_link?: string;
  text?: string;
  fields?: { title: string; value: string; short: boolean }[];
  footer?: string;
  actions?: MattermostAction[];
}

export interface MattermostPost {
  message: string;
  props: { attachments: MattermostAttachment[] };
}

/** What a button carries back: the action and value, signed so only the bot's own buttons act. */
export interface ButtonContext {
  action: string;
  value: string;
  signature: string;
}

/** Where clicks go and the key their context is signed with. */
export interface ButtonEndpoint {
  url: string;
  key: Buffer;
}

export function signButton(key: Buffer, action: string, value: string): string {
  return createHmac('sha256', key).update(`${action}\n${value}`).digest('base64url');
}

export function verifyButton(key: Buffer, context: unknown): { action: string; value: string } | undefined {
  const { action, value, signature } = (context ?? {}) as Partial<ButtonContext>;
  if (typeof action !== 'string' || typeof value !== 'string' || typeof signature !== 'string') return undefined;
  const expected = Buffer.from(signButton(key, action, value));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { action, value } : undefined;
}

/**
 * A neutral message as a Mattermost post: the summary line as the message (what notifications
 * show) and the card as a message attachment with its buttons. `users` maps the ids the message
 * mentions to their usernames; `channels` its channel links to channel names.
 */
export function renderMattermostPost(message: NeutralMessage, buttons: ButtonEndpoint, users: ReadonlyMap<string, string> = new Map(), channels: ReadonlyMap<string, string> = new Map()): MattermostPost {
  const live = new Map([...users].filter(([id]) => message.mentions?.includes(id)));
  const liveChannels = new Map([...channels].filter(([id]) => message.mentions?.includes(id)));
  const md = (text: string) => toMattermostMarkdown(text, live, liveChannels);
  const sections = message.sections.map((section) => section.text).filter((text): text is string => Boolean(text)).map(md).join('\n\n');
  const fields = message.sections.flatMap((section) => section.fields ?? []).map((field) => ({
    title: truncatePlain(md(field.label), MATTERMOST_LIMITS.title),
    value: truncateMattermostMarkdown(md(field.value), MATTERMOST_LIMITS.fieldValue, message.fullTextUrl),
    short: field.value.length <= 40,
  }));
  const actions = (message.buttons ?? []).map((button, index): MattermostAction => ({
    // Mattermost routes a click by this id, and ids with anything but letters and digits are not found.
    id: `b${index}${button.action.replace(/[^A-Za-z0-9]/g, '')}`,
    name: truncatePlain(button.label, MATTERMOST_LIMITS.buttonName),
    type: 'button',
    style: button.style ?? 'default',
    integration: { url: buttons.url, context: { action: button.action, value: button.value, signature: signButton(buttons.key, button.action, button.value) } },
  }));
  const attachment: MattermostAttachment = {
    fallback: truncatePlain(md(message.summary), MATTERMOST_LIMITS.title),
    ...(message.color ? { color: COLORS[message.color] } : {}),
    ...(message.title ? { title: truncatePlain(md(message.title), MATTERMOST_LIMITS.title) } : {}),
    ...(message.titleUrl ? { title_link: message.titleUrl } : {}),
    ...(sections ? { text: truncateMattermostMarkdown(sections, MATTERMOST_LIMITS.attachmentText, message.fullTextUrl) } : {}),
    ...(fields.length ? { fields } : {}),
    ...(message.footer ? { footer: truncatePlain(md(message.footer), MATTERMOST_LIMITS.footer) } : {}),
    ...(actions.length ? { actions } : {}),
  };
  const hasCard = Boolean(message.title || sections || fields.length || actions.length);
  return {
    message: truncateMattermostMarkdown(md(message.summary), MATTERMOST_LIMITS.message),
    props: { attachments: hasCard ? [attachment] : [] },
  };
}

/** The whole message as one Markdown text, for answers Mattermost shows as plain text (ephemeral_text). */
export function mattermostText(message: NeutralMessage): string {
  const md = (text: string) => toMattermostMarkdown(text, new Map());
  const lines = [message.title ? `**${md(message.title)}**` : md(message.summary)];
  for (const section of message.sections) {
    if (section.text) lines.push(md(section.text));
    for (const field of section.fields ?? []) lines.push(`**${md(field.label)}:** ${md(field.value)}`);
  }
  if (message.footer) lines.push(`_${md(message.footer)}_`);
  return truncateMattermostMarkdown(lines.join('\n'), MATTERMOST_LIMITS.message, message.fullTextUrl);
}

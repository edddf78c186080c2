import type { types } from '@slack/bolt';
import { uniqueActionId } from '../commands/button-actions.js';
import type { MessageButton, MessageColor, MessageSection, NeutralMessage } from '../neutral-message.js';
import { isWebUrl } from '../web-url.js';
import { escapeSlackText, escapeSlackTextKeeping, slackLink, toSlackMrkdwn, truncateMrkdwn } from './slack-mrkdwn.js';
import { truncatePlain } from '../text-truncation.js';

/** Block Kit limits (api.slack.com/reference/block-kit). */
export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3_000,
  headerText: 150,
  fieldsPerSection: 10,
  fieldText: 2_000,
  buttonText: 75,
  buttonValue: 2_000,
  actionId: 255,
  elementsPerActions: 25,
  contextText: 2_000,
  fallbackText: 3_000,
} as const;

/** More action blocks would crowd out the text; a card never needs over 125 buttons. */
const MAX_ACTION_BLOCKS = 5;

/*
 * Colour: Block Kit blocks have none; only legacy attachments draw a colour bar, and Slack may
 * fold attachment content behind "Show more" and leaves it out of notifications. So the colour is
 * an emoji before the title (or before the first text when there is no title), which also reads
 * for people who cannot tell the bar colours apart.
 */
export const COLOR_EMOJI: Record<MessageColor, string> = {
  red: '🔴',
  orange: '🟠',
  yellow: '🟡',
  green: '🟢',
  blue: '🔵',
  grey: '⚪',
};

export interface SlackMessage {
  /** Fallback for notifications and screen readers. */
  text: string;
  blocks: types.KnownBlock[];
}


function sectionBlocks(section: MessageSection, prefix: string, fullTextUrl: string | undefined, live: ReadonlySet<string>): types.SectionBlock[] {
  const blocks: types.SectionBlock[] = [];
  const text = section.text?.trim() ? truncateMrkdwn(prefix + toSlackMrkdwn(section.text, live), SLACK_LIMITS.sectionText, fullTextUrl) : undefined;
  const fields = (section.fields ?? []).map((field) => {
    const label = field.label.trim() ? `*${escapeSlackText(field.label.trim())}*` : '';
    const value = field.value.trim() ? toSlackMrkdwn(field.value, live) : '';
    return { type: 'mrkdwn' as const, text: truncateMrkdwn([label, value].filter(Boolean).join('\n') || '-', SLACK_LIMITS.fieldText, fullTextUrl) };
  });
  if (text) blocks.push({ type: 'section', text: { type: 'mrkdwn', text }, ...(fields.length ? { fields: fields.slice(0, SLACK_LIMITS.fieldsPerSection) } : {}) });
  for (let start = text ? SLACK_LIMITS.fieldsPerSection : 0; start < fields.length; start += SLACK_LIMITS.fieldsPerSection) {
    blocks.push({ type: 'section', fields: fields.slice(start, start + SLACK_LIMITS.fieldsPerSection) });
  }
  return blocks;
}

function actionBlocks(buttons: MessageButton[]): types.ActionsBlock[] {
  const seen = new Map<string, number>();
  const elements: types.Button[] = buttons.slice(0, MAX_ACTION_BLOCKS * SLACK_LIMITS.elementsPerActions).map((button) => {
    // Room for the "~n" suffix inside Slack's 255 characters.
    const base = button.action.slice(0, SLACK_LIMITS.actionId - 8) || 'action';
    const occurrence = seen.get(base) ?? 0;
    seen.set(base, occurrence + 1);
    const label = button.label.trim() || button.action || 'Button';
    return {
      type: 'button',
      text: { type: 'plain_text', text: truncatePlain(label, SLACK_LIMITS.buttonText), emoji: true },
      action_id: uniqueActionId(base, occurrence),
      ...(button.value ? { value: button.value.slice(0, SLACK_LIMITS.buttonValue) } : {}),
      ...(button.style ? { style: button.style } : {}),
    };
  });
  const blocks: types.ActionsBlock[] = [];
  for (let start = 0; start < elements.length; start += SLACK_LIMITS.elementsPerActions) {
    blocks.push({ type: 'actions', elements: elements.slice(start, start + SLACK_LIMITS.elementsPerActions) });
  }
  return blocks;
}

/**
 * A neutral message as Slack `{ text, blocks }`, within Block Kit's limits: long text is cut at a
 * safe boundary and says so, surplus fields move to further sections, surplus sections collapse
 * into a "more" line, and repeated actions get unique action ids ("incident.ack~1"). Only the
 * mentions the message lists stay live; all other text is escaped.
 */
export function renderSlackMessage(message: NeutralMessage): SlackMessage {
  const live: ReadonlySet<string> = new Set(message.mentions ?? []);
  const emoji = message.color ? `${COLOR_EMOJI[message.color]} ` : '';
  const head: types.KnownBlock[] = [];
  const title = message.title?.trim();
  if (title && isWebUrl(message.titleUrl)) {
    // A header cannot link; a bold section can.
    head.push({ type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(`${emoji}*${slackLink(message.titleUrl, title)}*`, SLACK_LIMITS.sectionText) } });
  } else if (title) {
    head.push({ type: 'header', text: { type: 'plain_text', text: truncatePlain(`${emoji}${title}`, SLACK_LIMITS.headerText), emoji: true } });
  }
  const tail: types.KnownBlock[] = [...actionBlocks(message.buttons ?? [])];
  const footer = message.footer?.trim();
  if (footer) tail.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncateMrkdwn(toSlackMrkdwn(footer, live), SLACK_LIMITS.contextText) }] });

  let prefix = title ? '' : emoji;
  const body: types.SectionBlock[] = [];
  for (const section of message.sections) {
    const blocks = sectionBlocks(section, prefix, message.fullTextUrl, live);
    if (blocks.length) prefix = '';
    body.push(...blocks);
  }
  const room = SLACK_LIMITS.blocks - head.length - tail.length;
  if (body.length > room) {
    const hidden = body.length - (room - 1);
    body.length = room - 1;
    const more = `_… ${hidden} more block${hidden === 1 ? '' : 's'} not shown${isWebUrl(message.fullTextUrl) ? ` (${slackLink(message.fullTextUrl, 'full text')})` : ''}_`;
    body.push({ type: 'section', text: { type: 'mrkdwn', text: truncateMrkdwn(more, SLACK_LIMITS.sectionText) } });
  }
  const fallback = message.summary.trim() || title || 'Incident bot message';
  return { text: truncateMrkdwn(escapeSlackTextKeeping(fallback, live), SLACK_LIMITS.fallbackText), blocks: [...head, ...body, ...tail] };
}

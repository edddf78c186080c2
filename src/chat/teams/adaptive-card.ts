import type { MessageColor, NeutralMessage } from '../neutral-message.js';
import { truncatePlain } from '../text-truncation.js';
import { isWebUrl } from '../web-url.js';
import { atTag, plainTeamsText, toTeamsMarkdown, truncateTeamsMarkdown, type LiveMention } from './teams-markdown.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/**
 * Teams refuses an activity over about 28 KB (HTTP 413, "MessageSizeTooBig"); the card is kept
 * under this many bytes of JSON, leaving room for the activity around it.
 */
export const TEAMS_MAX_CARD_BYTES = 24_000;

/** Per-element limits, halved while the card is still too big. */
const LIMITS = { title: 250, text: 6_000, factTitle: 100, factValue: 1_000, facts: 40, footer: 300, button: 60, summary: 300 } as const;

const CONTAINER_STYLE: Record<MessageColor, string> = { red: 'attention', orange: 'warning', yellow: 'warning', green: 'good', blue: 'accent', grey: 'emphasis' };
const TEXT_COLOR: Record<MessageColor, string> = { red: 'attention', orange: 'warning', yellow: 'warning', green: 'good', blue: 'accent', grey: 'default' };

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.4';
  body: Record<string, unknown>[];
  actions?: Record<string, unknown>[];
  msteams: { width: 'Full'; entities?: MentionEntity[] };
}

export interface MentionEntity {
  type: 'mention';
  text: string;
  mentioned: { id: string; name: string };
}

export interface RenderedTeamsMessage {
  card: AdaptiveCard;
  /** Plain text that notifications show (the activity's summary). */
  summary: string;
}

/**
 * A neutral message as an Adaptive Card 1.4: the title, the colour as the container's style,
 * sections as text blocks and fact sets, the footer in small print, buttons as Action.Execute
 * (the verb is the action id, data.value its value). `people` names the ids the message may
 * mention; only those in `message.mentions` become mention entities.
 */
export function renderAdaptiveCard(message: NeutralMessage, people: ReadonlyMap<string, string> = new Map()): RenderedTeamsMessage {
  const live = new Map<string, LiveMention>();
  for (const id of message.mentions ?? []) live.set(id, { id, name: people.get(id) ?? 'someone' });
  for (let scale = 1; ; scale /= 2) {
    const card = renderAt(message, live, scale);
    const bytes = Buffer.byteLength(JSON.stringify(card));
    if (bytes <= TEAMS_MAX_CARD_BYTES || scale < 1 / 64) return { card: bytes <= TEAMS_MAX_CARD_BYTES ? card : renderAt({ ...message, sections: [{ text: 'This message was too long for Teams.' }] }, live, 1 / 64), summary: summaryOf(message) };
  }
}

function renderAt(message: NeutralMessage, live: ReadonlyMap<string, LiveMention>, scale: number): AdaptiveCard {
  const limit = (n: number) => Math.max(40, Math.floor(n * scale));
  const mentioned = new Map<string, LiveMention>();
  const md = (text: string) => toTeamsMarkdown(text, live, mentioned);
  const fullTextUrl = isWebUrl(message.fullTextUrl) ? message.fullTextUrl : undefined;
  const items: Record<string, unknown>[] = [];
  if (message.title) {
    const title = truncatePlain(plainTeamsText(message.title), limit(LIMITS.title));
    const linked = isWebUrl(message.titleUrl) && !/[\s)]/.test(message.titleUrl) ? `[${title.replace(/[[\]]/g, '')}](${message.titleUrl})` : title;
    items.push({ type: 'TextBlock', text: linked, weight: 'Bolder', size: 'Medium', wrap: true, ...(message.color ? { color: TEXT_COLOR[message.color] } : {}) });
  }
  for (const section of message.sections) {
    if (section.text) {
      for (const part of splitCodeBlocks(section.text)) {
        const text = truncateTeamsMarkdown(md(part.text), limit(LIMITS.text), fullTextUrl);
        if (text.trim()) items.push({ type: 'TextBlock', text, wrap: true, ...(part.code ? { fontType: 'Monospace' } : {}) });
      }
    }
    const fields = (section.fields ?? []).slice(0, LIMITS.facts);
    if (fields.length) {
      items.push({
        type: 'FactSet',
        facts: fields.map((field) => ({ title: truncatePlain(plainTeamsText(field.label), limit(LIMITS.factTitle)), value: truncateTeamsMarkdown(md(field.value), limit(LIMITS.factValue), fullTextUrl) })),
      });
    }
  }
  if (message.footer) items.push({ type: 'TextBlock', text: truncatePlain(md(message.footer), limit(LIMITS.footer)), size: 'Small', isSubtle: true, wrap: true });
  if (!items.length) items.push({ type: 'TextBlock', text: truncatePlain(md(message.summary), limit(LIMITS.text)), wrap: true });
  const actions: Record<string, unknown>[] = (message.buttons ?? []).map((button) => ({
    type: 'Action.Execute',
    title: truncatePlain(button.label, LIMITS.button),
    verb: button.action,
    data: { value: button.value },
    ...(button.style === 'primary' ? { style: 'positive' } : button.style === 'danger' ? { style: 'destructive' } : {}),
  }));
  if (fullTextUrl && scale < 1) actions.push({ type: 'Action.OpenUrl', title: 'Full text', url: fullTextUrl });
  const entities = [...mentioned.values()].map((person): MentionEntity => ({ type: 'mention', text: atTag(person.name), mentioned: { id: person.id, name: person.name } }));
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body: [{ type: 'Container', ...(message.color ? { style: CONTAINER_STYLE[message.color] } : {}), items }],
    ...(actions.length ? { actions } : {}),
    msteams: { width: 'Full', ...(entities.length ? { entities } : {}) },
  };
}

/** The summary line as plain text: notifications show it, and nothing in it mentions anyone. */
export function summaryOf(message: NeutralMessage): string {
  return truncatePlain(plainTeamsText(message.summary), LIMITS.summary);
}

/** The whole message as short plain text: what an invoke answer shows the clicker. */
export function plainMessageText(message: NeutralMessage, max = 1_000): string {
  const lines = [message.title ?? message.summary];
  for (const section of message.sections) {
    if (section.text) lines.push(section.text);
    for (const field of section.fields ?? []) lines.push(`${field.label}: ${field.value}`);
  }
  return truncatePlain(plainTeamsText(lines.join('\n')), max);
}

function splitCodeBlocks(text: string): { text: string; code: boolean }[] {
  const parts = text.split('```');
  return parts
    .map((part, index) => (index % 2 === 1 ? { text: part.replace(/^[a-z0-9_+-]*\n/i, ''), code: true } : { text: part, code: false }))
    .filter((part) => part.text.trim() !== '');
}

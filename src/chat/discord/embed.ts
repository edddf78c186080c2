import type { APIActionRowComponent, APIButtonComponentWithCustomId, APIEmbed, APIEmbedField } from 'discord.js';
import { encodeCustomId, uniqueActionId } from '../commands/button-actions.js';
import type { MessageButton, MessageColor, NeutralMessage } from '../neutral-message.js';
import { isWebUrl } from '../web-url.js';
import { inertMentions, mentionedUsers, toDiscordMarkdown, truncateDiscordMarkdown } from './discord-markdown.js';
import { truncatePlain } from '../text-truncation.js';

/** Discord message limits (discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const DISCORD_LIMITS = {
  content: 2_000,
  title: 256,
  description: 4_096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  embedTotal: 6_000,
  buttonsPerRow: 5,
  rows: 5,
  buttonLabel: 80,
  customId: 100,
  allowedMentionUsers: 100,
} as const;

export const DISCORD_COLORS: Record<MessageColor, number> = {
  red: 0xe74c3c,
  orange: 0xe67e22,
  yellow: 0xf1c40f,
  green: 0x2ecc71,
  blue: 0x3498db,
  grey: 0x95a5a6,
};

export type DiscordButtonRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

/**
 * Who a message may ping. Without it Discord pings everything the content names, @everyone and
 * roles included, so every message, edit and reply the bot sends carries one.
 */
export interface DiscordAllowedMentions {
  parse: [];
  users: string[];
}

export interface DiscordMessage {
  /** The summary: the line notifications show, and where mentions actually ping (embeds do not). */
  content: string;
  embeds: [APIEmbed];
  components: DiscordButtonRow[];
  /** Only the people the message lists in `mentions`. */
  allowed_mentions: DiscordAllowedMentions;
}

/** For bodies without a neutral message (a file's comment): nobody. */
export const NO_MENTIONS: DiscordAllowedMentions = { parse: [], users: [] };

const BLANK = '\u200b';
// Short values sit side by side; long ones read better full width.
const INLINE_UNDER = 40;
// Room kept for the "N more fields not shown" note when fields must go.
const NOTE_RESERVE = 60;
const DESCRIPTION_FLOOR = 2_000;


const STYLE = { primary: 1, secondary: 2, danger: 4 } as const;

function buttonRows(buttons: MessageButton[]): DiscordButtonRow[] {
  const seen = new Set<string>();
  const made: APIButtonComponentWithCustomId[] = [];
  for (const button of buttons) {
    if (made.length === DISCORD_LIMITS.buttonsPerRow * DISCORD_LIMITS.rows) break;
    let occurrence = 0;
    let customId = encodeCustomId(button.action, button.value);
    while (seen.has(customId)) customId = encodeCustomId(uniqueActionId(button.action, ++occurrence), button.value);
    // A cut custom_id would decode to the wrong action or incident; such a button is left out.
    if (customId.length > DISCORD_LIMITS.customId || button.action === '') continue;
    seen.add(customId);
    made.push({
      type: 2,
      style: STYLE[button.style ?? 'secondary'],
      label: truncatePlain(button.label.trim() || button.action, DISCORD_LIMITS.buttonLabel),
      custom_id: customId,
    });
  }
  const rows: DiscordButtonRow[] = [];
  for (let start = 0; start < made.length; start += DISCORD_LIMITS.buttonsPerRow) {
    rows.push({ type: 1, components: made.slice(start, start + DISCORD_LIMITS.buttonsPerRow) });
  }
  return rows;
}

function fieldLength(field: APIEmbedField): number {
  return field.name.length + field.value.length;
}

/**
 * A neutral message as a Discord message with one embed and button rows, within Discord's
 * limits. Section texts form the description (in order) and section fields the embed fields;
 * when the 6,000-character total is at risk, trailing fields give way first, then the
 * description is cut with a "truncated" note.
 */
export function renderDiscordMessage(message: NeutralMessage): DiscordMessage {
  const url = message.fullTextUrl;
  const live: ReadonlySet<string> = new Set(message.mentions ?? []);
  const shown = (text: string) => inertMentions(text, live);
  const title = message.title?.trim() ? truncatePlain(shown(message.title.trim()), DISCORD_LIMITS.title) : undefined;
  const footer = message.footer?.trim() ? truncatePlain(shown(message.footer.trim()), DISCORD_LIMITS.footer) : undefined;
  const fixed = (title?.length ?? 0) + (footer?.length ?? 0);

  const fields: APIEmbedField[] = message.sections.flatMap((section) =>
    (section.fields ?? []).map((field) => {
      const value = field.value.trim() ? truncateDiscordMarkdown(toDiscordMarkdown(shown(field.value.trim())), DISCORD_LIMITS.fieldValue, url) : BLANK;
      return {
        name: field.label.trim() ? truncatePlain(shown(field.label.trim()), DISCORD_LIMITS.fieldName) : BLANK,
        value,
        inline: value.length < INLINE_UNDER,
      };
    }),
  );
  let description = message.sections
    .map((section) => section.text?.trim())
    .filter((text): text is string => Boolean(text))
    .map((text) => toDiscordMarkdown(shown(text)))
    .join('\n\n');

  let dropped = 0;
  const descriptionNeed = Math.min(description.length, DESCRIPTION_FLOOR);
  let fieldsTotal = fields.reduce((sum, field) => sum + fieldLength(field), 0);
  const overCount = () => fields.length + (dropped ? 1 : 0) > DISCORD_LIMITS.fields;
  const overTotal = () => fixed + descriptionNeed + fieldsTotal + NOTE_RESERVE > DISCORD_LIMITS.embedTotal;
  while (fields.length && (overCount() || overTotal())) {
    fieldsTotal -= fieldLength(fields.pop()!);
    dropped++;
  }
  if (dropped) {
    const note: APIEmbedField = { name: '…', value: `${dropped} more field${dropped === 1 ? '' : 's'} not shown${isWebUrl(url) ? ` ([full text](${url}))` : ''}` };
    if (fieldLength(note) > NOTE_RESERVE) note.value = `${dropped} more fields not shown`;
    fields.push(note);
    fieldsTotal += fieldLength(note);
  }
  const descriptionRoom = Math.min(DISCORD_LIMITS.description, DISCORD_LIMITS.embedTotal - fixed - fieldsTotal);
  description = truncateDiscordMarkdown(description, descriptionRoom, url);

  const summary = shown(message.summary.trim());
  if (!title && !description && !fields.length) description = truncatePlain(summary || BLANK, DISCORD_LIMITS.description);
  const embed: APIEmbed = {
    ...(title ? { title } : {}),
    ...(title && isWebUrl(message.titleUrl) ? { url: message.titleUrl } : {}),
    ...(description ? { description } : {}),
    ...(message.color ? { color: DISCORD_COLORS[message.color] } : {}),
    ...(fields.length ? { fields } : {}),
    ...(footer ? { footer: { text: footer } } : {}),
  };
  const content = truncatePlain(summary, DISCORD_LIMITS.content);
  const named = mentionedUsers([content, description, ...fields.map((field) => field.value)].join('\n'), live);
  return {
    content,
    embeds: [embed],
    components: buttonRows(message.buttons ?? []),
    allowed_mentions: { parse: [], users: [...new Set(named)].slice(0, DISCORD_LIMITS.allowedMentionUsers) },
  };
}

import type { OptionSpec, OptionValue } from './command-spec.js';
import { didYouMean } from './did-you-mean.js';
import { parseUserMention } from './user-mention.js';
import { parseWhen } from './resolve-when.js';

export type OptionParse = { ok: true; value: OptionValue } | { ok: false; message: string };

const SEVERITY_TOKEN = /^(?:sev)?(\d+)$/i;
const SEVERITY_WORD = /^sev(\d+)$/i;

function severity(option: OptionSpec, text: string): OptionParse {
  const match = SEVERITY_TOKEN.exec(text);
  const min = option.min ?? 1;
  const max = option.max ?? 4;
  if (!match) return { ok: false, message: `${option.label} must be ${min} to ${max} (got "${text}")` };
  const value = Number(match[1]);
  if (value < min || value > max) return { ok: false, message: `${option.label} must be ${min} to ${max} (got ${value})` };
  return { ok: true, value };
}

function integer(option: OptionSpec, text: string): OptionParse {
  const range = option.min !== undefined && option.max !== undefined ? ` from ${option.min} to ${option.max}` : '';
  if (!/^\d+$/.test(text)) return { ok: false, message: `${option.label} must be a whole number${range} (got "${text}")` };
  const value = Number(text);
  if ((option.min !== undefined && value < option.min) || (option.max !== undefined && value > option.max)) {
    return { ok: false, message: `${option.label} must be a whole number${range} (got ${value})` };
  }
  return { ok: true, value };
}

// INC-12, inc12, #12, 12; a channel name inc-12-db-down (with or without #); Slack's <#C1|inc-12-db-down>.
const INCIDENT_NUMBER = /^(?:inc-?|#)?(\d{1,9})$/i;
const INCIDENT_CHANNEL_NAME = /^#?inc-(\d{1,9})(?:-[a-z0-9-]*)?$/i;
const CHANNEL_MENTION = /^<#([A-Za-z0-9]+)(?:\|([^>]*))?>$/;

function incident(option: OptionSpec, text: string): OptionParse {
  const typed = text.trim();
  const mention = CHANNEL_MENTION.exec(typed);
  const name = mention ? (mention[2] ?? '') : typed;
  const number = INCIDENT_NUMBER.exec(name)?.[1] ?? INCIDENT_CHANNEL_NAME.exec(name)?.[1];
  if (number !== undefined && Number(number) >= 1) return { ok: true, value: { number: Number(number) } };
  // A mention without a name (Discord's <#123>) or of a renamed channel: which incident owns it is looked up later.
  if (mention) return { ok: true, value: { channelId: mention[1]! } };
  const shown = typed.length > 40 ? `${typed.slice(0, 40)}…` : typed;
  return { ok: false, message: `${option.label} must be an incident number such as INC-12, or its channel (#inc-12-…) (got "${shown}")` };
}

function user(option: OptionSpec, text: string): OptionParse {
  const ref = parseUserMention(text);
  if (ref) return { ok: true, value: ref };
  const hint = text.startsWith('@') ? ' (pick the person from the @ list so it becomes a mention)' : '';
  return { ok: false, message: `${option.label} must be an @mention${hint} (got "${text}")` };
}

/**
 * Reads one option from its text: a token of the typed command, or the string form of a
 * Discord option value. Both forms go through here, so both give the same errors.
 */
export function parseOptionValue(option: OptionSpec, text: string): OptionParse {
  switch (option.kind) {
    case 'word':
    case 'text':
      return text.trim() === '' ? { ok: false, message: `${option.label} is required` } : { ok: true, value: text.trim() };
    case 'integer':
      return integer(option, text);
    case 'severity':
      return severity(option, text);
    case 'flag':
      return { ok: true, value: text === 'true' || text.toLowerCase() === `--${option.name}` };
    case 'choice': {
      const lower = text.toLowerCase();
      const choices = option.choices ?? [];
      if (choices.includes(lower)) return { ok: true, value: lower };
      const guess = didYouMean(lower, choices);
      return {
        ok: false,
        message: `${option.label} must be one of ${choices.join(', ')} (got "${text}")${guess ? `. Did you mean "${guess}"?` : ''}`,
      };
    }
    case 'user':
      return user(option, text);
    case 'target': {
      if (text.startsWith('<@') || text.startsWith('@')) {
        const parsed = user(option, text);
        return parsed.ok ? { ok: true, value: { type: 'user', user: parsed.value as { platformId: string } } } : parsed;
      }
      return { ok: true, value: { type: 'team', team: text } };
    }
    case 'incident':
      return incident(option, text);
    case 'when': {
      const when = parseWhen(text);
      return 'error' in when ? { ok: false, message: `${option.label}: ${when.error}` } : { ok: true, value: text.trim().replace(/\s+/g, ' ') };
    }
  }
}

/**
 * Whether a token is plainly meant for an optional option, so that `declare sev2 --private DB
 * down` fills severity and flag while `declare 500 errors` leaves "500" to the title.
 */
export function tokenSelectsOption(option: OptionSpec, token: string): boolean {
  switch (option.kind) {
    case 'flag':
      return token.toLowerCase() === `--${option.name}`;
    case 'severity':
      return SEVERITY_WORD.test(token);
    case 'integer':
      return /^\d+$/.test(token);
    case 'choice':
      return (option.choices ?? []).includes(token.toLowerCase());
    case 'user':
      return parseUserMention(token) !== undefined;
    default:
      return false;
  }
}

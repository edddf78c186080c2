import type { FieldProblem } from './discord-errors.js';

/**
 * Who a message pings, decided the way Discord decides it: only `content` is read (embeds never
 * ping), for <@id>, <@!id>, <@&role>, @everyone and @here, and then `allowed_mentions` says which of
 * those may notify. With no allowed_mentions at all Discord parses every kind, so a bot with the
 * Mention Everyone permission (the fake's bot has every permission) pings the whole guild.
 */

type Json = Record<string, unknown>;

export interface DiscordPings {
  /** Users notified. */
  users: string[];
  roles: string[];
  /** @everyone or @here notified. */
  everyone: boolean;
}

const PARSE_TYPES = ['roles', 'users', 'everyone'];
const MAX_IDS = 100;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What Discord refuses in an allowed_mentions object, as Invalid Form Body problems. */
export function allowedMentionsProblems(value: unknown): FieldProblem[] {
  if (value === undefined || value === null) return [];
  const at = ['allowed_mentions'];
  if (!isObject(value)) return [{ path: at, code: 'MODEL_TYPE_CONVERT', message: 'Only dictionaries may be used in a ModelType' }];
  const problems: FieldProblem[] = [];
  const parse = value.parse;
  if (parse !== undefined) {
    if (!Array.isArray(parse)) problems.push({ path: [...at, 'parse'], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
    else
      parse.forEach((kind, i) => {
        if (!PARSE_TYPES.includes(kind as string)) problems.push({ path: [...at, 'parse', i], code: 'BASE_TYPE_CHOICES', message: "Value must be one of ('roles', 'users', 'everyone')." });
      });
  }
  for (const kind of ['users', 'roles'] as const) {
    const ids = value[kind];
    if (ids === undefined) continue;
    if (!Array.isArray(ids)) {
      problems.push({ path: [...at, kind], code: 'BASE_TYPE_ARRAY', message: 'Must be an array.' });
      continue;
    }
    if (ids.length > MAX_IDS) problems.push({ path: [...at, kind], code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${MAX_IDS} or fewer in length.` });
    ids.forEach((id, i) => {
      if (typeof id !== 'string' || !/^\d{1,20}$/.test(id)) problems.push({ path: [...at, kind, i], code: 'NUMBER_TYPE_COERCE', message: `Value "${String(id)}" is not snowflake.` });
    });
    if (Array.isArray(parse) && parse.includes(kind) && ids.length > 0) {
      problems.push({ path: at, code: 'MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE', message: `parse:["${kind}"] and ${kind}: [ids...] are mutually exclusive.` });
    }
  }
  return problems;
}

/** The pings of `content` under `allowed` (undefined: the body had no allowed_mentions). */
export function pingsOf(content: string, allowed: unknown, isUser: (id: string) => boolean): DiscordPings {
  const named = {
    users: [...new Set([...content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!))].filter(isUser),
    roles: [...new Set([...content.matchAll(/<@&(\d+)>/g)].map((m) => m[1]!))],
    everyone: /@(everyone|here)/.test(content),
  };
  if (!isObject(allowed)) return named;
  const parse = Array.isArray(allowed.parse) ? (allowed.parse as string[]) : [];
  const listed = (kind: 'users' | 'roles') => (Array.isArray(allowed[kind]) ? (allowed[kind] as string[]) : []);
  return {
    users: parse.includes('users') ? named.users : named.users.filter((id) => listed('users').includes(id)),
    roles: parse.includes('roles') ? named.roles : named.roles.filter((id) => listed('roles').includes(id)),
    everyone: named.everyone && parse.includes('everyone'),
  };
}

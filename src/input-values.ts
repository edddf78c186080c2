import { storableText } from './db/storable-text.js';

/**
 * Values people type into query strings, path segments and CLI flags, read once with their
 * bounds, so that every route and flag refuses the same out-of-range input the same way
 * (HTTP as a 422 naming the field, the CLI as a usage error naming the flag) instead of
 * letting it reach the database or a Date it cannot hold.
 */

/** The value, or what is wrong with it, worded to follow the field or flag name ("limit must be ..."). */
export type Reading<T> = { ok: true; value: T } | { ok: false; problem: string };
export type Reader<T> = (text: string) => Reading<T>;

export const valid = <T>(value: T): Reading<T> => ({ ok: true, value });
export const invalid = (problem: string): Reading<never> => ({ ok: false, problem });

/** The largest id PostgreSQL's int4 (Prisma Int) holds: incident numbers, alert ids. */
export const INT4_MAX = 2_147_483_647;
/** The largest id PostgreSQL's int8 (Prisma BigInt) holds: timeline events, audit rows. */
export const INT8_MAX = 9_223_372_036_854_775_807n;

const DIGITS = /^\d+$/;

/** Decimal digits only (no sign, exponent, hex or fraction), from min to max. */
export function wholeNumber(min: number, max: number): Reader<number> {
  return (text) => {
    const trimmed = text.trim();
    const value = DIGITS.test(trimmed) ? Number(trimmed) : NaN;
    return value >= min && value <= max ? valid(value) : invalid(`must be a whole number from ${min} to ${max}`);
  };
}

/** "12" or "INC-12", as people copy them from chat. */
export const readIncidentNumber: Reader<number> = (text) => {
  const digits = /^(?:INC-)?(\d+)$/i.exec(text.trim())?.[1];
  const value = digits === undefined ? NaN : Number(digits);
  return value >= 1 && value <= INT4_MAX ? valid(value) : invalid(`must be an incident number such as 12 or INC-12 (1 to ${INT4_MAX})`);
};

/** A position in a list keyed by an int8 id ("the events after this one"). */
export const readIdCursor: Reader<bigint> = (text) => {
  const trimmed = text.trim();
  if (DIGITS.test(trimmed) && trimmed.length <= 25) {
    const value = BigInt(trimmed);
    if (value <= INT8_MAX) return valid(value);
  }
  return invalid(`must be an event id from 0 to ${INT8_MAX}`);
};

/**
 * Text to search stored rows for. Stored text had NUL and unpaired surrogates replaced (see
 * storableText), so the search text is read the same way: it then finds those rows, and
 * PostgreSQL never sees a character it refuses.
 */
export const readSearchText: Reader<string> = (text) => (text.length === 0 ? invalid('must not be empty') : valid(storableText(text)));

/** One of a fixed list of words. */
export function oneOf<const W extends string>(words: readonly W[]): Reader<W> {
  return (text) => ((words as readonly string[]).includes(text) ? valid(text as W) : invalid(`must be one of ${words.join(', ')}`));
}

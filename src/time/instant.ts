import { DateTime } from 'luxon';
import { invalid, valid, type Reading } from '../input-values.js';
import { isDurationText, readDuration } from './duration.js';

/**
 * The instants the bot accepts from people: years 0001 to 9999 in UTC, what ISO 8601 writes
 * without an expanded year. Outside them JavaScript's Date, Prisma and PostgreSQL disagree
 * (year 0 and "+010000" years are each read differently, or not at all).
 */
export const EARLIEST_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const LATEST_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');
const RANGE = 'from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z';

export function isWithinCalendar(ms: number): boolean {
  return ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS;
}

const NOT_ISO = 'must be an ISO time such as 2026-12-01 or 2026-12-01T09:00:00+01:00';

/** An ISO 8601 date or date-time; one without an offset is read in `zone` (UTC unless said). */
export function readInstant(text: string, zone = 'UTC'): Reading<Date> {
  const date = DateTime.fromISO(text.trim(), { zone, setZone: true });
  if (!date.isValid) return invalid(NOT_ISO);
  return isWithinCalendar(date.toMillis()) ? valid(date.toJSDate()) : invalid(`must be ${RANGE}`);
}

/** "24h" or "7d" (that long before now) or an ISO time, as `--since` and `?since=` take them. */
export function readInstantOrAgo(text: string, now: Date, zone = 'UTC'): Reading<Date> {
  if (!isDurationText(text)) {
    const instant = readInstant(text, zone);
    return instant.ok || instant.problem !== NOT_ISO ? instant : invalid('must be a duration such as 24h or 7d, or an ISO time such as 2026-12-01 or 2026-12-01T09:00:00+01:00');
  }
  const ago = readDuration(text);
  if (!ago.ok) return ago;
  const ms = now.getTime() - ago.value;
  return isWithinCalendar(ms) ? valid(new Date(ms)) : invalid(`reaches back before 0001-01-01: the time must be ${RANGE}`);
}

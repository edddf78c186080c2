import { DateTime, IANAZone } from 'luxon';
import { wallTimeToInstant } from '../../time/wall-clock.js';

export { wallTimeToInstant };


/** A time as typed, before a zone and a "now" give it an instant. */
export type WhenExpression =
  | { type: 'now' }
  | { type: 'relative'; minutes: number; days: number }
  | { type: 'instant'; iso: string }
  | { type: 'local'; date: { year: number; month: number; day: number } | 'today' | 'tomorrow'; hour: number; minute: number };

export type WhenResolution = { ok: true; at: Date; zoned: DateTime } | { ok: false; message: string };

export const WHEN_FORMATS = 'an ISO time (2024-03-10T09:00Z), "2024-03-10 09:00", "now", "+2h" or "tomorrow 09:00"';

const RELATIVE = /^\+((?:\d+[mhdw])+)$/i;
const RELATIVE_PART = /(\d+)([mhdw])/gi;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::00)?)?$/i;
const DAY_TIME = /^(today|tomorrow)(?:\s+(\d{1,2}):(\d{2}))?$/i;
const TIME_ONLY = /^(\d{1,2}):(\d{2})$/;

function clock(hour: string | undefined, minute: string | undefined): { hour: number; minute: number } | undefined {
  const h = Number(hour ?? 0);
  const m = Number(minute ?? 0);
  return h <= 23 && m <= 59 ? { hour: h, minute: m } : undefined;
}

/** Reads the text without a zone or clock, so the parser can refuse nonsense before any handler runs. */
export function parseWhen(input: string): WhenExpression | { error: string } {
  const text = input.trim().replace(/\s+/g, ' ');
  const bad = { error: `Cannot read "${input.trim()}" as a time; use ${WHEN_FORMATS}` };
  if (/^now$/i.test(text)) return { type: 'now' };
  const relative = RELATIVE.exec(text);
  if (relative) {
    let minutes = 0;
    let days = 0;
    for (const [, amount, unit] of relative[1]!.matchAll(RELATIVE_PART)) {
      const n = Number(amount);
      const u = unit!.toLowerCase();
      if (u === 'm') minutes += n;
      else if (u === 'h') minutes += n * 60;
      else if (u === 'd') days += n;
      else days += n * 7;
    }
    return { type: 'relative', minutes, days };
  }
  if (ISO_WITH_OFFSET.test(text)) {
    return DateTime.fromISO(text, { setZone: true }).isValid ? { type: 'instant', iso: text } : { error: `"${text}" is not a valid date and time` };
  }
  const dated = DATE_TIME.exec(text);
  if (dated) {
    const time = clock(dated[4], dated[5]);
    const date = { year: Number(dated[1]), month: Number(dated[2]), day: Number(dated[3]) };
    if (!time || !DateTime.fromObject({ ...date, ...time }, { zone: 'UTC' }).isValid) return { error: `"${text}" is not a valid date and time` };
    return { type: 'local', date, ...time };
  }
  const day = DAY_TIME.exec(text);
  if (day) {
    const time = clock(day[2], day[3]);
    if (!time) return { error: `"${text}" is not a valid time of day` };
    return { type: 'local', date: day[1]!.toLowerCase() as 'today' | 'tomorrow', ...time };
  }
  const timeOnly = TIME_ONLY.exec(text);
  if (timeOnly) {
    const time = clock(timeOnly[1], timeOnly[2]);
    if (!time) return { error: `"${text}" is not a valid time of day` };
    return { type: 'local', date: 'today', ...time };
  }
  return bad;
}

/** Gives an expression an instant, in the asker's zone and relative to `now` (passed in, never read). */
export function evaluateWhen(expression: WhenExpression, zone: string, now: Date | DateTime): DateTime {
  const current = (now instanceof Date ? DateTime.fromJSDate(now) : now).setZone(zone);
  switch (expression.type) {
    case 'now':
      return current;
    case 'relative':
      // Days follow the calendar (same wall time tomorrow across DST); hours and minutes are exact.
      return current.plus({ days: expression.days }).plus({ minutes: expression.minutes });
    case 'instant':
      return DateTime.fromISO(expression.iso, { setZone: true }).setZone(zone);
    case 'local': {
      const base = expression.date === 'today' ? current : expression.date === 'tomorrow' ? current.plus({ days: 1 }) : undefined;
      const date = base ? { year: base.year, month: base.month, day: base.day } : (expression.date as { year: number; month: number; day: number });
      return wallTimeToInstant({ ...date, hour: expression.hour, minute: expression.minute }, zone);
    }
  }
}

/** "tomorrow 09:00" for someone in Europe/Paris, now: the instant meant, or why the text is not a time. */
export function resolveWhen(text: string, zone: string, now: Date | DateTime): WhenResolution {
  if (!IANAZone.isValidZone(zone)) return { ok: false, message: `Unknown time zone "${zone}"` };
  const expression = parseWhen(text);
  if ('error' in expression) return { ok: false, message: expression.error };
  const zoned = evaluateWhen(expression, zone, now);
  if (!zoned.isValid) return { ok: false, message: `Cannot read "${text.trim()}" as a time; use ${WHEN_FORMATS}` };
  return { ok: true, at: zoned.toJSDate(), zoned };
}

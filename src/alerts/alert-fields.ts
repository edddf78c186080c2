import { z } from 'zod';

/** Label and annotation maps: sources send strings, but a sloppy sender's numbers are kept as text. */
export const stringMap = z
  .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]))
  .default({})
  .transform((map) => {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(map)) if (value !== null) out[key] = String(value);
    return out;
  });

/** Years PostgreSQL's timestamptz and people both handle; JavaScript dates reach ±275,760. */
// Date.UTC reads years below 100 as 19xx, hence the explicit string.
const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00Z') - 14 * 3_600_000;
const LAST_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999) + 14 * 3_600_000;

/** Whether text is a date-time of a year from 0001 to 9999. */
export function isInstantText(text: string): boolean {
  const ms = Date.parse(text);
  return ms >= FIRST_INSTANT && ms <= LAST_INSTANT;
}

export const instant = z.string().refine(isInstantText, 'must be a date-time such as 2026-11-24T10:00:00Z (years 0001 to 9999)');

/** An end time as Alertmanager and Grafana send it: a date-time, year 1 or empty for none. */
export const endInstant = z.union([z.literal(''), instant]).optional();

/** Alertmanager and Grafana send year 1 for "no end"; that is not an end. */
export function parseEnd(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return date.getUTCFullYear() <= 1 ? undefined : date;
}

/**
 * An alert cannot end before it starts: Alertmanager refuses such an alert itself ("start time
 * must be before end time"), and stored, it would make MTTR negative. Refused naming the end field.
 */
export function endNotBeforeStart(fields: { start: string; end: string }) {
  return (alert: Record<string, unknown>, ctx: z.RefinementCtx) => {
    const startText = alert[fields.start];
    const end = parseEnd(alert[fields.end] as string | undefined);
    if (typeof startText !== 'string' || !end || end.getTime() >= Date.parse(startText)) return;
    ctx.addIssue({ code: 'custom', path: [fields.end], message: `must not be before ${fields.start} (${startText}): an alert cannot end before it starts` });
  };
}

/** Keeps only non-empty links. */
export function links(entries: Record<string, string | undefined | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, url] of Object.entries(entries)) if (url) out[name] = url;
  return out;
}

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

export const instant = z.string().refine((text) => !Number.isNaN(Date.parse(text)), 'must be a date-time such as 2026-11-24T10:00:00Z');

/** Alertmanager and Grafana send year 1 for "no end"; that is not an end. */
export function parseEnd(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const date = new Date(text);
  return date.getUTCFullYear() <= 1 ? undefined : date;
}

/** Keeps only non-empty links. */
export function links(entries: Record<string, string | undefined | null>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, url] of Object.entries(entries)) if (url) out[name] = url;
  return out;
}

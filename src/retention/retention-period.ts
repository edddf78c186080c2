import { invalid, valid, type Reading } from '../input-values.js';
import { formatDuration, readDuration } from '../time/duration.js';

/**
 * How long a kind of data is kept, as a RETAIN_* setting says: milliseconds, or undefined for
 * "forever" (never purged).
 */
export type RetentionPeriod = number | undefined;

export const FOREVER = 'forever';

/**
 * A retention setting's value: a duration such as 30d, 12h or 52w, or "forever". Shorter than
 * `floorMs` is refused: a retention that short breaks what the rows are kept for (re-opening an
 * incident, telling a redelivered request from a new one) and is far more likely a typo (30m for 30d).
 */
export function readRetentionPeriod(text: string, floorMs: number): Reading<RetentionPeriod> {
  const trimmed = text.trim().toLowerCase();
  if (trimmed === FOREVER) return valid(undefined);
  const reading = readDuration(trimmed);
  if (!reading.ok) return invalid(`must be how long to keep them, such as 30d, 12h or 52w, or "${FOREVER}"`);
  if (reading.value < floorMs) return invalid(`must be at least ${describeRetention(floorMs)} (or "${FOREVER}")`);
  return valid(reading.value);
}

/** The period as people write it: "30d", "12h", "1d12h", "forever". */
export function describeRetention(period: RetentionPeriod): string {
  if (period === undefined) return FOREVER;
  const days = Math.floor(period / DAY_MS);
  const rest = period - days * DAY_MS;
  if (days === 0) return formatDuration(period).replace(/\s+/g, '');
  return rest === 0 ? `${days}d` : `${days}d${formatDuration(rest).replace(/\s+/g, '')}`;
}

const DAY_MS = 86_400_000;

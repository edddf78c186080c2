/** Attempts that wait at most 30 s: about the first 15 minutes of an outage. */
const QUICK_ATTEMPTS = 30;
const QUICK_CEILING_MS = 30_000;
const SLOW_CEILING_MS = 300_000;

/**
 * How many times a job is tried before it is kept as dead: with the waits below, 11 to 23 hours
 * of failures. A chat platform down for an afternoon must not cost an incident its channel.
 */
export const DEFAULT_MAX_ATTEMPTS = 300;

/**
 * Exponential back-off with full jitter: 1 s, 2 s, 4 s ... capped at 30 s, so that once a chat
 * platform is back the queued messages follow within half a minute; past the first quarter hour
 * of failures the cap rises to 5 minutes, since the outage is a long one.
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = attempt > QUICK_ATTEMPTS ? SLOW_CEILING_MS : QUICK_CEILING_MS;
  const ceiling = Math.min(cap, 1_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Milliseconds from one recorded instant to a later one, never below zero. A time recorded
 * "before" its start (an incident opened at an alert's startsAt from a sender whose clock runs
 * ahead, then acknowledged by a person) means "at once": no report shows negative time.
 */
export function elapsedMs(from: Date, to: Date): number {
  return Math.max(0, to.getTime() - from.getTime());
}

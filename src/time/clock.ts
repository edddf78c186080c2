/**
 * The one source of "now" for everything the bot decides in the process (the database's own
 * `now()` stamps what it stores). The composition root makes one and hands it down; tests pass
 * a `ManualClock` and move it forward instead of sleeping.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  private at: number;

  constructor(start: Date | string = '2026-01-05T09:00:00Z') {
    this.at = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.at);
  }

  advance(ms: number): Date {
    this.at += ms;
    return this.now();
  }

  set(to: Date | string): Date {
    this.at = new Date(to).getTime();
    return this.now();
  }
}

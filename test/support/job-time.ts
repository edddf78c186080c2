import type { Database } from '../../src/db/database.js';
import { sql } from '../../src/db/sql.js';
import type { JobWorker } from '../../src/engine/job-worker.js';
import { ManualClock } from '../../src/time/clock.js';

/**
 * Time for tests of what the job engine does later (escalation levels, reminders, the weekly
 * report). Jobs fall due by the database's clock, which a test cannot move; so moving time
 * forward by `ms` moves the bot's clock and makes every pending job due, and every lease end,
 * `ms` earlier: to the bot it is as if that long had passed, without the test waiting for it.
 */
export class JobTime {
  readonly clock: ManualClock;

  /** `start`: when the bot's clock starts, or the ManualClock a bot was started with. */
  constructor(private readonly database: Database, start: Date | ManualClock = new Date()) {
    this.clock = start instanceof ManualClock ? start : new ManualClock(start);
  }

  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.database.sql.query(sql`
      UPDATE jobs SET due_at = due_at - ${ms}::float8 * interval '1 millisecond',
        locked_until = locked_until - ${ms}::float8 * interval '1 millisecond'
      WHERE status = 'pending'`);
  }
}

/** Runs what is due now, and what that made due now, until nothing is; returns how many jobs ran. */
export async function runDueJobs(worker: JobWorker, maxRounds = 100): Promise<number> {
  let ran = 0;
  for (let round = 0; round < maxRounds; round++) {
    const claimed = await worker.runOnce();
    if (claimed === 0) return ran;
    ran += claimed;
  }
  throw new Error(`jobs were still due after ${maxRounds} rounds: something re-schedules itself at once`);
}

/**
 * For a whole bot whose clock the test does not hold: the pending jobs of `kind` (every kind when
 * absent) fall due now, by the database's clock, as if their time had come; wake the worker after.
 */
export async function fallDueNow(database: Database, kind?: string): Promise<void> {
  await database.sql.query(sql`UPDATE jobs SET due_at = now() WHERE status = 'pending' AND (${kind ?? null}::text IS NULL OR kind = ${kind ?? null}::text)`);
}

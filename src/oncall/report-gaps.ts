import type { Database } from '../db/database.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from './oncall-config.js';
import { findGaps } from './oncall-queries.js';
import { allOverridesBetween } from './stored-overrides.js';

/**
 * Nobody on call is the failure this bot exists to prevent: say so loudly, at start and on each
 * reload. One schedule per turn of the event loop, so requests are answered in between.
 */
export async function reportGaps(config: OncallConfig, database: Database, log: Logger, now: Date): Promise<void> {
  const to = new Date(now.getTime() + 14 * 86_400_000);
  // A gap someone has already covered from chat is no gap.
  const overrides = await allOverridesBetween(database.prisma, config, now, to);
  for (const schedule of Object.values(config.schedules)) {
    await new Promise((resolve) => setImmediate(resolve));
    const gaps = findGaps(schedule, overrides, now, to);
    if (gaps.length) {
      log.warn({ schedule: schedule.key, gaps: gaps.slice(0, 5).map((g) => `${g.start.toISOString()} - ${g.end.toISOString()}`), count: gaps.length }, 'schedule has nobody on call in the next 14 days');
    }
  }
}

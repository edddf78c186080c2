import { DateTime } from 'luxon';
import type { Database } from '../db/database.js';
import { forEachPlatform } from '../delivery/failures.js';
import type { Delivery } from '../delivery/delivery.js';
import { GAP_SCAN_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobHandler, JobSpec } from '../engine/job.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../time/clock.js';
import { gapWarnings, type GapWarning } from './gap-warnings.js';
import type { OncallConfig } from './oncall-config.js';
import { allOverridesBetween } from './stored-overrides.js';

const HOUR_MS = 3_600_000;

/**
 * The hourly scan, keyed by its hour: replicas that ask for the same scan write one job, and the
 * scan that runs asks for the next hour's (a different key from its own, which is still held).
 */
export function gapScanJob(now: Date, nextHour = false): JobSpec {
  const hour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + (nextHour ? HOUR_MS : 0);
  return { kind: GAP_SCAN_JOB, subject: 'oncall:gaps', coalesceKey: `${GAP_SCAN_JOB}:${new Date(hour).toISOString()}`, delayMs: nextHour ? hour - now.getTime() : 0 };
}

export async function scheduleGapScan(database: Database, now: Date): Promise<void> {
  await database.transaction((tx) => enqueueJobs(tx, [gapScanJob(now)]));
}

export interface GapScanDeps {
  database: Database;
  oncall: () => OncallConfig;
  delivery: Delivery;
  /** GAP_WARNING_DAYS; undefined (off): a scan left from before stops. */
  days: number | undefined;
  incidentsChannel?: string;
  timeZone: string;
  clock: Clock;
  log: Logger;
}

function warningText(config: OncallConfig, warning: GapWarning, zone: string): { title: string; text: string } {
  const schedule = config.schedules[warning.scheduleKey]!;
  const at = (date: Date) => DateTime.fromJSDate(date, { zone }).toFormat('ccc d MMM HH:mm');
  const names = warning.candidates.map((key) => config.people[key]?.name ?? key);
  const team = warning.teams[0] ?? warning.scheduleKey;
  return {
    title: `⚠️ Nobody is on call for ${schedule.name} from ${at(warning.start)} to ${at(warning.end)} (${zone})`,
    text: [
      names.length ? `Could cover (on call nowhere then): ${names.join(', ')}.` : 'Every member of the team is on call elsewhere then.',
      `Take it with \`/oncall override ${team} @you ${warning.start.toISOString()} ${warning.end.toISOString()}\`, or fix the rotation in oncall.yaml.`,
    ].join('\n'),
  };
}

/**
 * Posts each gap of the coming GAP_WARNING_DAYS once to the channels of the teams whose schedule it
 * is (INCIDENTS_CHANNEL for a team without one), saying who could cover; then asks for the next scan.
 */
export function gapScanHandler(deps: GapScanDeps): JobHandler {
  return async () => {
    const days = deps.days;
    if (days === undefined) return;
    const now = deps.clock.now();
    const config = deps.oncall();
    try {
      const overrides = await allOverridesBetween(deps.database.prisma, config, now, new Date(now.getTime() + days * 86_400_000));
      const warnings = gapWarnings(config, overrides, now, days);
      for (const warning of warnings) {
        const channels = new Map<string, string>();
        for (const teamKey of warning.teams) {
          const channel = config.teams[teamKey]?.channel;
          if (channel) channels.set(channel, `teams.${teamKey}.channel`);
        }
        if (channels.size === 0 && deps.incidentsChannel) channels.set(deps.incidentsChannel, 'INCIDENTS_CHANNEL');
        if (channels.size === 0 || deps.delivery.ports.length === 0) {
          deps.log.warn({ schedule: warning.scheduleKey, start: warning.start, end: warning.end }, 'on-call gap not posted: no team channel or INCIDENTS_CHANNEL, or no chat platform');
          continue;
        }
        const { title, text } = warningText(config, warning, deps.timeZone);
        for (const [channel, setting] of channels) {
          await forEachPlatform(deps.delivery.ports, async (port) => {
            await deps.delivery.deliverOnce(`${warning.key}:${channel}`, { kind: 'named-channel', via: port.platform, name: channel, setting }, { summary: title, title, color: 'orange', sections: [{ text }] });
          });
        }
      }
    } finally {
      await deps.database.transaction((tx) => enqueueJobs(tx, [gapScanJob(now, true)]));
    }
  };
}

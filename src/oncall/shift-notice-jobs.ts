import { chatIdOf } from '../chat/chat-identity.js';
import { DateTime } from 'luxon';
import type { Database, PrismaClient } from '../db/database.js';
import { forEachPlatform } from '../delivery/failures.js';
import type { Delivery } from '../delivery/delivery.js';
import { SHIFT_NOTICES_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobHandler, JobSpec } from '../engine/job.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../time/clock.js';
import type { OncallConfig } from './oncall-config.js';
import { shiftStartsBetween, type ShiftStart } from './shift-starts.js';
import { allOverridesBetween } from './stored-overrides.js';
import { whoIsOnCall, type ScheduleOverride } from './on-call-at.js';
import { firstDelivery } from '../db/processed-requests.js';
import { sql } from '../db/sql.js';

/** How often the notices are looked for; a shift's hour-ahead notice goes within this of the hour. */
export const SHIFT_SCAN_MS = 5 * 60_000;
const HEADS_UP_MS = 60 * 60_000;
// A handoff found this late is still told (a scan delayed by a restart); later than that, not.
const HANDOFF_GRACE_MS = 15 * 60_000;

/** The scan of one five-minute slot, keyed by it: replicas write one job, and a scan asks for the next slot's. */
export function shiftNoticesJob(now: Date, next = false): JobSpec {
  const slot = Math.floor(now.getTime() / SHIFT_SCAN_MS) * SHIFT_SCAN_MS + (next ? SHIFT_SCAN_MS : 0);
  return { kind: SHIFT_NOTICES_JOB, subject: 'oncall:shifts', coalesceKey: `${SHIFT_NOTICES_JOB}:${new Date(slot).toISOString()}`, delayMs: next ? slot - now.getTime() : 0 };
}

export async function scheduleShiftNotices(database: Database, now: Date): Promise<void> {
  await database.transaction((tx) => enqueueJobs(tx, [shiftNoticesJob(now)]));
}

export interface ShiftNoticeDeps {
  database: Database;
  oncall: () => OncallConfig;
  delivery: Delivery;
  clock: Clock;
  log: Logger;
  /** SHIFT_NOTICES; false: no notices (Slack user groups still follow the rotation). */
  enabled: boolean;
}

const teamsOf = (config: OncallConfig, scheduleKey: string) => Object.values(config.teams).filter((team) => team.schedules.includes(scheduleKey));

async function openIncidents(prisma: PrismaClient, teamKeys: string[]) {
  if (teamKeys.length === 0) return [];
  return prisma.incident.findMany({ where: { status: { not: 'resolved' }, team: { key: { in: teamKeys } } }, orderBy: { id: 'asc' }, take: 10 });
}

const incidentLine = (incident: { id: number; title: string; status: string; severity: number }) => `• ${incidentLabel(incident.id)} SEV${incident.severity} ${incident.status}: ${oneLine(incident.title).slice(0, 120)}`;

/**
 * Tells people of their shifts: a DM an hour before one starts (with the team's open incidents),
 * and at the handoff a summary of the shift that ended (incidents opened, still open, pages sent)
 * to the outgoing and the incoming person. Each once (delivery keys), the scan itself a durable job.
 */
export function shiftNoticesHandler(deps: ShiftNoticeDeps): JobHandler {
  const prisma = deps.database.prisma;
  const dm = async (config: OncallConfig, personKey: string, key: string, title: string, lines: string[]) => {
    const person = config.people[personKey];
    if (!person) return;
    await forEachPlatform(deps.delivery.ports, async (port) => {
      const userId = chatIdOf(person, port.platform);
      if (!userId) return;
      await deps.delivery.deliverOnce(key, { kind: 'person', via: port.platform, userId }, { summary: title, title, sections: [{ text: lines.join('\n') }] });
    });
  };
  const at = (date: Date, zone: string) => DateTime.fromJSDate(date, { zone }).toFormat('ccc d MMM HH:mm');

  const headsUp = async (config: OncallConfig, shift: ShiftStart, now: Date) => {
    const person = config.people[shift.personKey]!;
    const schedule = config.schedules[shift.scheduleKey]!;
    const teams = teamsOf(config, shift.scheduleKey);
    const open = await openIncidents(prisma, teams.map((t) => t.key));
    const minutes = Math.max(1, Math.round((shift.start.getTime() - now.getTime()) / 60_000));
    await dm(config, shift.personKey, `shift-soon:${shift.scheduleKey}:${shift.personKey}:${shift.start.toISOString()}`, `Your on-call shift for ${schedule.name} starts in ${minutes} min`, [
      `From ${at(shift.start, person.timeZone)} to ${at(shift.end, person.timeZone)} (${person.timeZone}).`,
      open.length ? `Open incidents of ${teams.map((t) => t.name).join(', ')}:\n${open.map(incidentLine).join('\n')}` : `No open incidents${teams.length ? ` for ${teams.map((t) => t.name).join(', ')}` : ''}.`,
    ]);
  };

  const handoff = async (config: OncallConfig, shift: ShiftStart) => {
    const schedule = config.schedules[shift.scheduleKey]!;
    const teams = teamsOf(config, shift.scheduleKey);
    const teamKeys = teams.map((t) => t.key);
    const from = shift.previousStart ?? shift.start;
    const opened = teamKeys.length ? await prisma.incident.findMany({ where: { team: { key: { in: teamKeys } }, openedAt: { gte: from, lt: shift.start } }, orderBy: { id: 'asc' }, take: 20 }) : [];
    const open = await openIncidents(prisma, teamKeys);
    const outgoing = shift.previousPersonKey ? await prisma.person.findUnique({ where: { handle: shift.previousPersonKey } }) : null;
    const pages = outgoing ? await prisma.page.count({ where: { personId: outgoing.id, createdAt: { gte: from, lt: shift.start } } }) : 0;
    const outgoingName = shift.previousPersonKey ? (config.people[shift.previousPersonKey]?.name ?? shift.previousPersonKey) : 'nobody';
    const incomingName = config.people[shift.personKey]?.name ?? shift.personKey;
    const summary = [
      `${outgoingName} → ${incomingName}.`,
      `During the shift that ended: ${opened.length} incident(s) opened${opened.length ? `:\n${opened.map(incidentLine).join('\n')}` : '.'}`,
      open.length ? `Still open:\n${open.map(incidentLine).join('\n')}` : 'Nothing is open.',
      `${pages} page(s) went to ${outgoingName} during it.`,
    ];
    const key = `${shift.scheduleKey}:${shift.start.toISOString()}`;
    await dm(config, shift.personKey, `handoff-in:${key}`, `You are on call for ${schedule.name} now`, summary);
    if (shift.previousPersonKey) await dm(config, shift.previousPersonKey, `handoff-out:${key}`, `Your on-call shift for ${schedule.name} has ended`, summary);
  };

  /** Sets each schedule's Slack user group to whoever is on call, once per stretch (the update is idempotent, so a retry is harmless). */
  const syncUserGroups = async (config: OncallConfig, overrides: ScheduleOverride[], now: Date) => {
    const slack = deps.delivery.ports.find((port) => port.setUserGroupMembers);
    if (!slack) return;
    for (const schedule of Object.values(config.schedules)) {
      if (!schedule.slackUserGroup) continue;
      const onCall = whoIsOnCall(schedule, overrides, now)?.personKey;
      const userId = onCall ? config.people[onCall]?.slackId : undefined;
      // Slack keeps a group's members when nobody is on call (a group cannot be emptied by this call): the gap warning says so.
      if (!userId) continue;
      const prefix = `usergroup:${schedule.slackUserGroup}=`;
      const key = `${prefix}${userId}`;
      const [last] = await deps.database.sql.query<{ key: string }>(sql`SELECT key FROM processed_requests WHERE starts_with(key, ${prefix}) LIMIT 1`);
      if (last?.key === key) continue;
      try {
        await slack.setUserGroupMembers!(schedule.slackUserGroup, [userId]);
      } catch (error) {
        deps.log.warn({ err: error, schedule: schedule.key, group: schedule.slackUserGroup }, 'could not set the Slack user group to who is on call; trying again at the next scan');
        continue;
      }
      await deps.database.sql.query(sql`DELETE FROM processed_requests WHERE starts_with(key, ${prefix})`);
      await firstDelivery(deps.database.sql, key);
      deps.log.info({ schedule: schedule.key, group: schedule.slackUserGroup, person: onCall }, 'Slack user group now names who is on call');
    }
  };

  return async () => {
    const now = deps.clock.now();
    const config = deps.oncall();
    try {
      if (deps.delivery.ports.length === 0) return;
      const overrides = await allOverridesBetween(prisma, config, new Date(now.getTime() - 32 * 86_400_000), new Date(now.getTime() + 2 * 86_400_000));
      await syncUserGroups(config, overrides, now);
      if (!deps.enabled) return;
      for (const shift of shiftStartsBetween(config, overrides, now, new Date(now.getTime() + HEADS_UP_MS))) await headsUp(config, shift, now);
      for (const shift of shiftStartsBetween(config, overrides, new Date(now.getTime() - HANDOFF_GRACE_MS), now)) await handoff(config, shift);
    } finally {
      const needed = deps.enabled || Object.values(deps.oncall().schedules).some((schedule) => schedule.slackUserGroup);
      if (needed) await deps.database.transaction((tx) => enqueueJobs(tx, [shiftNoticesJob(now, true)]));
    }
  };
}

import { DateTime } from 'luxon';
import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import type { Delivery } from '../delivery/delivery.js';
import { COVER_FOLLOW_UP_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobHandler, JobSpec } from '../engine/job.js';
import { chatIdOf } from '../chat/chat-identity.js';
import type { ChatPlatformName } from '../chat/chat-port.js';
import { mention, type NeutralMessage } from '../chat/neutral-message.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../time/clock.js';
import type { OncallConfig } from './oncall-config.js';

export interface CoverRequestRow {
  id: number;
  teamKey: string;
  scheduleKey: string;
  requesterId: number;
  startsAt: Date;
  endsAt: Date;
  reason: string | null;
  status: string;
  takenById: number | null;
  platform: string;
}

/** Where a team's requests are posted: its channel, else INCIDENTS_CHANNEL. */
export function coverChannel(config: OncallConfig, teamKey: string, incidentsChannel?: string): { name: string; setting: string } | undefined {
  const channel = config.teams[teamKey]?.channel;
  if (channel) return { name: channel, setting: `teams.${teamKey}.channel` };
  return incidentsChannel ? { name: incidentsChannel, setting: 'INCIDENTS_CHANNEL' } : undefined;
}

const at = (date: Date, zone: string) => DateTime.fromJSDate(date, { zone }).toFormat('ccc d MMM HH:mm');

/** The request as the channel sees it: open with a Take it button, or who took it. */
export function coverMessage(config: OncallConfig, request: CoverRequestRow, people: { requester: { name: string; chatId?: string }; taker?: { name: string; chatId?: string } }, zone: string): NeutralMessage {
  const schedule = config.schedules[request.scheduleKey]?.name ?? request.scheduleKey;
  const who = (p: { name: string; chatId?: string }) => (p.chatId ? mention(p.chatId) : p.name);
  const when = `${at(request.startsAt, zone)} to ${at(request.endsAt, zone)} (${zone})`;
  if (request.status === 'taken' && people.taker) {
    return { summary: `Cover #${request.id} taken`, title: `✅ Cover #${request.id}: taken by ${people.taker.name}`, color: 'green', sections: [{ text: `${who(people.taker)} covers ${who(people.requester)} on **${schedule}** from ${when}.` }], mentions: [people.taker.chatId, people.requester.chatId].filter((id): id is string => Boolean(id)) };
  }
  return {
    summary: `Cover #${request.id}: ${people.requester.name} needs someone for ${schedule}`,
    title: `🙋 Cover #${request.id}: who can take ${people.requester.name}'s on-call?`,
    color: 'orange',
    sections: [{ text: `**${schedule}**, ${when}${request.reason ? ` · ${request.reason}` : ''}. The first to take it is on call then (an override).` }],
    buttons: [{ action: 'cover.take', label: 'Take it', value: String(request.id), style: 'primary' }],
  };
}

export function coverFollowUpJob(id: number, step: 'reminder' | 'lead', delayMs: number): JobSpec {
  return { kind: COVER_FOLLOW_UP_JOB, subject: `cover:${id}`, coalesceKey: `${COVER_FOLLOW_UP_JOB}:${id}:${step}`, payload: { id, step }, delayMs };
}

export async function findCoverRequest(database: Database, id: number): Promise<CoverRequestRow | undefined> {
  const [row] = await database.sql.query<Record<string, unknown>>(sql`
    SELECT id, team_key, schedule_key, requester_id, starts_at, ends_at, reason, status, taken_by_id, platform FROM cover_requests WHERE id = ${id}::int`);
  if (!row) return undefined;
  return {
    id: Number(row.id),
    teamKey: String(row.team_key),
    scheduleKey: String(row.schedule_key),
    requesterId: Number(row.requester_id),
    startsAt: new Date(row.starts_at as string),
    endsAt: new Date(row.ends_at as string),
    reason: (row.reason as string | null) ?? null,
    status: String(row.status),
    takenById: row.taken_by_id === null ? null : Number(row.taken_by_id),
    platform: String(row.platform),
  };
}

/**
 * The first to take an open request gets the override, in the same transaction that closes the
 * request: two clicks at once, on two replicas, give one override.
 */
export async function takeCoverRequest(database: Database, id: number, takerId: number, now: Date): Promise<{ overrideId: number } | 'gone'> {
  return database.transaction(async (tx) => {
    const [claimed] = await tx.query<{ schedule_key: string; starts_at: Date; ends_at: Date; reason: string | null }>(sql`
      UPDATE cover_requests SET status = 'taken', taken_by_id = ${takerId}::int, taken_at = ${now}::timestamptz
      WHERE id = ${id}::int AND status = 'open' AND ends_at > ${now}::timestamptz
      RETURNING schedule_key, starts_at, ends_at, reason`);
    if (!claimed) return 'gone';
    const [override] = await tx.query<{ id: number }>(sql`
      INSERT INTO oncall_overrides (schedule_key, person_id, starts_at, ends_at, reason, created_by_id)
      VALUES (${claimed.schedule_key}, ${takerId}::int, GREATEST(${claimed.starts_at}::timestamptz, ${now}::timestamptz), ${claimed.ends_at}::timestamptz, ${`cover #${id}${claimed.reason ? `: ${claimed.reason}` : ''}`}, ${takerId}::int)
      RETURNING id`);
    await tx.query(sql`UPDATE cover_requests SET override_id = ${override!.id}::int WHERE id = ${id}::int`);
    await tx.query(sql`DELETE FROM jobs WHERE subject = ${`cover:${id}`} AND kind = ${COVER_FOLLOW_UP_JOB} AND locked_by IS NULL`);
    return { overrideId: Number(override!.id) };
  });
}

export interface CoverFollowUpDeps {
  database: Database;
  oncall: () => OncallConfig;
  delivery: Delivery;
  incidentsChannel?: string;
  timeZone: string;
  clock: Clock;
  log: Logger;
}

/** While nobody has taken a request: a reminder in the channel, later a DM to the team's lead. */
export function coverFollowUpHandler(deps: CoverFollowUpDeps): JobHandler {
  return async (job) => {
    const request = await findCoverRequest(deps.database, Number(job.payload.id));
    const now = deps.clock.now();
    if (!request || request.status !== 'open' || request.endsAt <= now) return;
    const config = deps.oncall();
    const platform = request.platform as ChatPlatformName;
    const port = deps.delivery.ports.find((p) => p.platform === platform);
    if (!port) return;
    const requester = await deps.database.prisma.person.findUnique({ where: { id: request.requesterId } });
    const schedule = config.schedules[request.scheduleKey]?.name ?? request.scheduleKey;
    const text = `${requester?.name ?? 'Someone'} still needs cover #${request.id} for ${schedule} from ${at(request.startsAt, deps.timeZone)} to ${at(request.endsAt, deps.timeZone)} (${deps.timeZone}).`;
    if (job.payload.step === 'reminder') {
      const channel = coverChannel(config, request.teamKey, deps.incidentsChannel);
      if (!channel) return;
      await deps.delivery.deliverOnce(`cover:${request.id}:reminder`, { kind: 'named-channel', via: platform, name: channel.name, setting: channel.setting }, { summary: `Cover #${request.id}: still open`, title: `⏰ Cover #${request.id} is still open`, color: 'orange', sections: [{ text: `${text} Take it with the button above, or \`/oncall take ${request.id}\`.` }] });
      return;
    }
    const team = config.teams[request.teamKey];
    const leads = team?.lead ? [team.lead] : (team?.members ?? []).filter((member) => (config.people[member]?.roles ?? []).includes('manager'));
    if (leads.length === 0) {
      deps.log.warn({ cover: request.id, team: request.teamKey }, 'cover request still open and the team has no lead (teams.<team>.lead) to tell');
      return;
    }
    for (const lead of leads) {
      const userId = config.people[lead] ? chatIdOf(config.people[lead], platform) : null;
      if (!userId) continue;
      await deps.delivery.deliverOnce(`cover:${request.id}:lead:${lead}`, { kind: 'person', via: platform, userId }, { summary: `Cover #${request.id}: nobody has taken it`, title: `Cover #${request.id}: nobody has taken it`, color: 'red', sections: [{ text: `${text} As the lead of ${team!.name}, please find someone (\`/oncall override ${request.teamKey} @someone <from> <to>\`).` }] });
    }
  };
}

export function assertCanTake(config: OncallConfig, request: CoverRequestRow, takerHandle: string | undefined, takerId: number): void {
  if (request.status !== 'open') throw new AppError('conflict', `Cover #${request.id} has been taken already`);
  if (takerId === request.requesterId) throw new AppError('bad_request', `Cover #${request.id} is your own request`);
  if (!takerHandle || !config.teams[request.teamKey]?.members.includes(takerHandle)) {
    throw new AppError('forbidden', `Only members of ${config.teams[request.teamKey]?.name ?? request.teamKey} may take cover #${request.id}.`);
  }
}

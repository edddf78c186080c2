import type { NormalizedAlert } from '../alerts/alert.js';
import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import { HEARTBEAT_CHECK_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobHandler, JobSpec } from '../engine/job.js';
import { isAppError } from '../errors.js';
import { sourceActor } from '../incidents/actor.js';
import type { AlertIntake } from '../incidents/alert-intake.js';
import type { IncidentService } from '../incidents/incident-service.js';
import type { HeartbeatConfig, OncallConfig } from '../oncall/oncall-config.js';
import type { Clock } from '../time/clock.js';
import { formatDuration } from '../time/duration.js';
import { heartbeatDeadline, missedTitle, type HeartbeatState } from './heartbeat-deadline.js';

const checkJob = (name: string, delayMs: number): JobSpec => ({
  kind: HEARTBEAT_CHECK_JOB,
  subject: `heartbeat:${name}`,
  coalesceKey: `heartbeat:${name}`,
  payload: { name },
  delayMs: Math.max(0, delayMs),
});

interface HeartbeatRow {
  last_beat_at: Date | null;
  declared_at: Date;
  missed_at: Date | null;
  beats: number;
}

const stateOf = (row: HeartbeatRow): HeartbeatState => ({ lastBeatAt: row.last_beat_at ? new Date(row.last_beat_at) : null, declaredAt: new Date(row.declared_at) });

/**
 * Heartbeats (oncall.yaml `heartbeats:`): each beat is stored; one durable check job per heartbeat
 * wakes at its deadline and, if no beat came, opens an incident through the alert path (an alert
 * from source "heartbeat", routed as any alert). The next beat resolves it. The alert is keyed by
 * the heartbeat's name, so a check run twice (two replicas, a retry) opens one incident.
 */
export class HeartbeatMonitor {
  /** Silence before this bot started is not held against a heartbeat (see heartbeatDeadline). */
  private readonly startedAt: Date;

  constructor(private readonly deps: { database: Database; intake: AlertIntake; incidents: IncidentService; oncall: () => OncallConfig; clock: Clock; onCommitted?: () => void }) {
    this.startedAt = deps.clock.now();
  }

  /** Rows and checks follow oncall.yaml: one row and one pending check per declared heartbeat. */
  async sync(config: OncallConfig): Promise<void> {
    const names = Object.keys(config.heartbeats);
    await this.deps.database.transaction(async (tx) => {
      await tx.query(sql`DELETE FROM heartbeats WHERE NOT (name = ANY(${names}::text[]))`);
      if (names.length === 0) return;
      await tx.query(sql`INSERT INTO heartbeats (name, declared_at) SELECT unnest(${names}::text[]), ${this.deps.clock.now()}::timestamptz ON CONFLICT (name) DO NOTHING`);
      // Due now: each check works out its own deadline, with the intervals as they are now.
      await enqueueJobs(tx, names.map((name) => checkJob(name, 0)));
    });
    this.deps.onCommitted?.();
  }

  /** A beat: stored, and if the heartbeat was missed, its incident resolved. False for a name oncall.yaml does not declare. */
  async beat(name: string): Promise<boolean> {
    const heartbeat = this.deps.oncall().heartbeats[name];
    if (!heartbeat) return false;
    const now = this.deps.clock.now();
    const beaten = await this.deps.database.transaction(async (tx) => {
      await tx.query(sql`INSERT INTO heartbeats (name, declared_at) VALUES (${name}, ${now}::timestamptz) ON CONFLICT (name) DO NOTHING`);
      const [row] = await tx.query<{ missed_at: Date | null }>(sql`SELECT missed_at FROM heartbeats WHERE name = ${name} FOR UPDATE`);
      await tx.query(sql`UPDATE heartbeats SET last_beat_at = ${now}::timestamptz, missed_at = NULL, beats = beats + 1 WHERE name = ${name}`);
      // A missed heartbeat's checks had stopped: they start again from this beat.
      if (row?.missed_at) await enqueueJobs(tx, [checkJob(name, heartbeat.intervalMs + heartbeat.graceMs)]);
      return row?.missed_at ? new Date(row.missed_at) : undefined;
    });
    if (beaten) await this.recovered(name, heartbeat, now, beaten);
    return true;
  }

  checkHandler(): JobHandler {
    return async (job) => {
      const name = String(job.payload.name);
      const heartbeat = this.deps.oncall().heartbeats[name];
      if (!heartbeat) return;
      const now = this.deps.clock.now();
      const [row] = await this.deps.database.sql.query<HeartbeatRow>(sql`SELECT last_beat_at, declared_at, missed_at, beats FROM heartbeats WHERE name = ${name}`);
      if (!row || row.missed_at) return;
      const state = stateOf(row);
      const deadline = heartbeatDeadline(heartbeat, state, this.startedAt);
      if (deadline.getTime() > now.getTime()) {
        await this.deps.database.transaction((tx) => enqueueJobs(tx, [checkJob(name, deadline.getTime() - now.getTime())]));
        // Beating, yet its alert still firing: the beat that ended the silence stopped short of resolving it (a crash).
        const [stuck] = await this.deps.database.sql.query<{ starts_at: Date }>(sql`SELECT starts_at FROM alerts WHERE source = 'heartbeat' AND fingerprint = ${name} AND status = 'firing'`);
        if (stuck) await this.recovered(name, heartbeat, now, new Date(stuck.starts_at));
        return;
      }
      // The incident first, then the mark: a crash in between repeats the alert, which opens nothing new.
      await this.deps.intake.receive({ source: 'heartbeat', raw: null, truncated: 0, alerts: [missedAlert(name, heartbeat, state, deadline, now)] });
      await this.deps.database.sql.query(sql`
        UPDATE heartbeats SET missed_at = ${deadline}::timestamptz WHERE name = ${name} AND missed_at IS NULL AND last_beat_at IS NOT DISTINCT FROM ${state.lastBeatAt}::timestamptz`);
    };
  }

  /** Beats again: the missed-heartbeat alert resolves, and so does its incident if someone had acknowledged it meanwhile. */
  private async recovered(name: string, heartbeat: HeartbeatConfig, now: Date, missedSince: Date): Promise<void> {
    const silent = formatDuration(now.getTime() - missedSince.getTime());
    const [result] = await this.deps.intake.receive({
      source: 'heartbeat',
      raw: null,
      truncated: 0,
      alerts: [{ ...alertOf(name, heartbeat, `Heartbeat ${name} beating again after ${silent} missed`, missedSince), status: 'resolved', endsAt: now }],
    });
    if (!result?.incidentId) return;
    const [incident] = await this.deps.database.sql.query<{ status: string }>(sql`SELECT status FROM incidents WHERE id = ${result.incidentId}::int`);
    if (!incident || incident.status === 'resolved') return;
    try {
      await this.deps.incidents.resolve(result.incidentId, sourceActor('heartbeat'), `heartbeat ${name} is beating again`);
    } catch (error) {
      // Someone resolved it in the same moment: what the beat wanted is done.
      if (!isAppError(error) || error.code !== 'conflict') throw error;
    }
  }
}

function alertOf(name: string, heartbeat: HeartbeatConfig, title: string, startsAt: Date): NormalizedAlert {
  return {
    source: 'heartbeat',
    fingerprint: name,
    status: 'firing',
    title,
    description: `Expected a beat every ${formatDuration(heartbeat.intervalMs)}, with ${formatDuration(heartbeat.graceMs)} of grace.`,
    sourceSeverity: heartbeat.severity,
    labels: { alertname: 'HeartbeatMissed', heartbeat: name, ...heartbeat.labels },
    annotations: {},
    links: {},
    startsAt,
  };
}

function missedAlert(name: string, heartbeat: HeartbeatConfig, state: HeartbeatState, deadline: Date, now: Date): NormalizedAlert {
  return alertOf(name, heartbeat, missedTitle(name, state, now), deadline);
}

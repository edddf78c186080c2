import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import { FLAP_SETTLE_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobHandler, JobSpec } from '../engine/job.js';
import type { Clock } from '../time/clock.js';
import { formatDuration } from '../time/duration.js';
import { BOT } from './actor.js';
import { writeFollowUps, type IncidentEffects } from './incident-effects.js';
import { isOpen, onAllAlertsCleared } from './incident-rules.js';
import { IncidentTransitions, lockIncident } from './incident-transitions.js';
import { appendTimeline } from './timeline.js';

/** The check, a flap window after a flapping alert cleared, of whether it stayed clear. */
export function flapSettleJob(incidentId: number, windowMs: number): JobSpec {
  return { kind: FLAP_SETTLE_JOB, subject: `incident:${incidentId}`, coalesceKey: `${FLAP_SETTLE_JOB}:${incidentId}`, payload: { incidentId }, delayMs: windowMs };
}

/**
 * An incident kept open for a flapping alert: once its alerts stayed clear for the whole flap
 * window, they stop counting as flapping and the incident resolves itself as it would have
 * (unless someone acknowledged it: then it stays for a responder, with a note). A fire in the
 * meantime moves the check to a window after that fire.
 */
export function flapSettleHandler(deps: { database: Database; effects: IncidentEffects; clock: Clock; windowMs: number }): JobHandler {
  const transitions = new IncidentTransitions(deps.effects);
  return async (job) => {
    const incidentId = Number(job.payload.incidentId);
    const now = deps.clock.now();
    await deps.database.transaction(async (tx) => {
      // The flapping alerts (the ones it may clear) before the incident, in id order, as the intake
      // takes them: a re-fire of one (the moment this check is about) otherwise deadlocked with it.
      await tx.query(sql`SELECT id FROM alerts WHERE incident_id = ${incidentId}::int AND flapping_since IS NOT NULL ORDER BY id FOR UPDATE`);
      const incident = await lockIncident(tx, incidentId);
      if (!incident || !isOpen(incident.status)) return;
      const [alerts] = await tx.query<{ firing: number; last_fire: Date | null }>(sql`
        SELECT count(*) FILTER (WHERE a.status = 'firing')::int AS firing, max(f.at) AS last_fire
        FROM alerts a LEFT JOIN LATERAL unnest(a.recent_fires) AS f(at) ON true WHERE a.incident_id = ${incidentId}::int`);
      // Firing again: its next clearing schedules the next check.
      if (!alerts || Number(alerts.firing) > 0) return;
      const lastFire = alerts.last_fire ? new Date(alerts.last_fire).getTime() : 0;
      if (now.getTime() - lastFire < deps.windowMs) {
        await enqueueJobs(tx, [{ ...flapSettleJob(incidentId, lastFire + deps.windowMs - now.getTime()) }]);
        return;
      }
      await tx.query(sql`UPDATE alerts SET flapping_since = NULL WHERE incident_id = ${incidentId}::int AND flapping_since IS NOT NULL`);
      const quiet = formatDuration(deps.windowMs);
      const jobs = [];
      if (onAllAlertsCleared(incident) === 'auto-resolve') {
        jobs.push(...(await transitions.resolve(tx, incident, BOT, now, `its flapping alert stayed clear for ${quiet}`)));
      } else {
        await appendTimeline(tx, [{ incidentId, at: now, kind: 'alerts.settled', actor: BOT, text: `The flapping alert stayed clear for ${quiet}. The incident stays open until a responder resolves it.` }]);
      }
      await writeFollowUps(tx, [incidentId], jobs);
    });
  };
}

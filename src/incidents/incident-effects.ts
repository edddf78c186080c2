import type { Sql } from '../db/sql.js';
import { INCIDENT_SYNC_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobSpec } from '../engine/job.js';


export interface IncidentRef {
  id: number;
  escalationVersion: number;
}

/**
 * What must follow an incident change, written in the same transaction as the change. Features
 * (chat, escalation, playbooks) add their own effects with `extend`; ingestion and commands
 * call these hooks and never know who listens.
 */
export interface IncidentEffects {
  opened(tx: Sql, incident: IncidentRef): Promise<JobSpec[]>;
  /** Acknowledged, resolved or re-opened: escalation state changed (the version was bumped). */
  escalationChanged(tx: Sql, incident: IncidentRef, status: string): Promise<JobSpec[]>;
  /**
   * What brings the places that show these incidents (chat) up to date after ingestion changed
   * them; `contentOnly`: nothing changed but the text of an alert already there. No jobs when
   * nothing shows incidents: a bot without chat queues no sync job for every alert it takes.
   */
  shown?(incidentIds: readonly number[], contentOnly: boolean): JobSpec[];
}

/** One coalesced job per incident: however many alerts change it, chat is brought up to date once. */
export function syncJob(incidentId: number): JobSpec {
  return { kind: INCIDENT_SYNC_JOB, subject: `incident:${incidentId}`, coalesceKey: `${INCIDENT_SYNC_JOB}:${incidentId}` };
}

export const noEffects: IncidentEffects = {
  opened: async () => [],
  escalationChanged: async () => [],
};

/** Writes the sync job for every changed incident plus whatever the effects add. */
export async function writeFollowUps(tx: Sql, changedIncidentIds: Iterable<number>, extra: JobSpec[] = []): Promise<void> {
  const jobs = [...new Set(changedIncidentIds)].map(syncJob);
  await enqueueJobs(tx, [...jobs, ...extra]);
}

/** Several features' effects as one: each hook's jobs are concatenated. */
export function combineEffects(...parts: IncidentEffects[]): IncidentEffects {
  return {
    opened: async (tx, incident) => {
      const jobs: JobSpec[] = [];
      for (const part of parts) jobs.push(...(await part.opened(tx, incident)));
      return jobs;
    },
    // In order, not in parallel: the hooks share one transaction's connection.
    escalationChanged: async (tx, incident, status) => {
      const jobs: JobSpec[] = [];
      for (const part of parts) jobs.push(...(await part.escalationChanged(tx, incident, status)));
      return jobs;
    },
    shown: (incidentIds, contentOnly) => parts.flatMap((part) => part.shown?.(incidentIds, contentOnly) ?? []),
  };
}

import type { Sql } from '../db/sql.js';
import { INCIDENT_SYNC_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { JobSpec } from '../engine/job.js';
import type { TimelineEntry } from './timeline.js';


export interface IncidentRef {
  id: number;
  escalationVersion: number;
}

/** An incident an alert just opened, with what that alert said (as stored). */
export interface OpenedByAlert {
  incident: IncidentRef & { title: string; severity: number; service: string | null };
  alert: { labels: Record<string, string> };
  /** The playbook chosen for it as it opened (its route's, or the best match). */
  playbookId: string | null;
}

/** What effects add to the transaction that opened incidents: entries for the timeline and jobs. */
export interface OpeningWork {
  timeline: TimelineEntry[];
  jobs: JobSpec[];
}

/**
 * What must follow an incident change, written in the same transaction as the change. Features
 * (chat, escalation, playbooks) add their own effects with `extend`; ingestion and commands
 * call these hooks and never know who listens.
 */
export interface IncidentEffects {
  opened(tx: Sql, incident: IncidentRef): Promise<JobSpec[]>;
  /**
   * Incidents alerts opened together, in one batch's transaction: a feature that can do its part
   * there, for all of them with a few statements, does it here rather than queue a job for each.
   * Absent: `opened` for each.
   */
  openedByAlerts?(tx: Sql, opened: readonly OpenedByAlert[]): Promise<OpeningWork>;
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

/** The effects' part in incidents alerts opened together: `openedByAlerts`, else `opened` for each. */
export async function openedByAlerts(effects: IncidentEffects, tx: Sql, opened: readonly OpenedByAlert[]): Promise<OpeningWork> {
  if (effects.openedByAlerts) return effects.openedByAlerts(tx, opened);
  const jobs: JobSpec[] = [];
  for (const { incident } of opened) jobs.push(...(await effects.opened(tx, incident)));
  return { timeline: [], jobs };
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
    openedByAlerts: async (tx, opened) => {
      const work: OpeningWork = { timeline: [], jobs: [] };
      for (const part of parts) {
        const { timeline, jobs } = await openedByAlerts(part, tx, opened);
        work.timeline.push(...timeline);
        work.jobs.push(...jobs);
      }
      return work;
    },
    shown: (incidentIds, contentOnly) => parts.flatMap((part) => part.shown?.(incidentIds, contentOnly) ?? []),
  };
}

import { json, jsonRecords, prepared, sql, type Sql } from '../db/sql.js';
import { SharedValues } from '../db/shared-values.js';
import { PLAYBOOK_REMINDER_JOB } from '../engine/job-kinds.js';
import type { JobSpec } from '../engine/job.js';
import { BOT, type Actor } from '../incidents/actor.js';
import type { TimelineEntry } from '../incidents/timeline.js';
import { parseDuration } from '../time/duration.js';
import type { LoadedPlaybook, PlaybookDefinition } from './playbook-file.js';
import { choosePlaybook } from './playbook-matcher.js';
import { startRun, type Advance } from './playbook-run.js';

/** An incident whose playbook is to start, with what its first alert said (as stored). */
export interface PlaybookOpening {
  incidentId: number;
  title: string;
  severity: number;
  service: string | null;
  labels: Record<string, string>;
  /** The playbook recorded on the incident (its route's, or the one chosen when it opened). */
  preferred: string | null;
}

/** What a run's move onto a step writes: step states, timeline entries, the new step's reminder. */
export interface StepEntry {
  states: { stepId: string; status: 'skipped' | 'active' }[];
  timeline: TimelineEntry[];
  /** The step now waiting for people, and when to remind them of it. */
  active?: { stepId: string; remindMs?: number };
}

/** The states, timeline and reminder of landing on `moved` (skipping what it skipped). */
export function stepEntry(definition: PlaybookDefinition, moved: Advance, incidentId: number, actor: Actor, at: Date): StepEntry {
  const states: StepEntry['states'] = [];
  const timeline: TimelineEntry[] = [];
  for (const skipped of moved.skipped) {
    states.push({ stepId: skipped.stepId, status: 'skipped' });
    const title = definition.steps.find((s) => s.id === skipped.stepId)?.title ?? skipped.stepId;
    timeline.push({ incidentId, at, kind: 'step.skipped', actor: BOT, text: `Skipped step "${title}" (${skipped.reason})`, data: { stepId: skipped.stepId } });
  }
  if (!moved.next) {
    timeline.push({ incidentId, at, kind: 'playbook.completed', actor, text: `Playbook "${definition.name}" completed` });
    return { states, timeline };
  }
  states.push({ stepId: moved.next, status: 'active' });
  const step = definition.steps.find((s) => s.id === moved.next)!;
  return { states, timeline, active: { stepId: step.id, remindMs: step.remind_after ? parseDuration(step.remind_after) : undefined } };
}

/** The reminder job of a step left waiting, if its playbook gives it one. */
export function reminderJob(incidentId: number, runId: number, active: StepEntry['active'], at: Date): JobSpec[] {
  if (!active?.remindMs) return [];
  return [{ kind: PLAYBOOK_REMINDER_JOB, subject: `incident:${incidentId}`, delayMs: active.remindMs, payload: { runId, stepId: active.stepId, activatedAt: at.toISOString() } }];
}

/**
 * Starts the playbook of each incident that has none yet, with a copy of the playbook (so editing
 * the file mid-incident changes nothing running), in the caller's transaction and with one
 * statement however many incidents: the runs, their step states, and the playbook's name on
 * incidents that had another or none recorded. The caller writes the timeline entries and
 * queues the jobs it answers. An incident that already runs a playbook is left as it is.
 */
export async function startPlaybooks(
  tx: Sql,
  playbooks: LoadedPlaybook[],
  openings: readonly PlaybookOpening[],
  at: Date,
): Promise<{ started: { incidentId: number; playbookId: string }[]; timeline: TimelineEntry[]; jobs: JobSpec[] }> {
  const runs = openings.flatMap((opening) => {
    const facts = { severity: opening.severity, labels: opening.labels };
    const choice = choosePlaybook(playbooks, { title: opening.title, severity: opening.severity, service: opening.service ?? undefined, labels: opening.labels }, opening.preferred ?? undefined);
    if (!choice) return [];
    const { definition, contentHash } = choice.playbook;
    const entry = stepEntry(definition, startRun(definition, facts), opening.incidentId, BOT, at);
    return [{ opening, definition, contentHash, why: choice.why, entry }];
  });
  const out = { started: [] as { incidentId: number; playbookId: string }[], timeline: [] as TimelineEntry[], jobs: [] as JobSpec[] };
  if (runs.length === 0) return out;

  // Incidents a storm opens mostly run the same playbook: its definition is sent once.
  const definitions = new SharedValues();
  const rows = runs.map(({ opening, definition, contentHash, entry }) => ({
    incident_id: opening.incidentId,
    playbook_id: definition.id,
    playbook_name: definition.name,
    content_hash: contentHash,
    definition_at: definitions.at(definition),
    current_step_id: entry.active?.stepId ?? null,
    status: entry.active ? 'running' : 'completed',
  }));
  const states = runs.flatMap(({ opening, entry }) => entry.states.map((state) => ({ incident_id: opening.incidentId, step_id: state.stepId, status: state.status })));
  // The incident names the playbook it runs: one recorded as it opened may not be loaded (then
  // the best match or `default` runs), or none was recorded.
  const renamed = runs
    .filter(({ opening, definition }) => opening.preferred !== definition.id)
    .map(({ opening, definition }) => ({ incident_id: opening.incidentId, playbook_id: definition.id }));
  // Runs, their step states and the renames in one statement: the states and renames only of the
  // runs inserted (an incident already running one keeps it).
  const inserted = await tx.query<{ id: number; incident_id: number }>(prepared('playbooks.start-runs', sql`
    WITH runs AS (
      INSERT INTO playbook_runs (incident_id, playbook_id, playbook_name, content_hash, definition, current_step_id, status, started_at, finished_at)
      SELECT r.incident_id, r.playbook_id, r.playbook_name, r.content_hash, ${json(definitions.list)}::jsonb -> r.definition_at, r.current_step_id, r.status,
             ${at}::timestamptz, CASE WHEN r.status = 'completed' THEN ${at}::timestamptz END
      FROM ${jsonRecords(rows, 'incident_id int, playbook_id text, playbook_name text, content_hash text, definition_at int, current_step_id text, status text')}
      ORDER BY e.ord
      ON CONFLICT (incident_id) DO NOTHING
      RETURNING id, incident_id
    ), states AS (
      INSERT INTO playbook_step_states (run_id, step_id, status, choice, actor_id, at)
      SELECT runs.id, r.step_id, r.status, NULL, NULL, ${at}::timestamptz
      FROM ${jsonRecords(states, 'incident_id int, step_id text, status text')}
      JOIN runs ON runs.incident_id = r.incident_id
      ORDER BY e.ord
      ON CONFLICT (run_id, step_id) DO UPDATE SET status = EXCLUDED.status, choice = NULL, actor_id = NULL, at = EXCLUDED.at
    ), renamed AS (
      UPDATE incidents i SET playbook_id = r.playbook_id
      FROM ${jsonRecords(renamed, 'incident_id int, playbook_id text')}
      JOIN runs ON runs.incident_id = r.incident_id
      WHERE i.id = r.incident_id
    )
    SELECT id, incident_id FROM runs`));
  const runOf = new Map(inserted.map((row) => [Number(row.incident_id), Number(row.id)]));

  for (const { opening, definition, why, contentHash, entry } of runs) {
    const runId = runOf.get(opening.incidentId);
    if (runId === undefined) continue;
    const incidentId = opening.incidentId;
    out.started.push({ incidentId, playbookId: definition.id });
    out.timeline.push(
      { incidentId, at, kind: 'playbook.started', actor: BOT, text: `Playbook "${definition.name}" started (${why})`, data: { playbook: definition.id, contentHash } },
      ...entry.timeline,
    );
    out.jobs.push(...reminderJob(incidentId, runId, entry.active, at));
  }
  return out;
}

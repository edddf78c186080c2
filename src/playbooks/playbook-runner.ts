import type { ChatPlatformName } from '../chat/chat-port.js';
import type { NeutralMessage } from '../chat/neutral-message.js';
import type { Database } from '../db/database.js';
import { json, sql, type Sql } from '../db/sql.js';
import { parseDuration } from '../time/duration.js';
import { AppError } from '../errors.js';
import { PLAYBOOK_REMINDER_JOB, PLAYBOOK_START_JOB } from '../engine/job-kinds.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { ClaimedJob, JobHandler, JobSpec } from '../engine/job.js';
import { BOT, type Actor } from '../incidents/actor.js';
import { syncJob, type IncidentEffects } from '../incidents/incident-effects.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import { appendTimeline, type TimelineEntry } from '../incidents/timeline.js';
import type { PlaybookDefinition } from './playbook-file.js';
import type { PlaybookLibrary } from './playbook-library.js';
import { advance, StepRefusal, type Advance, type RunFacts, type StepAction } from './playbook-run.js';
import { reminderJob, startPlaybooks, stepEntry } from './playbook-start.js';
import { systemClock, type Clock } from '../time/clock.js';


export type StepCommand = StepAction | { kind: 'back' };

interface RunRow {
  id: number;
  incident_id: number;
  playbook_name: string;
  definition: PlaybookDefinition;
  current_step_id: string | null;
  status: string;
}

/**
 * Playbooks' part in opening incidents. Incidents that alerts open start their run in the same
 * transaction, together (the alerts' labels are at hand for `when` conditions); an incident
 * declared by a person starts it after the commit, as a job.
 */
export function playbookEffects(library: Pick<PlaybookLibrary, 'all'>, clock: Clock = systemClock): IncidentEffects {
  return {
    opened: async (_tx, incident) => [{ kind: PLAYBOOK_START_JOB, subject: `incident:${incident.id}`, coalesceKey: `${PLAYBOOK_START_JOB}:${incident.id}` }],
    escalationChanged: async () => [],
    openedByAlerts: async (tx, opened) => {
      const openings = opened.map(({ incident, alert, playbookId }) => ({
        incidentId: incident.id, title: incident.title, severity: incident.severity, service: incident.service, labels: alert.labels, preferred: playbookId,
      }));
      const { timeline, jobs } = await startPlaybooks(tx, library.all(), openings, clock.now());
      return { timeline, jobs };
    },
  };
}

/**
 * Runs each incident's playbook: starts it with a copy of the playbook (so editing the file
 * mid-incident changes nothing running), moves it on done, skip, a choice or back, records each
 * step on the timeline with who did it, and schedules reminders for steps left open.
 */
export class PlaybookRunner {
  constructor(
    private readonly database: Database,
    private readonly library: PlaybookLibrary,
    private readonly options: { onCommitted?: () => void; clock?: Clock } = {},
  ) {}

  private now(): Date {
    return (this.options.clock ?? systemClock).now();
  }

  startHandler(): JobHandler {
    return async (job: ClaimedJob) => {
      const incidentId = Number(/^incident:(\d+)$/.exec(job.subject ?? '')?.[1]);
      await this.database.transaction((tx) => this.start(tx, incidentId));
      this.options.onCommitted?.();
    };
  }

  private async start(tx: Sql, incidentId: number): Promise<void> {
    const [incident] = await tx.query<{ id: number; title: string; severity: number; service: string | null; playbook_id: string | null; labels: Record<string, string> | null }>(sql`
      SELECT i.id, i.title, i.severity, i.service, i.playbook_id,
        (SELECT a.labels FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id WHERE ia.incident_id = i.id ORDER BY ia.attached_at LIMIT 1) AS labels
      FROM incidents i WHERE i.id = ${incidentId}::int FOR UPDATE`);
    if (!incident) return;
    const opening = { incidentId, title: incident.title, severity: Number(incident.severity), service: incident.service, labels: incident.labels ?? {}, preferred: incident.playbook_id };
    const { started, timeline, jobs } = await startPlaybooks(tx, this.library.all(), [opening], this.now());
    if (started.length === 0) return;
    await appendTimeline(tx, timeline);
    await enqueueJobs(tx, [...jobs, syncJob(incidentId)]);
  }

  /** Records the skipped steps and the new current one; returns its reminder job. */
  private async enter(tx: Sql, runId: number, incidentId: number, definition: PlaybookDefinition, moved: Advance, actor: Actor, at: Date, timeline: TimelineEntry[]): Promise<JobSpec[]> {
    const entry = stepEntry(definition, moved, incidentId, actor, at);
    for (const state of entry.states) await this.setState(tx, runId, state.stepId, state.status, null, null, at);
    timeline.push(...entry.timeline);
    return reminderJob(incidentId, runId, entry.active, at);
  }

  private async setState(tx: Sql, runId: number, stepId: string, status: string, choice: string | null, actorId: number | null, at: Date): Promise<void> {
    await tx.query(sql`
      INSERT INTO playbook_step_states (run_id, step_id, status, choice, actor_id, at) VALUES (${runId}::int, ${stepId}, ${status}, ${choice}, ${actorId}::int, ${at}::timestamptz)
      ON CONFLICT (run_id, step_id) DO UPDATE SET status = EXCLUDED.status, choice = EXCLUDED.choice, actor_id = EXCLUDED.actor_id, at = EXCLUDED.at`);
  }

  /** done, skip, a choice or back, by a person; `expectedStepId` refuses a click on a card that is out of date. */
  async act(incidentId: number, command: StepCommand, actor: Actor, expectedStepId?: string): Promise<{ text: string }> {
    const result = await this.database.transaction(async (tx) => {
      await tx.query(sql`SELECT id FROM incidents WHERE id = ${incidentId}::int FOR UPDATE`);
      const [run] = await tx.query<RunRow>(sql`
        SELECT id, incident_id, playbook_name, definition, current_step_id, status FROM playbook_runs WHERE incident_id = ${incidentId}::int`);
      if (!run) throw new AppError('not_found', `${incidentLabel(incidentId)} has no playbook`);
      const definition = run.definition;
      const at = this.now();
      const timeline: TimelineEntry[] = [];
      const actorId = actor.kind === 'person' ? actor.personId : null;
      if (command.kind === 'back') {
        const [previous] = await tx.query<{ step_id: string }>(sql`
          SELECT step_id FROM playbook_step_states
          WHERE run_id = ${run.id}::int AND step_id IS DISTINCT FROM ${run.current_step_id}
            -- Steps passed over by their condition (no actor) are not where anyone was.
            AND (status = 'done' OR (status = 'skipped' AND actor_id IS NOT NULL))
          ORDER BY at DESC, id DESC LIMIT 1`);
        if (!previous) throw new AppError('conflict', 'There is no earlier step to go back to');
        if (run.current_step_id) await this.setState(tx, run.id, run.current_step_id, 'pending', null, null, at);
        await this.setState(tx, run.id, previous.step_id, 'active', null, actorId, at);
        await tx.query(sql`UPDATE playbook_runs SET current_step_id = ${previous.step_id}, status = 'running', finished_at = NULL WHERE id = ${run.id}::int`);
        const title = definition.steps.find((s) => s.id === previous.step_id)?.title ?? previous.step_id;
        timeline.push({ incidentId, at, kind: 'step.back', actor, text: `Went back to step "${title}"`, data: { stepId: previous.step_id } });
        await appendTimeline(tx, timeline);
        await enqueueJobs(tx, [syncJob(incidentId)]);
        return { text: `Back to step "${title}".` };
      }
      if (run.status !== 'running' || !run.current_step_id) throw new AppError('conflict', `The playbook "${run.playbook_name}" is finished; \`/incident step back\` re-opens its last step`);
      if (expectedStepId && expectedStepId !== run.current_step_id) {
        const current = definition.steps.find((s) => s.id === run.current_step_id)?.title;
        throw new AppError('conflict', `That card is out of date: the current step is "${current}"`);
      }
      const [facts] = await tx.query<{ severity: number; labels: Record<string, string> | null }>(sql`
        SELECT i.severity, (SELECT a.labels FROM incident_alerts ia JOIN alerts a ON a.id = ia.alert_id WHERE ia.incident_id = i.id ORDER BY ia.attached_at LIMIT 1) AS labels
        FROM incidents i WHERE i.id = ${incidentId}::int`);
      let moved: Advance;
      try {
        moved = advance(definition, run.current_step_id, command, { severity: Number(facts!.severity), labels: facts!.labels ?? {} });
      } catch (error) {
        if (error instanceof StepRefusal) throw new AppError('bad_request', error.message);
        throw error;
      }
      const step = definition.steps.find((s) => s.id === run.current_step_id)!;
      const choice = command.kind === 'choose' ? step.choices!.find((c) => c.id === command.choiceId)! : undefined;
      await this.setState(tx, run.id, step.id, command.kind === 'skip' ? 'skipped' : 'done', choice?.id ?? null, actorId, at);
      const verb = command.kind === 'skip' ? 'skipped' : choice ? `chose "${choice.label}" at` : 'completed';
      timeline.push({ incidentId, at, kind: command.kind === 'skip' ? 'step.skipped' : 'step.done', actor, text: `${verb[0]!.toUpperCase()}${verb.slice(1)} step "${step.title}"`, data: { stepId: step.id, choice: choice?.id } });
      const jobs = await this.enter(tx, run.id, incidentId, definition, moved, actor, at, timeline);
      await tx.query(sql`
        UPDATE playbook_runs SET current_step_id = ${moved.next ?? null}, status = ${moved.next ? 'running' : 'completed'}, finished_at = ${moved.next ? null : at}::timestamptz
        WHERE id = ${run.id}::int`);
      await appendTimeline(tx, timeline);
      await enqueueJobs(tx, [...jobs, syncJob(incidentId)]);
      const nextTitle = moved.next ? definition.steps.find((s) => s.id === moved.next)!.title : undefined;
      return { text: nextTitle ? `Step "${step.title}" ${command.kind === 'skip' ? 'skipped' : 'done'}. Next: **${nextTitle}**` : `Step "${step.title}" done. The playbook is complete.` };
    });
    this.options.onCommitted?.();
    return result;
  }

  /**
   * What to remind the incident channel of, for a step still open after its remind_after; nothing
   * once the run moved on (or came back to the step later, which scheduled a reminder of its own).
   */
  async reminder(payload: Record<string, unknown>): Promise<StepReminder | undefined> {
    const { runId, stepId, activatedAt } = payload as { runId: number; stepId: string; activatedAt: string };
    const run = await this.database.prisma.playbookRun.findUnique({ where: { id: runId }, include: { steps: { where: { stepId } }, incident: { include: { channels: true } } } });
    const state = run?.steps[0];
    if (!run || run.status !== 'running' || run.currentStepId !== stepId || !state || state.at.toISOString() !== activatedAt) return undefined;
    if (run.incident.status === 'resolved') return undefined;
    const title = (run.definition as PlaybookDefinition).steps.find((s) => s.id === stepId)?.title ?? stepId;
    return {
      key: `playbook:${runId}:${stepId}:${activatedAt}:reminder`,
      channels: run.incident.channels.map((c) => ({ platform: c.platform, channelId: c.channelId })),
      message: {
        summary: `Reminder: step "${title}" is still open`,
        color: 'yellow',
        sections: [{ text: `⏰ Step **${title}** of ${incidentLabel(run.incidentId)} is still open. \`/incident step done\` when it is, or \`/incident step skip\`.` }],
      },
    };
  }
}

/** A reminder the playbook wants sent to its incident's channels, once (under `key`). */
export interface StepReminder {
  key: string;
  channels: { platform: ChatPlatformName; channelId: string }[];
  message: NeutralMessage;
}

import type { Database } from '../db/database.js';
import { prepared, sql, type Sql } from '../db/sql.js';
import type { Actor } from '../incidents/actor.js';
import { BOT } from '../incidents/actor.js';
import type { IncidentEffects, IncidentRef } from '../incidents/incident-effects.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import { appendTimeline } from '../incidents/timeline.js';
import { splitByPass } from '../oncall/escalation-pass.js';
import type { EscalationLevel, EscalationPolicyConfig } from '../oncall/oncall-config.js';
import { cancelJobs, completeJobWithin, enqueueJobs } from './job-store.js';
import type { ClaimedJob, JobHandler, JobSpec } from './job.js';

import { writePage } from '../delivery/page-request.js';
import { writeNotifications, type PersonPagePlan } from '../paging/page-notifications.js';
import { formatDuration } from '../time/duration.js';
import { systemClock, type Clock } from '../time/clock.js';
import { ESCALATION_STEP_JOB } from './job-kinds.js';

/**
 * Who a level's targets are at an instant, as person handles from oncall.yaml. It reads through
 * the step's own transaction: on embedded storage that is the only connection there is.
 */
export type TargetResolver = (level: EscalationLevel, at: Date, tx: Sql) => Promise<string[]>;

export interface EscalationStepPayload {
  level: number;
  round: number;
  /** Ids of the people paged so far in this pass over the levels (absent in jobs written before it was kept). */
  paged?: number[];
}

/** The first step of a policy, fenced by the incident's current escalation version; `paged`: people this pass must not page again. */
export function firstEscalationStep(incident: IncidentRef, paged: number[] = []): JobSpec {
  return {
    kind: ESCALATION_STEP_JOB,
    subject: `incident:${incident.id}`,
    payload: { level: 0, round: 0, ...(paged.length ? { paged } : {}) } satisfies EscalationStepPayload,
    fence: incident.escalationVersion,
  };
}

/**
 * Escalation's part in every incident change: a new incident starts at its policy's first level
 * (a step for an incident without a policy does nothing); ack and resolve cancel what is pending
 * (the fence would make it a no-op anyway); a re-open starts again from the first level.
 */
export const escalationEffects: IncidentEffects = {
  opened: async (_tx, incident) => [firstEscalationStep(incident)],
  escalationChanged: async (tx, incident, status) => {
    await cancelJobs(tx, `incident:${incident.id}`, [ESCALATION_STEP_JOB]);
    if (status === 'reopened') return [firstEscalationStep(incident)];
    if (status !== 'reopened-flapping') return [];
    // A flapping alert re-opened it: the policy runs again (so it still escalates), but whoever
    // was already paged for this incident is not paged on every flap.
    const paged = await tx.query<{ person_id: number }>(sql`SELECT DISTINCT person_id FROM pages WHERE incident_id = ${incident.id}::int`);
    return [firstEscalationStep(incident, paged.map((row) => Number(row.person_id)))];
  },
};

/**
 * What the next step is after `current`, or undefined when the policy has run out. After the
 * last level of the last round comes the step one past the end: it fires after the last level's
 * delay and records that nobody acknowledged, unless an ack fenced it off in the meantime.
 */
export function nextStep(policy: EscalationPolicyConfig, current: EscalationStepPayload): { step: EscalationStepPayload; delayMs: number } | undefined {
  if (current.level >= policy.levels.length) return undefined;
  const delayMs = policy.levels[current.level]?.delayMs ?? 0;
  if (current.level + 1 < policy.levels.length) return { step: { level: current.level + 1, round: current.round }, delayMs };
  if (current.round < policy.repeat) return { step: { level: 0, round: current.round + 1 }, delayMs };
  return { step: { level: policy.levels.length, round: current.round }, delayMs };
}

interface FencedIncident {
  id: number;
  title: string;
  severity: number;
  status: string;
  escalation_version: number;
  escalation_policy: EscalationPolicyConfig | null;
}

/**
 * Runs one escalation step. The incident row is locked and the job's fence compared with the
 * incident's escalation version: an ack, resolve or re-open since the job was written bumped the
 * version, and the step does nothing. Pages, their delivery jobs, the timeline and the next step
 * are written in the same transaction as the job's completion, so a step runs whole exactly once:
 * a crash before the commit leaves the job to run again, a crash after it leaves nothing to repeat.
 */
/** What a person's rules plan for a page (when chat goes; email, SMS, a call, push, a webhook), read in the step's transaction. */
export type ContactPlanner = (tx: Sql, person: { id: number; handle: string }, severity: number, at: Date) => Promise<PersonPagePlan>;

export function escalationStepHandler(deps: {
  database: Database;
  resolveTargets: TargetResolver;
  planContacts?: ContactPlanner;
  clock?: Clock;
  onCommitted?: () => void;
  /** The jobs that show an incident's new pages where it is shown (chat: the card's paged list, the channel's members). */
  shown?: (incidentId: number) => JobSpec[];
}): JobHandler {
  return async (job: ClaimedJob) => {
    const incidentId = Number(/^incident:(\d+)$/.exec(job.subject ?? '')?.[1]);
    const step = job.payload as unknown as EscalationStepPayload;
    await deps.database.transaction(async (tx) => {
      if (!(await completeJobWithin(tx, job))) return;
      const [incident] = await tx.query<FencedIncident>(prepared('escalation.lock-incident', sql`
        SELECT id, title, severity, status, escalation_version, escalation_policy FROM incidents WHERE id = ${incidentId}::int FOR UPDATE`));
      if (!incident || Number(incident.escalation_version) !== job.fence || incident.status !== 'triggered' || !incident.escalation_policy) return;
      const policy = incident.escalation_policy;
      const now = (deps.clock ?? systemClock).now();
      if (step.level >= policy.levels.length) {
        await appendTimeline(tx, [
          { incidentId, at: now, kind: 'escalation.exhausted', actor: BOT, text: `Escalation policy ${policy.name} ran out with nobody acknowledging.` },
        ]);
        return;
      }
      const level = policy.levels[step.level]!;
      const handles = await deps.resolveTargets(level, now, tx);
      const targets = handles.length
        ? await tx.query<{ id: number; name: string; handle: string }>(prepared('escalation.people-by-handle', sql`SELECT id, name, handle FROM people WHERE handle = ANY(${handles}::text[]) ORDER BY id`))
        : [];
      const pass = splitByPass(targets.map((person) => Number(person.id)), step.paged);
      const people = targets.filter((person) => pass.page.includes(Number(person.id)));
      const alreadyPaged = targets.filter((person) => pass.alreadyPaged.includes(Number(person.id)));
      const label = `${incidentLabel(incident.id)} ${severityLabel(Number(incident.severity))}`;
      const jobs: JobSpec[] = [];
      const actor: Actor = BOT;
      const levelText = `level ${step.level + 1}${step.round > 0 ? `, repeat ${step.round}` : ''}`;
      if (alreadyPaged.length > 0) {
        const names = alreadyPaged.map((person) => person.name).join(', ');
        await appendTimeline(tx, [
          {
            incidentId,
            at: now,
            kind: 'page.skipped',
            actor,
            text: `Escalation ${levelText}: not paging ${names} again, already paged in this pass`,
            data: { personIds: pass.alreadyPaged, level: step.level + 1 },
          },
        ]);
      }
      if (targets.length === 0) {
        await appendTimeline(tx, [
          { incidentId, at: now, kind: 'page.nobody', actor, text: `Escalation ${levelText}: nobody is on call for ${describeTargets(level)}` },
        ]);
      }
      for (const person of people) {
        const { pageId, delivery } = await writePage(tx, {
          incidentId, personId: Number(person.id), level: step.level + 1, escalationVersion: job.fence ?? undefined, message: `${label}: ${oneLine(incident.title)}`,
        });
        const plan = (await deps.planContacts?.(tx, { id: Number(person.id), handle: person.handle }, Number(incident.severity), now)) ?? { contacts: [] };
        // The chat message goes when the person's rules say (at once when they give it no time).
        const chatLater = plan.chatAt && plan.chatAt.getTime() > now.getTime() ? plan.chatAt : undefined;
        jobs.push(chatLater ? { ...delivery, delayMs: chatLater.getTime() - now.getTime() } : delivery);
        // Each notification beyond chat is its own job at its time: never sent inside this step.
        jobs.push(...(await writeNotifications(tx, pageId, plan.contacts, now)));
        const later = [...(chatLater ? [{ via: 'chat', at: chatLater }] : []), ...plan.contacts].sort((a, b) => a.at.getTime() - b.at.getTime());
        const then = later.length ? `, then ${later.map((c) => `${c.via} +${formatDuration(c.at.getTime() - now.getTime())}`).join(', ')}` : '';
        await appendTimeline(tx, [
          { incidentId, at: now, kind: 'page.created', actor, text: `Paging ${person.name} (${levelText})${then}`, data: { pageId, personId: person.id, level: step.level + 1 } },
        ]);
      }
      if (people.length > 0) jobs.push(...(deps.shown?.(incidentId) ?? []));
      const next = nextStep(policy, step);
      if (next) {
        // A new pass (the policy's repeat) starts with nobody paged.
        const paged = next.step.round === step.round ? [...(step.paged ?? []), ...pass.page] : [];
        const payload: EscalationStepPayload = { ...next.step, paged };
        jobs.push({ kind: ESCALATION_STEP_JOB, subject: `incident:${incidentId}`, payload: { ...payload }, fence: job.fence ?? 0, delayMs: next.delayMs });
      }
      await enqueueJobs(tx, jobs);
    });
    deps.onCommitted?.();
  };
}

function describeTargets(level: EscalationLevel): string {
  return level.targets.map((target) => `${target.kind} ${target.key}`).join(', ');
}

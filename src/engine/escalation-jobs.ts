import type { Database } from '../db/database.js';
import { prepared, sql, type Sql } from '../db/sql.js';
import { BOT } from '../incidents/actor.js';
import type { IncidentEffects, IncidentRef } from '../incidents/incident-effects.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import type { TimelineEntry } from '../incidents/timeline.js';
import { appendTimelineAndJobs } from '../incidents/timeline-and-jobs.js';
import { splitByPass } from '../oncall/escalation-pass.js';
import type { EscalationLevel, EscalationPolicyConfig } from '../oncall/oncall-config.js';
import { cancelJobs, completeJobsWithin } from './job-store.js';
import type { ClaimedJob, JobHandler, JobSpec } from './job.js';

import { writePages } from '../delivery/page-request.js';
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

/** What a person's rules plan for a page (when chat goes; email, SMS, a call, push, a webhook), read in the step's transaction. */
export type ContactPlanner = (tx: Sql, person: { id: number; handle: string }, severity: number, at: Date) => Promise<PersonPagePlan>;

export interface EscalationStepDeps {
  database: Database;
  resolveTargets: TargetResolver;
  planContacts?: ContactPlanner;
  clock?: Clock;
  onCommitted?: () => void;
  /** The jobs that show an incident's new pages where it is shown (chat: the card's paged list, the channel's members). */
  shown?: (incidentId: number) => JobSpec[];
}

/**
 * Runs escalation steps: the jobs the worker claimed together run in one transaction, with a
 * fixed handful of statements for however many incidents (a storm's first steps come due
 * together). Each incident row is locked and each job's fence compared with the incident's
 * escalation version: an ack, resolve or re-open since the job was written bumped the version,
 * and that step does nothing. Pages, their delivery jobs, the timeline and the next steps are
 * written in the same transaction as the jobs' completion, so a step runs whole exactly once: a
 * crash before the commit leaves the jobs to run again, a crash after it leaves nothing to repeat.
 * The worker runs a batch that fails one job at a time (`batch`), so one cannot hold up the rest.
 */
export function escalationStepHandler(deps: EscalationStepDeps): JobHandler {
  const run = async (jobs: ClaimedJob[]) => {
    await deps.database.transaction((tx) => runSteps(tx, jobs, deps));
    deps.onCommitted?.();
  };
  return Object.assign((job: ClaimedJob) => run([job]), { batch: run });
}

/** A page to write, and what the timeline says of it once its id is known. */
interface PageToWrite {
  incident: FencedIncident;
  person: { id: number; name: string; handle: string };
  level: number;
  fence: number | null;
  levelText: string;
}

async function runSteps(tx: Sql, claimed: ClaimedJob[], deps: EscalationStepDeps): Promise<void> {
  const jobs = (await completeJobsWithin(tx, claimed)).sort((a, b) => incidentOf(a) - incidentOf(b) || Number(a.id - b.id));
  if (jobs.length === 0) return;
  const incidents = await lockIncidents(tx, [...new Set(jobs.map(incidentOf))]);
  const now = (deps.clock ?? systemClock).now();
  const due = jobs.flatMap((job) => {
    const incident = incidents.get(incidentOf(job));
    if (!incident || Number(incident.escalation_version) !== job.fence || incident.status !== 'triggered' || !incident.escalation_policy) return [];
    return [{ job, incident, policy: incident.escalation_policy, step: job.payload as unknown as EscalationStepPayload }];
  });
  // Who each level pages now, and those people, read once for the batch.
  const handlesOf = new Map<string, string[]>();
  for (const { policy, step } of due) {
    const level = policy.levels[step.level];
    const key = level ? JSON.stringify(level) : '';
    if (level && !handlesOf.has(key)) handlesOf.set(key, await deps.resolveTargets(level, now, tx));
  }
  const allHandles = [...new Set([...handlesOf.values()].flat())];
  const people = allHandles.length
    ? await tx.query<{ id: number; name: string; handle: string }>(prepared('escalation.people-by-handle', sql`SELECT id, name, handle FROM people WHERE handle = ANY(${allHandles}::text[]) ORDER BY id`))
    : [];
  const personOf = new Map(people.map((person) => [person.handle, { ...person, id: Number(person.id) }]));

  const timeline: TimelineEntry[] = [];
  const jobsOut: JobSpec[] = [];
  const pages: PageToWrite[] = [];
  /** Per step, in order: its own entries, then its pages' (filled once the pages are written). */
  const stepEntries: { before: TimelineEntry[]; pages: PageToWrite[]; after: JobSpec[] }[] = [];
  for (const { job, incident, policy, step } of due) {
    const incidentId = Number(incident.id);
    if (step.level >= policy.levels.length) {
      stepEntries.push({ before: [{ incidentId, at: now, kind: 'escalation.exhausted', actor: BOT, text: `Escalation policy ${policy.name} ran out with nobody acknowledging.` }], pages: [], after: [] });
      continue;
    }
    const level = policy.levels[step.level]!;
    const handles = handlesOf.get(JSON.stringify(level)) ?? [];
    const targets = [...new Set(handles)].flatMap((handle) => personOf.get(handle) ?? []).sort((a, b) => a.id - b.id);
    const pass = splitByPass(targets.map((person) => person.id), step.paged);
    const toPage = targets.filter((person) => pass.page.includes(person.id));
    const alreadyPaged = targets.filter((person) => pass.alreadyPaged.includes(person.id));
    const levelText = `level ${step.level + 1}${step.round > 0 ? `, repeat ${step.round}` : ''}`;
    const before: TimelineEntry[] = [];
    if (alreadyPaged.length > 0) {
      before.push({
        incidentId,
        at: now,
        kind: 'page.skipped',
        actor: BOT,
        text: `Escalation ${levelText}: not paging ${alreadyPaged.map((person) => person.name).join(', ')} again, already paged in this pass`,
        data: { personIds: pass.alreadyPaged, level: step.level + 1 },
      });
    }
    if (targets.length === 0) before.push({ incidentId, at: now, kind: 'page.nobody', actor: BOT, text: `Escalation ${levelText}: nobody is on call for ${describeTargets(level)}` });
    const stepPages = toPage.map((person): PageToWrite => ({ incident, person, level: step.level + 1, fence: job.fence, levelText }));
    pages.push(...stepPages);
    const after: JobSpec[] = [];
    if (toPage.length > 0) after.push(...(deps.shown?.(incidentId) ?? []));
    const next = nextStep(policy, step);
    if (next) {
      // A new pass (the policy's repeat) starts with nobody paged.
      const paged = next.step.round === step.round ? [...(step.paged ?? []), ...pass.page] : [];
      const payload: EscalationStepPayload = { ...next.step, paged };
      after.push({ kind: ESCALATION_STEP_JOB, subject: `incident:${incidentId}`, payload: { ...payload }, fence: job.fence ?? 0, delayMs: next.delayMs });
    }
    stepEntries.push({ before, pages: stepPages, after });
  }

  const written = await writePages(tx, pages.map((page) => ({
    incidentId: Number(page.incident.id),
    personId: page.person.id,
    level: page.level,
    escalationVersion: page.fence ?? undefined,
    message: `${incidentLabel(Number(page.incident.id))} ${severityLabel(Number(page.incident.severity))}: ${oneLine(page.incident.title)}`,
  })));
  const pageIds = new Map(pages.map((page, index) => [page, written[index]!]));
  for (const { before, pages: stepPages, after } of stepEntries) {
    timeline.push(...before);
    for (const page of stepPages) {
      const { pageId, delivery } = pageIds.get(page)!;
      const incidentId = Number(page.incident.id);
      const plan = (await deps.planContacts?.(tx, { id: page.person.id, handle: page.person.handle }, Number(page.incident.severity), now)) ?? { contacts: [] };
      // The chat message goes when the person's rules say (at once when they give it no time).
      const chatLater = plan.chatAt && plan.chatAt.getTime() > now.getTime() ? plan.chatAt : undefined;
      jobsOut.push(chatLater ? { ...delivery, delayMs: chatLater.getTime() - now.getTime() } : delivery);
      // Each notification beyond chat is its own job at its time: never sent inside this step.
      jobsOut.push(...(await writeNotifications(tx, pageId, plan.contacts, now)));
      const later = [...(chatLater ? [{ via: 'chat', at: chatLater }] : []), ...plan.contacts].sort((a, b) => a.at.getTime() - b.at.getTime());
      const then = later.length ? `, then ${later.map((c) => `${c.via} +${formatDuration(c.at.getTime() - now.getTime())}`).join(', ')}` : '';
      const unverified = plan.unverified?.length ? `; not verified yet, so not used: ${plan.unverified.join(', ')}${page.person.handle ? ` (incident-bot oncall verify ${page.person.handle})` : ''}` : '';
      timeline.push({ incidentId, at: now, kind: 'page.created', actor: BOT, text: `Paging ${page.person.name} (${page.levelText})${then}${unverified}`, data: { pageId, personId: page.person.id, level: page.level } });
    }
    jobsOut.push(...after);
  }
  await appendTimelineAndJobs(tx, timeline, jobsOut);
}

const incidentOf = (job: ClaimedJob) => Number(/^incident:(\d+)$/.exec(job.subject ?? '')?.[1]);

/** Locks the incidents of a batch of steps, in id order (as every other locker of several takes them). */
async function lockIncidents(tx: Sql, ids: number[]): Promise<Map<number, FencedIncident>> {
  // Planned with its values each time, not prepared: see `prepared`.
  const rows = await tx.query<FencedIncident>(sql`
    SELECT id, title, severity, status, escalation_version, escalation_policy FROM incidents WHERE id = ANY (${ids}::int[]) ORDER BY id FOR UPDATE`);
  return new Map(rows.map((row) => [Number(row.id), row]));
}

function describeTargets(level: EscalationLevel): string {
  return level.targets.map((target) => `${target.kind} ${target.key}`).join(', ');
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { checkConfigDocument } from '../config-files/check-config-document.js';
import { formatConfigFileProblem, type ConfigFileProblem } from '../config-files/config-file-problem.js';
import { asArray, asRecord, asString } from '../config-files/plain-data.js';
import type { YamlShapeLimits } from '../config-files/yaml-shape.js';
import { parseDuration } from '../time/duration.js';

/** A problem in a playbook file, where an editor or CI can point at it. */
export type PlaybookProblem = ConfigFileProblem;

export const formatPlaybookProblem = formatConfigFileProblem;

/** Real playbooks have a handful of steps; each one is a chat card, a reminder and a line of the postmortem. */
export const MAX_STEPS = 100;
/** Far above the largest real playbook (100 steps with long checklists), far below what stalls the bot while it parses. */
export const PLAYBOOK_SHAPE: YamlShapeLimits = { what: 'a playbook', maxLines: 10_000, maxValues: 20_000, maxDepth: 20 };
/** Each choice is a button, and Discord fits 25 on a message, the step card's own buttons included. */
export const MAX_CHOICES = 20;

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'ids are lowercase letters, digits, dashes and underscores');
const duration = z.string().refine((value) => parseDuration(value) !== undefined, 'must be a duration such as 15m or 1h');
const regex = z.string().refine((value) => {
  try {
    new RegExp(value);
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');
const severity = z.union([z.number().int().min(1).max(4), z.string().regex(/^sev[1-4]$/i, 'must be 1-4 or sev1..sev4')]);

const conditionSchema = z
  .object({
    severity: z.array(severity).min(1).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .refine((condition) => condition.severity || condition.labels, 'a condition needs severity or labels');

const stepSchema = z
  .object({
    id,
    title: z.string().min(1).max(150),
    instructions: z.string().default(''),
    owner: z.enum(['commander', 'comms', 'scribe']).optional(),
    checklist: z.array(z.string().min(1)).default([]),
    links: z.array(z.object({ title: z.string().min(1), url: z.url() }).strict()).default([]),
    commands: z.array(z.string().min(1)).default([]),
    remind_after: duration.optional(),
    when: conditionSchema.optional(),
    next: id.optional(),
    choices: z
      .array(z.object({ id, label: z.string().min(1).max(75), next: id }).strict())
      .min(2)
      .max(MAX_CHOICES, `at most ${MAX_CHOICES} choices`)
      .optional(),
  })
  .strict()
  .refine((step) => !(step.next && step.choices), 'a step has either next or choices, not both');

export const playbookSchema = z
  .object({
    id,
    name: z.string().min(1),
    description: z.string().default(''),
    private: z.boolean().default(false),
    match: z
      .object({
        labels: z.record(z.string(), z.string()).default({}),
        label_regex: z.record(z.string(), regex).default({}),
        severities: z.array(severity).optional(),
        services: z.array(z.string()).optional(),
        title: regex.optional(),
      })
      .strict()
      .default({ labels: {}, label_regex: {} }),
    steps: z.array(stepSchema).min(1),
  })
  .strict();

export type PlaybookDefinition = z.infer<typeof playbookSchema>;
export type PlaybookStep = PlaybookDefinition['steps'][number];

export interface LoadedPlaybook {
  definition: PlaybookDefinition;
  file: string;
  /** sha256 of the file: a run keeps the version it started with. */
  contentHash: string;
}

export function severityNumber(value: number | string): number {
  return typeof value === 'number' ? value : Number(value.slice(3));
}

/**
 * Parses and checks one playbook file; returns the playbook or every problem found in it, in one
 * pass: the schema's and the links between steps, top to bottom.
 */
export function parsePlaybook(text: string, file: string): { playbook?: LoadedPlaybook; problems: PlaybookProblem[] } {
  const checked = checkConfigDocument(text, file, {
    shape: PLAYBOOK_SHAPE,
    counts: [{ section: 'steps', max: MAX_STEPS, message: (count) => `${count} steps: a playbook has at most ${MAX_STEPS}` }],
    schema: playbookSchema,
    crossChecks: (raw) => checkStepGraph(stepLinksOf(raw)),
  });
  if (!checked.ok) return { problems: checked.problems };
  return { playbook: { definition: checked.data, file, contentHash: createHash('sha256').update(text).digest('hex') }, problems: [] };
}

/** What the checks between steps look at, read leniently so that they run even where the schema failed. */
export interface StepLinks {
  id?: string;
  next?: string;
  choices?: readonly { next?: string }[];
}

function stepLinksOf(value: unknown): StepLinks[] {
  return asArray(asRecord(value).steps).map((raw) => {
    const step = asRecord(raw);
    return {
      id: asString(step.id),
      next: asString(step.next),
      choices: Array.isArray(step.choices) ? step.choices.map((choice) => ({ next: asString(asRecord(choice).next) })) : undefined,
    };
  });
}

/** Where a step leads: its choices, its `next`, or (by default) the step after it. */
export function successors(playbook: { steps: readonly StepLinks[] }, index: number): string[] {
  const step = playbook.steps[index]!;
  if (step.choices) return step.choices.flatMap((choice) => (choice.next === undefined ? [] : [choice.next]));
  if (step.next) return [step.next];
  const following = playbook.steps[index + 1];
  return following?.id === undefined ? [] : [following.id];
}

/** Duplicate ids, links to missing steps, steps the run never reaches, and loops that never reach an end. */
function checkStepGraph(steps: readonly StepLinks[]): [(string | number)[], string][] {
  const problems: [(string | number)[], string][] = [];
  const index = new Map<string, number>();
  steps.forEach((step, i) => {
    if (step.id === undefined) return;
    if (index.has(step.id)) problems.push([['steps', i, 'id'], `duplicate step id "${step.id}" (first at steps[${index.get(step.id)}])`]);
    else index.set(step.id, i);
  });
  steps.forEach((step, i) => {
    if (step.next !== undefined && !index.has(step.next)) problems.push([['steps', i, 'next'], `no step "${step.next}"`]);
    step.choices?.forEach((choice, c) => {
      if (choice.next !== undefined && !index.has(choice.next)) problems.push([['steps', i, 'choices', c, 'next'], `no step "${choice.next}"`]);
    });
  });
  // The step after is the next one in the file (even where ids repeat); links to missing steps are
  // reported above and count as ends here, so they add no noise.
  const linked = (step: StepLinks) => (step.choices || step.next !== undefined ? successors({ steps: [step] }, 0) : undefined);
  const next = steps.map((step, i) => linked(step)?.flatMap((id) => (index.has(id) ? [index.get(id)!] : [])) ?? (i + 1 < steps.length ? [i + 1] : []));
  const ends = steps.map((step, i) => next[i]!.length === 0 || (linked(step) ?? []).some((id) => !index.has(id)));
  const reached = reachable([0], next, steps.length);
  const previous = steps.map((): number[] => []);
  next.forEach((targets, from) => targets.forEach((to) => previous[to]!.push(from)));
  const canFinish = reachable(ends.flatMap((end, i) => (end ? [i] : [])), previous, steps.length);
  steps.forEach((step, i) => {
    const name = step.id === undefined ? `steps[${i}]` : `step "${step.id}"`;
    if (!reached[i]) problems.push([['steps', i], `${name} is never reached: no path from the first step leads to it`]);
    else if (!canFinish[i]) problems.push([['steps', i], `${name} is in a cycle with no exit: no path from it reaches the end`]);
  });
  return problems;
}

/** Which of `count` nodes a walk along `edges` from `starts` reaches (linear in nodes and edges). */
function reachable(starts: number[], edges: readonly (readonly number[])[], count: number): boolean[] {
  const seen = new Array<boolean>(count).fill(false);
  const queue = starts.filter((start) => start < count);
  for (const start of queue) seen[start] = true;
  while (queue.length > 0) {
    for (const to of edges[queue.pop()!]!) {
      if (!seen[to]) {
        seen[to] = true;
        queue.push(to);
      }
    }
  }
  return seen;
}

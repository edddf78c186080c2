import { createHash } from 'node:crypto';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';
import { formatPath } from '../errors.js';
import { parseDuration } from '../time/duration.js';

/** A problem in a playbook file, where an editor or CI can point at it. */
export interface PlaybookProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export function formatPlaybookProblem(problem: PlaybookProblem): string {
  return `${problem.file}:${problem.line}:${problem.column} ${problem.path}: ${problem.message}`;
}

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
    choices: z.array(z.object({ id, label: z.string().min(1).max(75), next: id }).strict()).min(2).optional(),
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

/** Parses and checks one playbook file; returns the playbook or every problem found in it. */
export function parsePlaybook(text: string, file: string): { playbook?: LoadedPlaybook; problems: PlaybookProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { file, line, column: col, path: '(yaml)', message: error.message.split('\n')[0]! };
      }),
    };
  }
  const at = locate(doc, lineCounter, file);
  const parsed = playbookSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((issue) =>
        issue.code === 'unrecognized_keys' ? at([...issue.path, issue.keys[0]!], issue.message) : at(issue.path, issue.message),
      ),
    };
  }
  const problems = checkStepGraph(parsed.data).map(([path, message]) => at(path, message));
  if (problems.length) return { problems };
  return { playbook: { definition: parsed.data, file, contentHash: createHash('sha256').update(text).digest('hex') }, problems: [] };
}

function locate(doc: Document, lineCounter: LineCounter, file: string) {
  return (path: readonly PropertyKey[], message: string): PlaybookProblem => {
    const keys = path.map((part) => (typeof part === 'number' ? part : String(part)));
    for (let depth = keys.length; depth >= 0; depth--) {
      const node = doc.getIn(keys.slice(0, depth), true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return { file, line, column: col, path: formatPath(path), message };
      }
    }
    return { file, line: 1, column: 1, path: formatPath(path), message };
  };
}

/** Where a step leads: its choices, its `next`, or (by default) the step after it. */
export function successors(playbook: PlaybookDefinition, index: number): string[] {
  const step = playbook.steps[index]!;
  if (step.choices) return step.choices.map((choice) => choice.next);
  if (step.next) return [step.next];
  const following = playbook.steps[index + 1];
  return following ? [following.id] : [];
}

/** Duplicate ids, links to missing steps, and loops that never reach an end. */
function checkStepGraph(playbook: PlaybookDefinition): [(string | number)[], string][] {
  const problems: [(string | number)[], string][] = [];
  const index = new Map<string, number>();
  playbook.steps.forEach((step, i) => {
    if (index.has(step.id)) problems.push([['steps', i, 'id'], `duplicate step id "${step.id}" (first at steps[${index.get(step.id)}])`]);
    else index.set(step.id, i);
  });
  playbook.steps.forEach((step, i) => {
    if (step.next && !index.has(step.next)) problems.push([['steps', i, 'next'], `no step "${step.next}"`]);
    step.choices?.forEach((choice, c) => {
      if (!index.has(choice.next)) problems.push([['steps', i, 'choices', c, 'next'], `no step "${choice.next}"`]);
    });
  });
  if (problems.length) return problems;
  // A step can finish the run if some path from it reaches a step with nowhere to go.
  const canFinish = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    playbook.steps.forEach((_, i) => {
      if (canFinish.has(i)) return;
      const next = successors(playbook, i);
      if (next.length === 0 || next.some((nextId) => canFinish.has(index.get(nextId)!))) {
        canFinish.add(i);
        grew = true;
      }
    });
  }
  playbook.steps.forEach((step, i) => {
    if (!canFinish.has(i)) problems.push([['steps', i], `step "${step.id}" is in a cycle with no exit: no path from it reaches the end`]);
  });
  return problems;
}

import type { PlaybookDefinition, PlaybookStep } from './playbook-file.js';
import { severityNumber, successors } from './playbook-file.js';

/** What `when` conditions look at. */
export interface RunFacts {
  severity: number;
  labels: Record<string, string>;
}

export type StepAction = { kind: 'done' } | { kind: 'skip' } | { kind: 'choose'; choiceId: string };

/** Where the run goes next, and which steps it passed over because their `when` did not hold. */
export interface Advance {
  next: string | undefined;
  skipped: { stepId: string; reason: string }[];
}

export function conditionHolds(step: PlaybookStep, facts: RunFacts): boolean {
  const when = step.when;
  if (!when) return true;
  if (when.severity && !when.severity.map(severityNumber).includes(facts.severity)) return false;
  for (const [label, value] of Object.entries(when.labels ?? {})) if (facts.labels[label] !== value) return false;
  return true;
}

function describeCondition(step: PlaybookStep): string {
  const parts: string[] = [];
  if (step.when?.severity) parts.push(`severity ${step.when.severity.map((s) => `SEV${severityNumber(s)}`).join('/')}`);
  for (const [label, value] of Object.entries(step.when?.labels ?? {})) parts.push(`${label}=${value}`);
  return `only when ${parts.join(' and ')}`;
}

/** From a candidate step on, the first one whose condition holds; the others are skipped on the way. */
function landOn(playbook: PlaybookDefinition, candidate: string | undefined, facts: RunFacts): Advance {
  const skipped: Advance['skipped'] = [];
  const index = new Map(playbook.steps.map((step, i) => [step.id, i]));
  const visited = new Set<string>();
  let current = candidate;
  while (current !== undefined && !visited.has(current)) {
    visited.add(current);
    const i = index.get(current)!;
    const step = playbook.steps[i]!;
    if (conditionHolds(step, facts)) return { next: current, skipped };
    skipped.push({ stepId: current, reason: describeCondition(step) });
    // A skipped decision has no answer: follow its first choice, as the playbook lists it.
    current = successors(playbook, i)[0];
  }
  return { next: undefined, skipped };
}

export function startRun(playbook: PlaybookDefinition, facts: RunFacts): Advance {
  return landOn(playbook, playbook.steps[0]?.id, facts);
}

/** The step after `currentId` when it is done, skipped, or answered with a choice. */
export function advance(playbook: PlaybookDefinition, currentId: string, action: StepAction, facts: RunFacts): Advance {
  const index = playbook.steps.findIndex((step) => step.id === currentId);
  const step = playbook.steps[index];
  if (!step) throw new Error(`no step "${currentId}" in playbook ${playbook.id}`);
  if (action.kind === 'choose') {
    const choice = step.choices?.find((c) => c.id === action.choiceId);
    if (!choice) throw new StepRefusal(`"${action.choiceId}" is not a choice of step "${step.title}" (choices: ${step.choices?.map((c) => c.id).join(', ') ?? 'none'})`);
    return landOn(playbook, choice.next, facts);
  }
  if (step.choices && action.kind === 'done') {
    throw new StepRefusal(`"${step.title}" is a decision: choose ${step.choices.map((c) => `"${c.id}"`).join(' or ')}`);
  }
  // A skipped decision follows its first choice, like a decision passed over by its condition.
  return landOn(playbook, successors(playbook, index)[0], facts);
}

/** A step action that does not fit the current step; said to the person, not thrown as a bug. */
export class StepRefusal extends Error {}

export function stepNumber(playbook: PlaybookDefinition, stepId: string): { position: number; total: number } {
  return { position: playbook.steps.findIndex((step) => step.id === stepId) + 1, total: playbook.steps.length };
}

import type { PrismaClient } from '../db/database.js';
import { stepButtonValue } from '../chat/commands/button-actions.js';
import type { MessageButton, NeutralMessage } from '../chat/neutral-message.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import type { PlaybookDefinition } from './playbook-file.js';
import { stepNumber } from './playbook-run.js';

export interface RunView {
  incidentId: number;
  playbookName: string;
  definition: PlaybookDefinition;
  currentStepId: string | null;
  status: string;
  steps: { stepId: string; status: string; choice: string | null; actorName: string | null }[];
}

export async function loadRunView(prisma: PrismaClient, incidentId: number): Promise<RunView | undefined> {
  const run = await prisma.playbookRun.findUnique({ where: { incidentId }, include: { steps: { include: { actor: true }, orderBy: { at: 'asc' } } } });
  if (!run) return undefined;
  return {
    incidentId,
    playbookName: run.playbookName,
    definition: run.definition as PlaybookDefinition,
    currentStepId: run.currentStepId,
    status: run.status,
    steps: run.steps.map((s) => ({ stepId: s.stepId, status: s.status, choice: s.choice, actorName: s.actor?.name ?? null })),
  };
}

/** The current step as a card with Done, Skip and one button per choice; the summary once the run is complete. */
export function stepCard(view: RunView): NeutralMessage {
  const label = incidentLabel(view.incidentId);
  const step = view.definition.steps.find((s) => s.id === view.currentStepId);
  if (view.status !== 'running' || !step) return runSummary(view);
  const { position, total } = stepNumber(view.definition, step.id);
  const sections: NeutralMessage['sections'] = [];
  if (step.instructions.trim()) sections.push({ text: step.instructions.trim() });
  if (step.checklist.length) sections.push({ text: step.checklist.map((item) => `- ☐ ${item}`).join('\n') });
  if (step.commands.length) sections.push({ text: '```\n' + step.commands.join('\n') + '\n```' });
  if (step.links.length) sections.push({ text: step.links.map((link) => `[${link.title}](${link.url})`).join(' · ') });
  const buttons: MessageButton[] = step.choices
    ? step.choices.map((choice) => ({ action: 'step.choose', label: choice.label, value: stepButtonValue(view.incidentId, step.id, choice.id) }))
    : [{ action: 'step.done', label: 'Done', value: stepButtonValue(view.incidentId, step.id), style: 'primary' }];
  buttons.push({ action: 'step.skip', label: 'Skip', value: stepButtonValue(view.incidentId, step.id) });
  return {
    summary: `${label} playbook step ${position} of ${total}: ${step.title}`,
    title: `📋 Step ${position} of ${total}: ${step.title}`,
    color: 'blue',
    sections: sections.length ? sections : [{ text: '_No instructions._' }],
    buttons,
    footer: `${view.playbookName}${step.owner ? ` · for the ${step.owner}` : ''}${step.remind_after ? ` · reminder after ${step.remind_after}` : ''} · /incident step done|skip|back`,
  };
}

export function runSummary(view: RunView): NeutralMessage {
  const lines = view.definition.steps.map((step) => {
    const state = view.steps.find((s) => s.stepId === step.id);
    if (!state) return `- ◻︎ ${step.title} (not reached)`;
    const who = state.actorName ? ` by ${state.actorName}` : '';
    if (state.status === 'done') return `- ✅ ${step.title}${state.choice ? ` → ${state.choice}` : ''}${who}`;
    if (state.status === 'skipped') return `- ⏭ ${step.title} (skipped${who})`;
    return `- ▶︎ ${step.title} (${state.status})`;
  });
  return {
    summary: `${incidentLabel(view.incidentId)}: playbook "${view.playbookName}" ${view.status}`,
    title: `📋 Playbook "${view.playbookName}" ${view.status}`,
    color: view.status === 'completed' ? 'green' : 'blue',
    sections: [{ text: lines.join('\n') }],
  };
}

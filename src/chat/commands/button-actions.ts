import { specFor } from './command-spec.js';
import { CommandUsageError } from './command-usage-error.js';
import { usageLine } from './command-usage.js';
import type { CommandParseResult } from './parse-command-text.js';
import type { ParsedCommand } from './parsed-command.js';

/** The actions the bot's cards carry. A click becomes the same ParsedCommand as the typed command. */
export const BUTTON_ACTIONS = ['incident.ack', 'incident.resolve', 'incident.noise', 'step.next', 'step.done', 'step.skip', 'step.choose', 'page.ack', 'override.remove', 'cover.take', 'swap.accept', 'swap.decline'] as const;
export type ButtonAction = (typeof BUTTON_ACTIONS)[number];

/*
 * Values are "<incident number>[:<id>[:<id>]]":
 *   incident.ack, incident.resolve, incident.noise  "42"
 *   step.next, step.done, step.skip "42" or "42:<step id>"
 *   step.choose                     "42:<step id>:<choice id>"
 *   page.ack                        "42" or "42:<page id>"
 *   override.remove                 "<override id>"
 *   cover.take                      "<cover request id>"
 *   swap.accept, swap.decline       "<swap request id>"
 * Renderers that must make an action id unique append "~<n>" to the action, and a Discord
 * custom_id is "<action>:<value>"; both are undone here.
 */
const UNIQUE_SUFFIX = /~\d+$/;

export function incidentButtonValue(incidentNumber: number): string {
  return String(incidentNumber);
}
export function stepButtonValue(incidentNumber: number, stepId?: string, choiceId?: string): string {
  if (choiceId !== undefined && stepId === undefined) throw new Error('stepButtonValue: a choice needs its step id');
  return [String(incidentNumber), stepId, choiceId].filter((part) => part !== undefined).join(':');
}
export function pageButtonValue(incidentNumber: number, pageId?: string): string {
  return pageId === undefined ? String(incidentNumber) : `${incidentNumber}:${pageId}`;
}

/** "incident.ack" made unique within a message: "incident.ack~2". */
export function uniqueActionId(action: string, occurrence: number): string {
  return occurrence === 0 ? action : `${action}~${occurrence}`;
}
export function baseAction(actionId: string): string {
  return actionId.replace(UNIQUE_SUFFIX, '');
}

/** Discord carries one string per button, at most 100 characters. */
export function encodeCustomId(actionId: string, value: string): string {
  return `${actionId}:${value}`;
}
export function decodeCustomId(customId: string): { action: string; value: string } {
  const colon = customId.indexOf(':');
  return colon < 0 ? { action: customId, value: '' } : { action: customId.slice(0, colon), value: customId.slice(colon + 1) };
}

function stale(message: string, kind: ParsedCommand['kind']): CommandUsageError {
  return new CommandUsageError(message, usageLine(specFor(kind)));
}

/** A click (Slack action_id + value, or a decoded Discord custom_id) as a command. */
export function parseButtonAction(input: { action: string; value: string }): CommandParseResult {
  const action = baseAction(input.action);
  if (action === 'swap.accept' || action === 'swap.decline') {
    return /^\d{1,9}$/.test(input.value) && Number(input.value) >= 1 ? { kind: 'oncall.answer', id: Number(input.value), accept: action === 'swap.accept' } : stale(`The swap button carries no request number (value "${input.value}")`, 'oncall.answer');
  }
  if (action === 'cover.take') {
    return /^\d{1,9}$/.test(input.value) && Number(input.value) >= 1 ? { kind: 'oncall.take', id: Number(input.value) } : stale(`The Take it button carries no request number (value "${input.value}")`, 'oncall.take');
  }
  if (action === 'override.remove') {
    return /^\d{1,9}$/.test(input.value) && Number(input.value) >= 1 ? { kind: 'oncall.unoverride', id: Number(input.value) } : stale(`The Remove button carries no override id (value "${input.value}")`, 'oncall.unoverride');
  }
  const [numberText = '', id, ...rest] = input.value.split(':');
  const choice = rest.length ? rest.join(':') : undefined;
  const incidentNumber = /^\d+$/.test(numberText) ? Number(numberText) : undefined;
  const kind: ParsedCommand['kind'] = action.startsWith('step.') ? 'incident.step' : action === 'incident.resolve' || action === 'incident.noise' ? action : 'incident.ack';
  if (!(BUTTON_ACTIONS as readonly string[]).includes(action)) {
    return new CommandUsageError(`This button ("${input.action}") is not one this bot knows; it may come from an older version`, '/incident help');
  }
  if (incidentNumber === undefined || incidentNumber < 1) {
    return stale(`The button "${action}" carries no incident number (value "${input.value}")`, kind);
  }
  const stepId = id === undefined || id === '' ? undefined : id;
  switch (action as ButtonAction) {
    case 'incident.ack':
      return { kind: 'incident.ack', incidentNumber };
    case 'page.ack':
      return { kind: 'incident.ack', incidentNumber, ...(stepId === undefined ? {} : { pageId: stepId }) };
    case 'incident.resolve':
      return { kind: 'incident.resolve', incidentNumber };
    case 'incident.noise':
      return { kind: 'incident.noise', incidentNumber };
    case 'step.next':
    case 'step.done':
    case 'step.skip': {
      const stepAction = action === 'step.next' ? 'next' : action === 'step.done' ? 'done' : 'skip';
      return { kind: 'incident.step', action: stepAction, incidentNumber, ...(stepId === undefined ? {} : { stepId }) };
    }
    case 'override.remove':
    case 'cover.take':
    case 'swap.accept':
    case 'swap.decline':
      return stale('The Remove button was read as another', 'oncall.unoverride');
    case 'step.choose':
      if (stepId === undefined || choice === undefined || choice === '') {
        return stale(`The choice button carries no step and choice (value "${input.value}")`, 'incident.step');
      }
      return { kind: 'incident.step', action: 'choose', incidentNumber, stepId, choiceId: choice };
  }
}

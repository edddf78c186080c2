import { describe, expect, it } from 'vitest';
import {
  decodeCustomId,
  encodeCustomId,
  incidentButtonValue,
  pageButtonValue,
  parseButtonAction,
  stepButtonValue,
  uniqueActionId,
} from '../../../src/chat/commands/button-actions.js';

describe('button actions', () => {
  it('turns each card action into the command a typed line would give', () => {
    expect(parseButtonAction({ action: 'incident.ack', value: incidentButtonValue(42) })).toEqual({ kind: 'incident.ack', incidentNumber: 42 });
    expect(parseButtonAction({ action: 'incident.resolve', value: '42' })).toEqual({ kind: 'incident.resolve', incidentNumber: 42 });
    expect(parseButtonAction({ action: 'step.next', value: '42' })).toEqual({ kind: 'incident.step', action: 'next', incidentNumber: 42 });
    expect(parseButtonAction({ action: 'step.done', value: stepButtonValue(42, 'check-db') })).toEqual({
      kind: 'incident.step',
      action: 'done',
      incidentNumber: 42,
      stepId: 'check-db',
    });
    expect(parseButtonAction({ action: 'step.skip', value: '7:restart' })).toEqual({ kind: 'incident.step', action: 'skip', incidentNumber: 7, stepId: 'restart' });
    expect(parseButtonAction({ action: 'step.choose', value: stepButtonValue(42, 'triage', 'db') })).toEqual({
      kind: 'incident.step',
      action: 'choose',
      incidentNumber: 42,
      stepId: 'triage',
      choiceId: 'db',
    });
    expect(parseButtonAction({ action: 'page.ack', value: pageButtonValue(42, 'p-9') })).toEqual({ kind: 'incident.ack', incidentNumber: 42, pageId: 'p-9' });
    expect(parseButtonAction({ action: 'page.ack', value: pageButtonValue(42) })).toEqual({ kind: 'incident.ack', incidentNumber: 42 });
  });

  it('undoes the unique suffix renderers add to repeated actions', () => {
    expect(uniqueActionId('incident.ack', 0)).toBe('incident.ack');
    expect(parseButtonAction({ action: uniqueActionId('incident.ack', 2), value: '5' })).toEqual({ kind: 'incident.ack', incidentNumber: 5 });
  });

  it('decodes Discord custom ids', () => {
    const customId = encodeCustomId('step.choose~1', stepButtonValue(12, 'triage', 'db:primary'));
    expect(customId).toBe('step.choose~1:12:triage:db:primary');
    const decoded = decodeCustomId(customId);
    expect(decoded).toEqual({ action: 'step.choose~1', value: '12:triage:db:primary' });
    expect(parseButtonAction(decoded)).toEqual({ kind: 'incident.step', action: 'choose', incidentNumber: 12, stepId: 'triage', choiceId: 'db:primary' });
  });

  it('refuses unknown actions and values without an incident, as usage errors', () => {
    expect(parseButtonAction({ action: 'incident.explode', value: '1' })).toMatchObject({ kind: 'usage_error', usage: '/incident help' });
    expect(parseButtonAction({ action: 'incident.ack', value: 'abc' })).toMatchObject({
      kind: 'usage_error',
      message: 'The button "incident.ack" carries no incident number (value "abc")',
      usage: '/incident ack',
    });
    expect(parseButtonAction({ action: 'step.choose', value: '4' })).toMatchObject({ kind: 'usage_error', usage: '/incident step [done|skip|back|<choice id>]' });
    expect(() => stepButtonValue(1, undefined, 'x')).toThrow(/needs its step id/);
  });
});

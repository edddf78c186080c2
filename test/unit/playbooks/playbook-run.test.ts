import { describe, expect, it } from 'vitest';
import { parsePlaybook } from '../../../src/playbooks/playbook-file.js';
import { advance, startRun, StepRefusal } from '../../../src/playbooks/playbook-run.js';

const playbook = parsePlaybook(
  `id: pb
name: PB
steps:
  - { id: page-execs, title: Page executives, when: { severity: [sev1] } }
  - id: decide
    title: Decide
    choices: [{ id: a, label: A, next: fix }, { id: b, label: B, next: done }]
  - { id: fix, title: Fix, when: { labels: { env: production } } }
  - { id: done, title: Done }
`,
  'pb.yaml',
).playbook!.definition;

describe('playbook runs', () => {
  it('starts at the first step whose condition holds, recording the ones passed over', () => {
    expect(startRun(playbook, { severity: 1, labels: {} })).toEqual({ next: 'page-execs', skipped: [] });
    expect(startRun(playbook, { severity: 3, labels: {} })).toEqual({ next: 'decide', skipped: [{ stepId: 'page-execs', reason: 'only when severity SEV1' }] });
  });

  it('follows choices and skips conditional steps on the way; the last step ends the run', () => {
    expect(advance(playbook, 'decide', { kind: 'choose', choiceId: 'a' }, { severity: 3, labels: { env: 'staging' } })).toEqual({
      next: 'done',
      skipped: [{ stepId: 'fix', reason: 'only when env=production' }],
    });
    expect(advance(playbook, 'decide', { kind: 'choose', choiceId: 'a' }, { severity: 3, labels: { env: 'production' } }).next).toBe('fix');
    expect(advance(playbook, 'done', { kind: 'done' }, { severity: 3, labels: {} })).toEqual({ next: undefined, skipped: [] });
  });

  it('refuses actions that do not fit the step, in words for the responder', () => {
    expect(() => advance(playbook, 'decide', { kind: 'done' }, { severity: 3, labels: {} })).toThrow(new StepRefusal('"Decide" is a decision: choose "a" or "b"'));
    expect(() => advance(playbook, 'decide', { kind: 'choose', choiceId: 'z' }, { severity: 3, labels: {} })).toThrow(/"z" is not a choice of step "Decide" \(choices: a, b\)/);
  });
});

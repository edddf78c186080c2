import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging.js';
import { parsePlaybook, type LoadedPlaybook } from '../../../src/playbooks/playbook-file.js';
import { loadPlaybookDirectory, PlaybookLibrary } from '../../../src/playbooks/playbook-library.js';
import { choosePlaybook } from '../../../src/playbooks/playbook-matcher.js';
import { projectRoot } from '../../../src/project-root.js';

const problems = (yaml: string) => parsePlaybook(yaml, 'pb.yaml').problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);

const minimal = (steps: string[]) => ['id: pb', 'name: PB', 'steps:', ...steps].join('\n');

describe('playbook files', () => {
  it('the shipped playbooks pass lint', () => {
    const { playbooks, problems: found } = loadPlaybookDirectory(join(projectRoot(), 'playbooks'));
    expect(found).toEqual([]);
    expect(playbooks.map((p) => p.definition.id).sort()).toEqual(['api-errors', 'certificate-expiry', 'database', 'default', 'security-breach', 'traffic-spike']);
    expect(playbooks.find((p) => p.definition.id === 'security-breach')!.definition.private).toBe(true);
  });

  it('points at unknown keys, bad durations and bad values by line and column', () => {
    const yaml = minimal([
      '  - id: one', //                4
      '    title: First', //           5
      '    remind_after: soonish', //  6
      '    ownr: commander', //        7
      '  - id: Two', //                8
      '    title: Second', //          9
    ]);
    expect(problems(yaml)).toEqual([
      '6:19 steps[0].remind_after: must be a duration such as 15m or 1h',
      expect.stringMatching(/^7:11 steps\[0\]\.ownr: Unrecognized key: "ownr"/),
      '8:9 steps[1].id: ids are lowercase letters, digits, dashes and underscores',
    ]);
  });

  it('finds duplicate step ids, choices pointing nowhere, and cycles with no exit', () => {
    expect(problems(minimal(['  - { id: a, title: A }', '  - { id: a, title: A again }']))).toEqual(['5:11 steps[1].id: duplicate step id "a" (first at steps[0])']);
    expect(
      problems(minimal(['  - id: a', '    title: Decide', '    choices:', '      - { id: x, label: X, next: b }', '      - { id: y, label: Y, next: nowhere }', '  - { id: b, title: B }'])),
    ).toEqual(['8:34 steps[0].choices[1].next: no step "nowhere"']);
    // b and c send each other round forever; a can leave through its second choice, d ends.
    const loop = minimal([
      '  - id: a',
      '    title: A',
      '    choices: [{ id: x, label: X, next: b }, { id: y, label: Y, next: d }]',
      '  - { id: b, title: B, next: c }',
      '  - { id: c, title: C, next: b }',
      '  - { id: d, title: D }',
    ]);
    expect(problems(loop)).toEqual([
      '7:5 steps[1]: step "b" is in a cycle with no exit: no path from it reaches the end',
      '8:5 steps[2]: step "c" is in a cycle with no exit: no path from it reaches the end',
    ]);
  });

  it('reports YAML syntax errors where they are', () => {
    expect(problems('id: pb\nname: [unclosed\n')[0]).toMatch(/^\d+:\d+ \(yaml\): /);
  });

  it('hashes the file content, so a run can keep the version it started with', () => {
    const a = parsePlaybook(minimal(['  - { id: a, title: A }']), 'a.yaml').playbook!;
    const b = parsePlaybook(minimal(['  - { id: a, title: A changed }']), 'a.yaml').playbook!;
    expect(a.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.contentHash).not.toBe(b.contentHash);
  });
});

describe('choosing a playbook', () => {
  const pb = (id: string, match: string): LoadedPlaybook => parsePlaybook(`id: ${id}\nname: ${id}\nmatch: ${match}\nsteps:\n  - { id: s, title: S }\n`, `${id}.yaml`).playbook!;
  const library = [
    pb('default', '{}'),
    pb('postgres', '{ labels: { service: postgres } }'),
    pb('postgres-lag', '{ labels: { service: postgres }, label_regex: { alertname: "Replication.*" } }'),
    pb('sev1-any', '{ severities: [sev1] }'),
  ];
  const facts = (labels: Record<string, string>, severity = 3) => ({ title: 'x', severity, labels, service: labels.service });

  it('takes the route`s playbook first, then the most specific match, then default', () => {
    expect(choosePlaybook(library, facts({ service: 'postgres' }), 'sev1-any')!.playbook.definition.id).toBe('sev1-any');
    expect(choosePlaybook(library, facts({ service: 'postgres', alertname: 'ReplicationLag' }))!.playbook.definition.id).toBe('postgres-lag');
    expect(choosePlaybook(library, facts({ service: 'postgres', alertname: 'Down' }))!.playbook.definition.id).toBe('postgres');
    expect(choosePlaybook(library, facts({ service: 'redis' }, 1))!.playbook.definition.id).toBe('sev1-any');
    const fallback = choosePlaybook(library, facts({ service: 'redis' }))!;
    expect(fallback.playbook.definition.id).toBe('default');
    expect(fallback.why).toBe('default: nothing more specific matched');
    expect(choosePlaybook(library, facts({}), 'missing')!.why).toContain('the route\'s "missing" is not loaded');
  });
});

describe('PlaybookLibrary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'playbooks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('skips a broken file, and keeps the last good version of one that breaks', () => {
    writeFileSync(join(dir, 'good.yaml'), minimal(['  - { id: a, title: Version 1 }']).replace('id: pb', 'id: good'));
    writeFileSync(join(dir, 'broken.yaml'), 'id: broken\nname: B\nsteps: []\n');
    const library = new PlaybookLibrary(dir, createLogger('silent'));
    expect(library.all().map((p) => p.definition.id)).toEqual(['good']);
    expect(library.problems()[0]!.file).toBe(join(dir, 'broken.yaml'));

    writeFileSync(join(dir, 'good.yaml'), 'id: good\nname: [broken\n');
    library.reload('SIGHUP');
    expect(library.get('good')!.definition.steps[0]!.title).toBe('Version 1');
    writeFileSync(join(dir, 'good.yaml'), minimal(['  - { id: a, title: Version 2 }']).replace('id: pb', 'id: good'));
    library.reload('SIGHUP');
    expect(library.get('good')!.definition.steps[0]!.title).toBe('Version 2');
  });
});

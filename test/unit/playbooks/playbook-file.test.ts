import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging.js';
import { MAX_PROBLEMS_PER_FILE } from '../../../src/config-files/config-file-problem.js';
import { formatPlaybookProblem, parsePlaybook, type LoadedPlaybook } from '../../../src/playbooks/playbook-file.js';
import { loadPlaybookDirectory, PlaybookFilesError, PlaybookLibrary } from '../../../src/playbooks/playbook-library.js';
import { choosePlaybook } from '../../../src/playbooks/playbook-matcher.js';
import { projectRoot } from '../../../src/project-root.js';
import { aliasBomb, makeFifo, paddedPlaybook, playbookWithSteps } from '../../support/hostile-yaml.js';

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

  it('reports every problem of a file in one pass: schema, duplicate ids, unknown next, unreachable steps, cycles', () => {
    const yaml = minimal([
      '  - id: start', //                    4
      '    title: Start', //                 5
      '    ownr: commander', //              6
      '    next: check', //                  7
      '  - { id: check, title: Check, remind_after: later, next: nowhere }', // 8
      '  - { id: check, title: Again }', //  9
      '  - { id: orphan, title: Orphan, next: loop }', // 10
      '  - { id: loop, title: Loop, next: orphan }', //  11
    ]);
    // Before, the last four appeared only once the first two were fixed (and the cycle after that).
    expect(problems(yaml)).toEqual([
      expect.stringMatching(/^6:11 steps\[0\]\.ownr: Unrecognized key: "ownr"/),
      '8:46 steps[1].remind_after: must be a duration such as 15m or 1h',
      '8:59 steps[1].next: no step "nowhere"',
      '9:5 steps[2]: step "check" is never reached: no path from the first step leads to it',
      '9:11 steps[2].id: duplicate step id "check" (first at steps[1])',
      '10:5 steps[3]: step "orphan" is never reached: no path from the first step leads to it',
      '11:5 steps[4]: step "loop" is never reached: no path from the first step leads to it',
    ]);
    // A loop that the run does reach is a cycle with no exit.
    expect(problems(minimal(['  - { id: a, title: A, next: b }', '  - { id: b, title: B, next: a }', '  - { id: c, title: C, remind_after: x }']))).toEqual([
      '4:5 steps[0]: step "a" is in a cycle with no exit: no path from it reaches the end',
      '5:5 steps[1]: step "b" is in a cycle with no exit: no path from it reaches the end',
      '6:5 steps[2]: step "c" is never reached: no path from the first step leads to it',
      '6:38 steps[2].remind_after: must be a duration such as 15m or 1h',
    ]);
  });

  it('counts the step after by its place in the file, so a repeated id is reported once', () => {
    expect(problems(minimal(['  - { id: a, title: A }', '  - { id: a, title: A again }', '  - { id: b, title: B }']))).toEqual([
      '5:11 steps[1].id: duplicate step id "a" (first at steps[0])',
    ]);
  });

  it('does not repeat as "no such step" a next that the schema already refused', () => {
    expect(problems(minimal(['  - { id: a, title: A, next: "Not An Id" }', '  - { id: b, title: B }']))).toEqual([
      '4:30 steps[0].next: ids are lowercase letters, digits, dashes and underscores',
      '5:5 steps[1]: step "b" is never reached: no path from the first step leads to it',
    ]);
  });

  it('refuses more than 100 steps at the first one past the limit, before any other check walks them', () => {
    expect(parsePlaybook(playbookWithSteps(100), 'pb.yaml').problems).toEqual([]);
    expect(problems(playbookWithSteps(2_000))).toEqual(['104:5 steps[100]: 2000 steps: a playbook has at most 100']);
    // Past 10000 lines or 20000 values (25000 such steps fit in 1 MiB) the parser never sees it.
    expect(problems(playbookWithSteps(25_000))).toEqual(['10001:1 (yaml): more than 10000 lines, the most a playbook may have: not parsed']);
  });

  it(`shows at most ${MAX_PROBLEMS_PER_FILE} problems of a file, then how many more there are`, () => {
    const found = problems(minimal(Array.from({ length: 80 }, (_, i) => `  - { id: s${i}, title: S, remind_after: soon }`)));
    expect(found).toHaveLength(MAX_PROBLEMS_PER_FILE + 1);
    expect(found.at(-1)).toBe('54:40 (file): and 30 more problem(s) from here on, not shown');
  });

  it('refuses an alias bomb with its line instead of throwing', () => {
    expect(problems(aliasBomb())).toEqual([expect.stringMatching(/^4:8 \(yaml\): aliases expand too often/)]);
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

  it('matches a label regex against the whole value, whichever alternative spans it', () => {
    const either = [pb('default', '{}'), pb('either', '{ label_regex: { alertname: "Disk|DiskFull" } }')];
    expect(choosePlaybook(either, facts({ alertname: 'DiskFull' }))!.playbook.definition.id).toBe('either');
    expect(choosePlaybook(either, facts({ alertname: 'Disk' }))!.playbook.definition.id).toBe('either');
    expect(choosePlaybook(either, facts({ alertname: 'DiskFullSoon' }))!.playbook.definition.id).toBe('default');
    expect(choosePlaybook(library, facts({ service: 'postgres', alertname: 'NoReplicationLag' }))!.playbook.definition.id).toBe('postgres');
  });

  it('chooses for an alert whose label and title are 100 KB of hostile text from their first 1,000 characters', () => {
    // The shipped patterns; on such a label the certificate one blocked the bot for 40 s.
    const shipped = [
      pb('default', '{}'),
      pb('certificate-expiry', '{ label_regex: { alertname: ".*Cert.*Expir.*|.*SSL.*|.*TLS.*" } }'),
      pb('api-errors', '{ label_regex: { alertname: ".*(Error|Latency|5xx).*" }, title: ".*(timeout|refused).*" }'),
    ];
    const hostile = "x'; DROP TABLE alerts; --".repeat(4_000);
    expect(choosePlaybook(shipped, { title: hostile, severity: 3, labels: { alertname: hostile } })!.playbook.definition.id).toBe('default');
    expect(choosePlaybook(shipped, { title: hostile, severity: 3, labels: { alertname: 'Cert'.repeat(25_000) } })!.playbook.definition.id).toBe('default');
    expect(choosePlaybook(shipped, { title: `connection refused ${hostile}`, severity: 3, labels: { alertname: `HighLatency ${hostile}` } })!.playbook.definition.id).toBe('api-errors');
    // What lies beyond the first 1,000 characters is not seen.
    expect(choosePlaybook(shipped, { title: `${hostile} connection refused`, severity: 3, labels: { alertname: `${hostile}HighLatency` } })!.playbook.definition.id).toBe('default');
  });
});

describe('PlaybookLibrary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'playbooks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses hostile files in the folder one by one, each with its reason, and loads the rest', () => {
    const folder = join(dir, 'hostile');
    mkdirSync(folder);
    writeFileSync(join(folder, 'good.yaml'), minimal(['  - { id: a, title: A }']).replace('id: pb', 'id: good'));
    writeFileSync(join(folder, 'bomb.yaml'), aliasBomb());
    writeFileSync(join(folder, 'huge.yaml'), paddedPlaybook(64 * 1024 + 1, 'huge'));
    makeFifo(join(folder, 'pipe.yaml'));
    mkdirSync(join(folder, 'folder.yml'));
    writeFileSync(join(folder, '.#good.yaml'), 'an editor lock file, not a playbook');
    const { playbooks, problems: found } = loadPlaybookDirectory(folder, { maxBytes: 64 * 1024 });
    expect(playbooks.map((p) => p.definition.id)).toEqual(['good']);
    expect(found.map((p) => formatPlaybookProblem(p).replace(folder, '<dir>'))).toEqual([
      expect.stringMatching(/^<dir>\/bomb\.yaml:4:8 \(yaml\): aliases expand too often/),
      '<dir>/folder.yml:1:1 (file): is a folder, not a regular file: not read',
      '<dir>/huge.yaml:1:1 (file): is 64.0 KiB (65538 bytes), over the limit of 64 KiB per configuration file (CONFIG_MAX_BYTES): not read',
      '<dir>/pipe.yaml:1:1 (file): is a FIFO (named pipe), not a regular file: not read',
    ]);
  });

  it('refuses to open a folder with problems at start, naming each', () => {
    const folder = join(dir, 'start');
    mkdirSync(folder);
    writeFileSync(join(folder, 'bomb.yaml'), aliasBomb());
    expect(() => PlaybookLibrary.open(folder, createLogger('silent'))).toThrow(PlaybookFilesError);
    expect(() => PlaybookLibrary.open(folder, createLogger('silent'))).toThrow(/^1 problem\(s\) in the playbooks:\n.*bomb\.yaml:4:8 \(yaml\): aliases expand too often/);
  });

  it('keeps the last good version of a playbook whose file turns into an alias bomb, an oversized file or a FIFO', () => {
    const folder = join(dir, 'reload');
    mkdirSync(folder);
    const file = join(folder, 'drill.yaml');
    writeFileSync(file, minimal(['  - { id: a, title: Good }']).replace('id: pb', 'id: drill'));
    const library = PlaybookLibrary.open(folder, createLogger('silent'), { maxBytes: 64 * 1024 });
    for (const hostile of [() => writeFileSync(file, aliasBomb('id: drill\nname: Drill\n')), () => writeFileSync(file, playbookWithSteps(5_000, 'drill')), () => makeFifo(file)]) {
      hostile();
      library.reload('SIGHUP');
      expect(library.get('drill')!.definition.steps[0]!.title).toBe('Good');
      expect(library.problems()).toHaveLength(1);
      rmSync(file);
    }
  });

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

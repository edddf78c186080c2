import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { eventually } from '../support/eventually.js';
import { aliasBomb, deeplyNested, makeFifo, paddedPlaybook, playbookWithSteps } from '../support/hostile-yaml.js';
import { runCli } from '../support/run-cli.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';

const TOKEN = 'hostile-config-webhook-token';
const API_TOKEN = 'hostile-config-api-token-0123';
const STACK_LINE = /^\s+at /m;

const DRILL = `id: drill
name: Drill
match: { labels: { alertname: Drill } }
steps:
  - { id: look, title: Look at the dashboard }
  - { id: fix, title: Fix it }
`;

describe('hostile configuration files against a running bot (real process)', () => {
  let dir: string;
  let playbooks: string;
  let bot: BotProcess | undefined;
  // PostgreSQL when there is one: a first start on a new embedded DATA_DIR is slow, and not what this tests.
  let database: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostile-config-'));
    playbooks = join(dir, 'playbooks');
    mkdirSync(playbooks);
    if (databaseKinds().includes('postgres')) database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await bot?.kill();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    ...(database ? { DATABASE_URL: database.url } : {}),
    DATA_DIR: join(dir, 'data'),
    PLAYBOOKS_DIR: playbooks,
    ONCALL_FILE: join(dir, 'oncall.yaml'),
    WEBHOOK_TOKEN: TOKEN,
    API_TOKEN,
  });
  const api = async (path: string) => (await fetch(`${bot!.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } })).json() as Promise<Record<string, unknown>>;

  it('keeps answering /healthz and keeps its last good playbooks and oncall.yaml while hostile files are dropped in and reloaded', { timeout: 180_000 }, async () => {
    writeFileSync(join(playbooks, 'drill.yaml'), DRILL);
    writeFileSync(join(dir, 'oncall.yaml'), 'people:\n  alice: { name: Alice }\n');
    bot = await startBotProcess(env(), { cwd: dir });
    const running = bot;

    // Health checks back to back for as long as the files are reloaded, each waiting for its answer.
    const health = { answers: [] as number[], slowestMs: 0, stop: false };
    const polling = (async () => {
      while (!health.stop) {
        const sentAt = performance.now();
        // A bot that died answers nothing: recorded as 0, and the checks stop.
        health.answers.push(await fetch(`${running.url}/healthz`).then((response) => response.status, () => ((health.stop = true), 0)));
        health.slowestMs = Math.max(health.slowestMs, performance.now() - sentAt);
      }
    })();

    writeFileSync(join(playbooks, 'drill.yaml'), aliasBomb('id: drill\nname: Drill\n'));
    writeFileSync(join(playbooks, 'bomb.yaml'), aliasBomb());
    writeFileSync(join(playbooks, 'huge.yaml'), paddedPlaybook(6 * 1024 * 1024, 'huge'));
    writeFileSync(join(playbooks, 'steps.yaml'), playbookWithSteps(25_000, 'steps'));
    writeFileSync(join(playbooks, 'deep.yaml'), deeplyNested(500_000));
    makeFifo(join(playbooks, 'pipe.yaml'));
    writeFileSync(join(dir, 'oncall.yaml'), aliasBomb('people: {}\n'));
    running.child.kill('SIGHUP');

    const refused = [
      `${join(playbooks, 'bomb.yaml')}:4:8 (yaml): aliases expand too often`,
      `${join(playbooks, 'deep.yaml')}:3:27 (yaml): nested more than 20 levels deep: not parsed`,
      `${join(playbooks, 'drill.yaml')}:4:8 (yaml): aliases expand too often`,
      `${join(playbooks, 'huge.yaml')}:1:1 (file): is 6.0 MiB (6291457 bytes), over the limit of 1 MiB per configuration file (CONFIG_MAX_BYTES): not read`,
      `${join(playbooks, 'pipe.yaml')}:1:1 (file): is a FIFO (named pipe), not a regular file: not read`,
      `${join(playbooks, 'steps.yaml')}:10001:1 (yaml): more than 10000 lines, the most a playbook may have: not parsed`,
    ];
    for (const problem of refused) await eventually(`the log to refuse ${problem}`, () => running.output().includes(problem), 120_000);
    const reloads = await eventually('the refused oncall.yaml in the audit trail', async () => {
      const { entries } = (await api('/api/audit?action=config.reload')) as { entries: { result: string; detail: string }[] };
      return entries.find((entry) => entry.result === 'invalid');
    });
    expect(reloads.detail).toContain(`${join(dir, 'oncall.yaml')}:3:8 (yaml): aliases expand too often`);
    health.stop = true;
    await polling;

    expect(running.child.exitCode).toBeNull();
    expect(health.answers.length).toBeGreaterThan(0);
    expect(health.answers.every((status) => status === 200)).toBe(true);
    // The drill playbook of before the bomb still runs for a matching alert.
    const sent = await fetch(`${running.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Drill alert', labels: { alertname: 'Drill' } }),
    });
    expect(sent.status).toBe(200);
    expect(await api('/api/incidents/1')).toMatchObject({ playbook: 'drill' });
    expect(running.output()).not.toMatch(STACK_LINE);
    console.log(`hostile reloads: ${health.answers.length} health checks answered 200, the slowest in ${Math.round(health.slowestMs)} ms`);
  });
});

describe('hostile configuration files at start', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hostile-start-'));
    mkdirSync(join(dir, 'playbooks'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (env: Record<string, string>) => runCli(['start'], { DATA_DIR: join(dir, 'data'), PORT: '0', PLAYBOOKS_DIR: join(dir, 'playbooks'), ...env }, { cwd: dir });

  it('an alias bomb in oncall.yaml stops the start with its line, not a stack trace', { timeout: 120_000 }, async () => {
    writeFileSync(join(dir, 'oncall.yaml'), aliasBomb('people: {}\n'));
    const result = await start({ ONCALL_FILE: join(dir, 'oncall.yaml') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'oncall.yaml')}:3:8 (yaml): aliases expand too often`);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('a hostile playbook stops the start naming the file and the limit, not a stack trace', { timeout: 120_000 }, async () => {
    writeFileSync(join(dir, 'playbooks', 'bomb.yaml'), aliasBomb());
    makeFifo(join(dir, 'playbooks', 'pipe.yaml'));
    writeFileSync(join(dir, 'good-oncall.yaml'), 'people:\n  alice: { name: Alice }\n');
    const result = await start({ ONCALL_FILE: join(dir, 'good-oncall.yaml') });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, 'playbooks', 'bomb.yaml')}:4:8 (yaml): aliases expand too often`);
    expect(result.stderr).toContain(`${join(dir, 'playbooks', 'pipe.yaml')}:1:1 (file): is a FIFO (named pipe), not a regular file: not read`);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});

describe('incident-bot playbooks lint and oncall check', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'lint-one-pass-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('print every problem of a file in one run, each with file:line:col, and the hostile ones too', { timeout: 120_000 }, async () => {
    const playbooks = join(dir, 'playbooks');
    mkdirSync(playbooks);
    writeFileSync(
      join(playbooks, 'drill.yaml'),
      ['id: drill', 'name: Drill', 'steps:', '  - { id: look, title: Look, ownr: commander }', '  - { id: look, title: Again, next: nowhere }', '  - { id: lost, title: Lost }', ''].join('\n'),
    );
    writeFileSync(join(playbooks, 'bomb.yaml'), aliasBomb());
    const lint = await runCli(['playbooks', 'lint', playbooks], {}, { cwd: dir });
    expect(lint.code).toBe(1);
    expect(lint.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${join(playbooks, 'bomb.yaml')}:4:8 \\(yaml\\): aliases expand too often`)),
      expect.stringMatching(new RegExp(`^${join(playbooks, 'drill.yaml')}:4:36 steps\\[0\\]\\.ownr: Unrecognized key: "ownr"`)),
      `${join(playbooks, 'drill.yaml')}:5:11 steps[1].id: duplicate step id "look" (first at steps[0])`,
      `${join(playbooks, 'drill.yaml')}:5:37 steps[1].next: no step "nowhere"`,
      `${join(playbooks, 'drill.yaml')}:6:5 steps[2]: step "lost" is never reached: no path from the first step leads to it`,
    ]);
    expect(lint.stdout).toContain('0 playbook(s) valid, 5 problem(s)');

    writeFileSync(join(dir, 'oncall.yaml'), ['people:', '  alice: { name: Alice, pager: 555 }', 'teams:', '  db: { name: DB, members: [alice, zoe] }', ''].join('\n'));
    const check = await runCli(['oncall', 'check', join(dir, 'oncall.yaml')], {}, { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^${join(dir, 'oncall.yaml')}:2:32 people\\.alice\\.pager: Unrecognized key: "pager"`)),
      `${join(dir, 'oncall.yaml')}:4:36 teams.db.members[1]: no person "zoe" under people`,
    ]);
    const tooSmall = await runCli(['oncall', 'check', join(dir, 'oncall.yaml')], { CONFIG_MAX_BYTES: '1KiB' }, { cwd: dir });
    expect(tooSmall.stderr.trim()).toBe('CONFIG_MAX_BYTES: must be between 4 KiB and 16 MiB (got 1 KiB)');
  });
});

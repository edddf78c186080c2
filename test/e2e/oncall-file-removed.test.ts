import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { readJson } from '../support/read-json.js';
import { collect, spawnCli } from '../support/run-cli.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const API_TOKEN = 'api-token-oncall-file-0123456789';
const WEBHOOK_TOKEN = 'webhook-token-oncall-file-0123';

const ONCALL = [
  'people:',
  '  alice: { name: Alice Archer, slack: U0ALICE001, roles: [admin] }',
  '  carol: { name: Carol Chen, slack: U0CAROL001 }',
  'teams:',
  '  payments: { name: Payments, members: [carol] }',
  'routes:',
  '  - id: checkout',
  '    match: { labels: { service: checkout } }',
  '    team: payments',
].join('\n');

/** Runs `incident-bot start` until it exits or says it is ready (then stops it): the exit code and what it printed. */
async function startOnce(env: Record<string, string>, cwd?: string): Promise<{ ready: boolean; code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(['start'], { PORT: '0', LOG_LEVEL: 'info', ...env }, { cwd });
  let ready = false;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (!ready && chunk.toString().includes('incident bot ready')) {
      ready = true;
      child.kill('SIGTERM');
    }
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const result = await collect(child);
  clearTimeout(timer);
  return { ready, code: result.code, stdout: result.stdout, stderr: result.stderr };
}

describe('oncall.yaml at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oncall-start-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('an ONCALL_FILE that was set and does not exist stops the start with one clear line', { timeout: 90_000 }, async () => {
    const missing = join(dir, 'typo', 'oncall.yaml');
    const started = await startOnce({ DATA_DIR: join(dir, 'data-explicit'), ONCALL_FILE: missing });
    expect(started.ready).toBe(false);
    expect(started.code).toBe(1);
    expect(started.stderr.trim().split('\n')).toEqual([expect.stringContaining(`ONCALL_FILE: ${missing} does not exist`)]);
    expect(started.stdout + started.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('the default ./oncall.yaml missing still starts, as "not configured yet"', { timeout: 90_000 }, async () => {
    const folder = join(dir, 'fresh-install');
    mkdirSync(folder);
    const postgres = databaseKinds().includes('postgres') ? await createPostgresDatabase() : undefined;
    const started = await startOnce({ DATA_DIR: join(folder, 'data'), ...(postgres ? { DATABASE_URL: postgres.url } : {}) }, folder);
    await postgres?.drop();
    expect(started.stdout).toContain('no oncall.yaml');
    expect(started.ready).toBe(true);
  });
});

describe('oncall.yaml removed from under a running bot', () => {
  let dir: string;
  let file: string;
  let fake: FakeSlack;
  let bot: BotProcess;
  let slack: SlackRequestSender;
  let postgres: { url: string; drop(): Promise<void> } | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oncall-removed-'));
    // PostgreSQL where the run has one: a new embedded database takes longest to set up.
    postgres = databaseKinds().includes('postgres') ? await createPostgresDatabase() : undefined;
    file = join(dir, 'oncall.yaml');
    writeFileSync(file, ONCALL);
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
    bot = await startBotProcess({
      DATA_DIR: join(dir, 'data'),
      ONCALL_FILE: file,
      WEBHOOK_TOKEN,
      API_TOKEN,
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      ...(postgres ? { DATABASE_URL: postgres.url } : {}),
    }, { startTimeoutMs: 60_000 });
    slack = fake.requestsTo(`${bot.url}/slack/events`);
  }, 90_000);
  afterAll(async () => {
    await bot?.stop();
    await fake?.close();
    await postgres?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const command = async (user: string, text: string, channel = 'C0GENERAL1') => {
    const sent = await slack.slashCommand({ command: '/incident', text, user_id: user, channel_id: channel });
    const reply = await eventually(`the answer to /incident ${text}`, () => fake.state.responses.find((r) => r.url === sent.response_url));
    return JSON.stringify(reply.body);
  };
  const api = (path: string) => readJson(fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }));
  const checkoutAlertTeam = async (title: string) => {
    const sent = await fetch(`${bot.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title, service: 'checkout', fingerprint: title }),
    });
    expect(sent.status).toBe(200);
    const { incidents } = (await api('/api/incidents?status=open')) as { incidents: { number: number; title: string }[] };
    const opened = incidents.find((i) => i.title === title)!;
    return ((await api(`/api/incidents/${opened.number}`)) as { team: string | null }).team;
  };
  const refusalsLogged = () => bot.output().split('\n').filter((line) => line.includes('"reason":"SIGHUP"') && line.includes('keeping the last good version')).length;

  it('keeps roles and routes when the file is deleted, then replaced by a folder, and logs and audits each refusal', { timeout: 120_000 }, async () => {
    expect(await command('U0ALICE001', 'declare sev2 Checkout is down')).toContain('declared');
    const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith('inc-1-') && fake.state.messages(c.id).length > 0));
    await eventually('the incident card', () => fake.state.messages(channel.id).length > 0);
    expect(await command('U0BOB00001', 'resolve', channel.id)).toContain('not listed in oncall.yaml');
    expect(await checkoutAlertTeam('Checkout 5xx before')).toBe('payments');

    rmSync(file);
    bot.child.kill('SIGHUP');
    await eventually('the refusal of the missing file in the log', () => refusalsLogged() === 1);
    expect(await command('U0BOB00001', 'resolve', channel.id)).toContain('not listed in oncall.yaml');
    expect(await checkoutAlertTeam('Checkout 5xx after delete')).toBe('payments');

    // Unreadable: a folder where the file was (chmod cannot stop root, who runs the tests).
    mkdirSync(file);
    bot.child.kill('SIGHUP');
    await eventually('the refusal of the unreadable file in the log', () => refusalsLogged() === 2);
    expect(await command('U0BOB00001', 'resolve', channel.id)).toContain('not listed in oncall.yaml');
    expect(await checkoutAlertTeam('Checkout 5xx after folder')).toBe('payments');
    expect(((await api('/api/incidents/1')) as { status: string }).status).not.toBe('resolved');

    const { entries } = (await api('/api/audit?action=config.reload')) as { entries: { result: string; args: { reason: string }; detail: string | null }[] };
    const bySignal = entries.filter((e) => e.args.reason === 'SIGHUP').reverse();
    expect(bySignal.map((e) => e.result)).toHaveLength(2);
    expect(bySignal.every((e) => e.result !== 'ok')).toBe(true);
    expect(bySignal[0]!.detail).toContain('the file is gone');
    expect(bySignal[1]!.detail).toContain('kept the last good version');
    expect(bot.child.exitCode).toBeNull();
  });
});

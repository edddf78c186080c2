import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotProcess, type BotProcess } from '../../support/bot-process.js';
import { eventually } from '../../support/eventually.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack/index.js';
import { startSwitchableProxy, type SwitchableProxy } from '../../support/switchable-tcp-proxy.js';
import { createPostgresDatabase, databaseKinds } from '../../support/test-database.js';

const TOKEN = 'chaos-unreachable-webhook-token';
const SLACK_TOKEN = 'xoxb-chaos-unreachable';
const SLACK_SECRET = 'chaos-unreachable-signing-secret';
const INCIDENTS = 3;

// The log is what this is about, not the store: PostgreSQL when there is one (a faster first start).
const kind = databaseKinds().includes('postgres') ? 'postgres' : 'pglite';

interface LogLine {
  msg?: string;
  [field: string]: unknown;
}

const logLines = (output: string): LogLine[] => output.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);

describe(`chaos: the Slack API out of reach [${kind}]`, () => {
  let dir: string;
  let fake: FakeSlack;
  let proxy: SwitchableProxy;
  let database: { url: string; drop(): Promise<void> } | undefined;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chaos-unreachable-'));
    writeFileSync(join(dir, 'oncall.yaml'), 'people:\n  alice: { name: Alice, slack: U0ALICE001 }\n');
    mkdirSync(join(dir, 'playbooks'));
    fake = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SLACK_SECRET });
    proxy = await startSwitchableProxy(fake.url);
    if (kind === 'postgres') database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await bot?.kill();
    await proxy?.close();
    await fake?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs the outage once, naming host and method, and its end with the count; no line per failed call', async () => {
    bot = await startBotProcess({
      ...(database ? { DATABASE_URL: database.url } : {}),
      WEBHOOK_TOKEN: TOKEN,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      PLAYBOOKS_DIR: join(dir, 'playbooks'),
      DATA_DIR: join(dir, 'data'),
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: `${proxy.url}/api/`,
    });
    await proxy.down();
    for (let i = 1; i <= INCIDENTS; i++) {
      const response = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Unreachable Slack alert ${i}`, fingerprint: `unreachable-${i}` }),
      });
      expect(response.status).toBe(200);
    }
    const slackJobFailures = () => logLines(bot!.output()).filter((line) => line.msg === 'job failed; will retry' && String(line.error).startsWith('slack '));
    await eventually(`${INCIDENTS + 2} Slack calls failing`, () => slackJobFailures().length >= INCIDENTS + 2, 90_000, 200);
    await proxy.up();
    const answersAgain = `Slack API at ${proxy.host} answers again after `;
    const recovered = await eventually('the line saying Slack answers again', () => logLines(bot!.output()).find((line) => line.msg?.startsWith(answersAgain)), 90_000, 200);
    await eventually(`a channel for each of the ${INCIDENTS} incidents`, () => fake.state.channels.filter((c) => c.name.startsWith('inc-')).length === INCIDENTS, 90_000, 200);

    const output = bot.output();
    expect(output).not.toContain('http request failed');
    const outageLines = logLines(output).filter((line) => line.msg?.startsWith(`Slack API at ${proxy.host} is not answering (`));
    expect(outageLines).toHaveLength(1);
    expect(outageLines[0]).toMatchObject({ level: 'warn', platform: 'slack', host: proxy.host, reason: `connect ECONNREFUSED ${proxy.host}` });
    expect(outageLines[0]!.method).toMatch(/^[a-z]+\.[A-Za-z]+$/);
    const lines = logLines(output);
    const failuresBefore = lines.slice(0, lines.indexOf(recovered)).filter((line) => line.msg === 'job failed; will retry' && String(line.error).startsWith('slack ')).length;
    expect(recovered).toMatchObject({ level: 'info', platform: 'slack', host: proxy.host });
    expect(recovered.failedCalls).toBeGreaterThanOrEqual(failuresBefore);
    expect(Object.values(recovered.byMethod as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(recovered.failedCalls);
    await bot.stop();
    bot = undefined;
  }, 300_000);
});

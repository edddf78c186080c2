import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/read-json.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { freePort } from '../support/free-port.js';

describe('heartbeats over HTTP, and listed by the CLI', () => {
  let bot: TestBot;
  let dir: string;
  let oncallFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'heartbeats-'));
    oncallFile = join(dir, 'oncall.yaml');
    writeFileSync(oncallFile, ['heartbeats:', '  nightly-backup: { interval: 24h, grace: 2h }', '  prometheus-prod: { interval: 1m }'].join('\n'));
    bot = await startTestBot('pglite', { ONCALL_FILE: oncallFile });
  });
  let stopped = false;
  afterAll(async () => {
    if (stopped) rmSync(bot.dataDir, { recursive: true, force: true });
    else await bot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const beat = (name: string, init: RequestInit = {}) => fetch(`${bot.url}/heartbeats/${name}`, { ...init, headers: { authorization: `Bearer ${bot.webhookToken}`, ...(init.headers as Record<string, string> | undefined) } });

  it('takes a beat by POST or GET with the webhook token, refuses one without it, and names the heartbeats it knows', async () => {
    const posted = await beat('nightly-backup', { method: 'POST' });
    expect(posted.status).toBe(202);
    expect(await posted.json()).toMatchObject({ status: 'ok', heartbeat: 'nightly-backup' });
    expect((await beat('nightly-backup')).status).toBe(202);
    expect((await fetch(`${bot.url}/heartbeats/nightly-backup`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${bot.url}/heartbeats/nightly-backup`, { headers: { authorization: 'Bearer not-the-token-0123456789' } })).status).toBe(401);
    const unknown = await beat('backup-typo', { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect((await readJson(Promise.resolve(unknown))).message).toBe('No heartbeat "backup-typo" under heartbeats in oncall.yaml (declared: nightly-backup, prometheus-prod)');
    expect(await bot.database.prisma.heartbeat.findUniqueOrThrow({ where: { name: 'nightly-backup' } })).toMatchObject({ beats: 2, missedAt: null });
    expect(await bot.database.prisma.incident.count()).toBe(0);
  });

  it('GET /api/heartbeats answers each with its last beat, to the read token only', async () => {
    expect((await fetch(`${bot.url}/api/heartbeats`)).status).toBe(401);
    expect((await fetch(`${bot.url}/api/heartbeats`, { headers: { authorization: `Bearer ${bot.webhookToken}` } })).status).toBe(401);
    const answer = await readJson(fetch(`${bot.url}/api/heartbeats`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }));
    expect(answer.heartbeats.map((h: { name: string; beats: number; lastBeatAt: string | null }) => [h.name, h.beats, h.lastBeatAt !== null])).toEqual([
      ['nightly-backup', 2, true],
      ['prometheus-prod', 0, false],
    ]);
  });

  it('incident-bot heartbeats lists each with its last beat, asking the bot while it holds embedded storage, and says where to look when it cannot', async () => {
    const env = { DATA_DIR: bot.dataDir, ONCALL_FILE: oncallFile };
    const asked = await runCli(['heartbeats'], { ...env, PORT: new URL(bot.url).port });
    expect(asked.code, asked.stderr).toBe(0);
    expect(asked.stdout).toMatch(/^nightly-backup: ok; last beat \d+s ago \(.*\), 2 beats; every 24h, grace 2h$/m);
    const wrongPort = await runCli(['heartbeats'], { ...env, PORT: String(await freePort()) });
    expect(wrongPort.code).toBe(1);
    expect(wrongPort.stderr).toContain('Could not reach the bot at http://localhost:');
    expect(wrongPort.stderr).toContain('/oncall heartbeats in chat shows them');
    await bot.close();
    stopped = true;
    const listed = JSON.parse((await runCli(['heartbeats', '--json'], env)).stdout);
    expect(listed.heartbeats.map((h: { name: string; beats: number; missedSince: string | null }) => [h.name, h.beats, h.missedSince])).toEqual([
      ['nightly-backup', 2, null],
      ['prometheus-prod', 0, null],
    ]);
    const text = await runCli(['heartbeats'], env);
    expect(text.stdout).toMatch(/^nightly-backup: ok; last beat \d+s ago \(.*\), 2 beats; every 24h, grace 2h$/m);
    expect(text.stdout).toContain('prometheus-prod: waiting for its first beat; never seen; every 1m, grace 1m');
  });
});

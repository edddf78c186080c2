import { execFileSync } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { eventually } from '../support/eventually.js';
import { createPostgresDatabase } from '../support/test-database.js';

const TOKEN = 'processes-webhook-token-0123';

/** One request on a connection of its own: node:cluster hands each new connection to the next process. */
function send(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, agent: false, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', connection: 'close' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The bot processes the supervisor runs (its children running the CLI; from source, tsx also runs an esbuild child). */
function botProcessesOf(supervisorPid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(supervisorPid), '-f', 'cli\\.(ts|js)'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const webhookRequests = (metrics: string) =>
  [...metrics.matchAll(/^incident_bot_http_requests_total\{[^}]*route="\/webhooks\/generic"[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);

describe.skipIf(!process.env.TEST_DATABASE_URL)('PROCESSES: several bot processes on one port (PostgreSQL)', () => {
  let database: { url: string; drop(): Promise<void> };
  let dataDir: string;
  let bot: BotProcess;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'bot-processes-'));
    bot = await startBotProcess({ PROCESSES: '2', DATABASE_URL: database.url, DATA_DIR: dataDir, WEBHOOK_TOKEN: TOKEN }, { startTimeoutMs: 60_000 });
    await eventually('both processes to serve', () => bot.output().includes('2 bot processes serve the port'), 60_000);
  }, 90_000);

  afterAll(async () => {
    await bot?.stop();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves from two processes: alerts sent to either are one store (one incident for concurrent repeats), and /metrics counts both', async () => {
    const processes = botProcessesOf(bot.child.pid!);
    expect(processes).toHaveLength(2);
    // Each runs with the larger young generation (BOT_PROCESS_SEMI_SPACE_MB), not the supervisor's.
    for (const pid of processes) {
      const flags = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((flag) => flag.startsWith('--max-semi-space-size'));
      expect(flags).toEqual(['--max-semi-space-size=32']);
    }
    const alert = (n: number) => ({ title: `Disk full on node-${n}`, severity: 'critical', labels: { host: `node-${n}` }, fingerprint: `disk-${n}` });
    // 20 alerts and 20 concurrent repeats of one more, each on its own connection, so both processes take some.
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, (_, n) => send(bot.url, 'POST', '/webhooks/generic', alert(n))),
      ...Array.from({ length: 20 }, () => send(bot.url, 'POST', '/webhooks/generic', alert(99))),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    // The repeats raced through both processes: one of them created the alert, all joined its incident.
    const repeats = answers.slice(20).map((answer) => JSON.parse(answer.text).alerts[0] as { outcome: string; incident: string });
    expect(repeats.filter((repeat) => repeat.outcome === 'created')).toHaveLength(1);
    expect(new Set(repeats.map((repeat) => repeat.incident)).size).toBe(1);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ alerts: string; incidents: string }>(`SELECT (SELECT count(*) FROM alerts) AS alerts, (SELECT count(*) FROM incidents) AS incidents`);
      expect(rows[0]).toEqual({ alerts: '21', incidents: '21' });
    } finally {
      await client.end();
    }

    // Each scrape lands on the next process; each answers for both, so every scrape says 40.
    const scrapes = await Promise.all([1, 2, 3, 4].map(() => send(bot.url, 'GET', '/metrics')));
    for (const scrape of scrapes) {
      expect(scrape.status).toBe(200);
      expect(webhookRequests(scrape.text)).toBe(40);
    }
  });

  it('starts another process when one dies, and the port keeps answering', async () => {
    const [victim, other] = botProcessesOf(bot.child.pid!);
    process.kill(victim!, 'SIGKILL');
    await eventually('the supervisor to notice', () => bot.output().includes('a bot process died; starting another'), 10_000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => send(bot.url, 'GET', '/healthz')));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const replaced = await eventually('a new process beside the survivor', () => {
      const now = botProcessesOf(bot.child.pid!);
      return now.length === 2 && !now.includes(victim!) && bot.output().split('"msg":"incident bot ready"').length === 4 && now;
    }, 30_000);
    expect(replaced).toContain(other);
  }, 60_000);

  it('stops every process on SIGTERM', async () => {
    const children = botProcessesOf(bot.child.pid!);
    expect(children).toHaveLength(2);
    await bot.stop();
    expect(bot.child.exitCode).toBe(0);
    for (const pid of children) expect(alive(pid)).toBe(false);
    expect(bot.output()).toMatch(/"process":\d+,"signal":"SIGTERM","msg":"shutting down"/);
  }, 30_000);
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('PROCESSES: when the supervisor is killed', () => {
  it('leaves no bot process behind holding the port or the database', async () => {
    const database = await createPostgresDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'bot-processes-'));
    try {
      const bot = await startBotProcess({ PROCESSES: '2', DATABASE_URL: database.url, DATA_DIR: dataDir, WEBHOOK_TOKEN: TOKEN }, { startTimeoutMs: 60_000 });
      await eventually('both processes to serve', () => bot.output().includes('2 bot processes serve the port'), 60_000);
      const children = botProcessesOf(bot.child.pid!);
      expect(children).toHaveLength(2);
      await bot.kill();
      await eventually('the bot processes to end', () => children.every((pid) => !alive(pid)), 10_000);
    } finally {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('PROCESSES: a replacement that cannot start', () => {
  it('is tried again while the others serve, and joins them once it can start', async () => {
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const role = `bot_processes_${process.pid}`;
    const name = `${role}_db`;
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    await admin.query(`CREATE ROLE "${role}" LOGIN`);
    await admin.query(`CREATE DATABASE "${name}" OWNER "${role}"`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.username = role;
    url.pathname = `/${name}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'bot-processes-'));
    let bot: BotProcess | undefined;
    try {
      bot = await startBotProcess({ PROCESSES: '2', DATABASE_URL: url.toString(), DATA_DIR: dataDir, WEBHOOK_TOKEN: TOKEN }, { startTimeoutMs: 60_000 });
      await eventually('both processes to serve', () => bot!.output().includes('2 bot processes serve the port'), 60_000);
      // The bot's role may not log in any more: the processes running keep their connections.
      await admin.query(`ALTER ROLE "${role}" NOLOGIN`);
      const [victim, survivor] = botProcessesOf(bot.child.pid!);
      process.kill(victim!, 'SIGKILL');
      await eventually('a replacement to fail to start', () => bot!.output().includes('a bot process could not start; trying again'), 30_000);
      expect(alive(bot.child.pid!)).toBe(true);
      expect(alive(survivor!)).toBe(true);
      const answers = await Promise.all(Array.from({ length: 6 }, () => send(bot!.url, 'GET', '/healthz')));
      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
      await admin.query(`ALTER ROLE "${role}" LOGIN`);
      await eventually('the replacement to serve', () => {
        const now = botProcessesOf(bot!.child.pid!);
        return now.length === 2 && bot!.output().split('"msg":"incident bot ready"').length === 4;
      }, 60_000);
    } finally {
      await bot?.stop();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS "${role}"`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});

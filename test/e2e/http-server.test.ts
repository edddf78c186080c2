import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { startBot } from '../../src/main.js';
import { StartupError } from '../../src/startup-error.js';
import { collect, spawnCli } from '../support/run-cli.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

for (const kind of databaseKinds()) {
  describe(`HTTP server [${kind}]`, () => {
    let bot: TestBot;
    beforeAll(async () => {
      bot = await startTestBot(kind);
    });
    afterAll(async () => {
      await bot?.destroy();
    });

    it('answers /healthz', async () => {
      const response = await fetch(`${bot.url}/healthz`);
      expect(response.status).toBe(200);
      expect(await readJson(response)).toEqual({ status: 'ok' });
    });

    it('is ready once the database answers and every migration is applied', async () => {
      const response = await fetch(`${bot.url}/readyz`);
      expect(response.status).toBe(200);
      expect(await readJson(response)).toEqual({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    });

    it('exports request counts and latencies by route in Prometheus text format', async () => {
      await fetch(`${bot.url}/healthz`);
      const response = await fetch(`${bot.url}/metrics`);
      expect(response.headers.get('content-type')).toContain('text/plain');
      const text = await response.text();
      expect(text).toMatch(/incident_bot_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
      expect(text).toContain('incident_bot_http_request_duration_seconds_bucket');
      expect(text).toContain('incident_bot_database_errors_total');
      expect(text).toContain('incident_bot_process_resident_memory_bytes');
    });

    it('answers unknown routes with a JSON 404', async () => {
      const response = await fetch(`${bot.url}/nope?x=1`);
      expect(response.status).toBe(404);
      expect(await readJson(response)).toEqual({ error: 'not_found', message: 'No route for GET /nope' });
    });
  });
}

describe('storage', () => {
  it('embedded storage survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'incident-bot-restart-'));
    const config = loadConfig({ PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const first = await startBot(config, { log: createLogger('silent'), host: '127.0.0.1' });
    await first.database.prisma.team.create({ data: { key: 'sre', name: 'SRE' } });
    await first.close();
    const second = await startBot(config, { log: createLogger('silent'), host: '127.0.0.1' });
    try {
      expect((await second.database.prisma.team.findUniqueOrThrow({ where: { key: 'sre' } })).name).toBe('SRE');
    } finally {
      await second.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('start-up failures are clear', () => {
  const log = createLogger('silent');
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'incident-bot-fail-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('port already in use', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const config = loadConfig({ PORT: String(port), DATA_DIR: tempDir(), LOG_LEVEL: 'silent' });
      const error = await startBot(config, { log, host: '127.0.0.1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StartupError);
      expect((error as StartupError).code).toBe('port_in_use');
      expect((error as Error).message).toBe(`Port ${port} is already in use (PORT). Stop the other process or set PORT to a free port.`);
    } finally {
      blocker.close();
    }
  });

  it('database unreachable: retries with back-off, then gives up naming the target but not the password', async () => {
    const config = loadConfig({ PORT: '0', DATABASE_URL: 'postgresql://bot:s3cret-pw@127.0.0.1:1/bot', LOG_LEVEL: 'silent' });
    const started = Date.now();
    const error = await startBot(config, { log, connectTimeoutMs: 1_500 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect((error as StartupError).code).toBe('database_unreachable');
    expect((error as Error).message).toContain('127.0.0.1:1/bot (DATABASE_URL)');
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain('s3cret-pw');
  });

  it('data directory not writable', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    const config = loadConfig({ PORT: '0', DATA_DIR: join(file, 'data'), LOG_LEVEL: 'silent' });
    const error = await startBot(config, { log }).catch((e: unknown) => e);
    expect((error as StartupError).code).toBe('data_dir_unwritable');
    expect((error as Error).message).toContain('is not writable (ENOTDIR)');
  });

  it('a bad setting stops the CLI with one message naming each variable', async () => {
    const result = await collect(spawnCli(['start'], { PORT: 'x', LOG_LEVEL: 'verbose', WEBHOOK_TOKEN: 'tiny-secret' }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Invalid configuration:');
    expect(result.stderr).toMatch(/- PORT: /);
    expect(result.stderr).toMatch(/- LOG_LEVEL: /);
    expect(result.stderr).toMatch(/- WEBHOOK_TOKEN: must be at least 16 characters/);
    expect(result.stderr).not.toContain('tiny-secret');
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM stops the process with exit code 0 well within 10 s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'incident-bot-term-'));
    const child = spawnCli(['start'], { PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'info' });
    const done = collect(child);
    const port = await new Promise<number>((resolve, reject) => {
      let buffer = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const match = buffer.match(/"port":(\d+),"storage"/);
        if (match) resolve(Number(match[1]));
      });
      child.once('close', () => reject(new Error(`bot exited early: ${buffer}`)));
    });
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const result = await done;
    expect(result.code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    rmSync(dataDir, { recursive: true, force: true });
  });
});

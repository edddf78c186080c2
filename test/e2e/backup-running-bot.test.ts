import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/**
 * The backup of a bot that is running on embedded storage and taking alerts: the CLI finds the
 * store held, asks the bot for it, and what it writes restores to a bot that answers the same.
 */
describe('backup of a running embedded bot, restored', () => {
  let bot: TestBot;
  let restored: TestBot | undefined;
  const dirs: string[] = [];
  const folder = (name: string) => {
    const dir = mkdtempSync(join(tmpdir(), name));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    bot = await startTestBot('pglite');
  });
  afterAll(async () => {
    await restored?.destroy();
    await bot?.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const fire = (fingerprint: string) =>
    fetch(`${bot.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `Disk full on ${fingerprint}`, service: 'storage', severity: 'warning', fingerprint }),
    });
  const cli = (args: string[], dataDir: string) => runCli(args, { DATA_DIR: dataDir, PORT: String(bot.port) });

  it('keeps every alert answered before the backup began, while alerts keep coming during it', async () => {
    const answered: { fingerprint: string; at: number }[] = [];
    let stop = false;
    let sent = 0;
    const stream = (async () => {
      while (!stop) {
        const fingerprint = `host-${++sent}`;
        const response = await fire(fingerprint);
        expect(response.status).toBeLessThan(300);
        answered.push({ fingerprint, at: Date.now() });
      }
    })();
    // Some alerts in before the backup starts, and the stream goes on through it.
    while (answered.length < 40) await new Promise((resolve) => setTimeout(resolve, 20));
    const file = join(folder('backup-file-'), 'running.backup.gz');
    const backupStarted = Date.now();
    const before = answered.filter((a) => a.at <= backupStarted).map((a) => a.fingerprint);
    const backup = await cli(['backup', file], bot.dataDir);
    stop = true;
    await stream;
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/^Backed up \d+ row\(s\) in \d+ tables from the running bot \(schema: \d+ migrations\) to .*running\.backup\.gz \(\d+ KB\) in [\d.]+ s\.$/m);
    expect(answered.length).toBeGreaterThan(before.length);

    const target = folder('restored-store-');
    const restore = await cli(['restore', file], target);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('every table matches the backup\'s checksums');
    expect(restore.stdout).toMatch(/^  incidents +\d+ row\(s\)$/m);
    // A new folder has none of the tokens senders use: the restore says so rather than letting them get 401s.
    expect(restore.stdout).toContain(`${target} has no webhook-token, api-token, api-write-token: copy them from the old DATA_DIR`);
    restored = await startTestBot('pglite', { DATA_DIR: target });
    const kept = await restored.database.prisma.alert.findMany({ select: { fingerprint: true } });
    const keptNames = new Set(kept.map((alert) => alert.fingerprint));
    expect(before.filter((fingerprint) => !keptNames.has(fingerprint))).toEqual([]);
    // Nothing half-written: every alert the snapshot holds has its incident, and each incident its opening on the timeline.
    const orphans = await restored.database.prisma.incident.count({ where: { timeline: { none: {} } } });
    expect(orphans).toBe(0);
    expect(await restored.database.prisma.alert.count({ where: { incidentId: null } })).toBe(0);
  });

  it('a restored store answers the same incidents, timelines, report and audit trail', async () => {
    await restored?.destroy();
    restored = undefined;
    await fire('after-the-stream');
    const file = join(folder('backup-file-'), 'quiet.backup.gz');
    const backup = await cli(['backup', file], bot.dataDir);
    expect(backup.code).toBe(0);
    const target = folder('restored-store-');
    expect((await cli(['restore', file], target)).code).toBe(0);
    restored = await startTestBot('pglite', { DATA_DIR: target });

    const read = async (from: TestBot, path: string) => {
      const response = await fetch(`${from.url}${path}`, { headers: { authorization: `Bearer ${from.apiTokens.read}` } });
      expect(response.status, path).toBe(200);
      return response.json() as Promise<Record<string, unknown>>;
    };
    // The audit trail first: every read below is itself audited, after the backup.
    const trail = (answer: Record<string, unknown>) => (answer.entries as { action: string }[]).filter((entry) => entry.action !== 'api.backup');
    expect(trail(await read(restored, '/api/audit?since=30d&limit=10000'))).toEqual(trail(await read(bot, '/api/audit?since=30d&limit=10000')));
    const list = await read(bot, '/api/incidents?limit=500');
    expect((list.incidents as unknown[]).length).toBeGreaterThan(40);
    expect(await read(restored, '/api/incidents?limit=500')).toEqual(list);
    for (const number of [1, 17, (list.incidents as unknown[]).length]) {
      expect(await read(restored, `/api/incidents/${number}`)).toEqual(await read(bot, `/api/incidents/${number}`));
      expect(await read(restored, `/api/incidents/${number}/timeline`)).toEqual(await read(bot, `/api/incidents/${number}/timeline`));
    }
    expect(await read(restored, '/api/reports/weekly?weeks=2')).toEqual(await read(bot, '/api/reports/weekly?weeks=2'));

    // The numbering goes on: the next alert opens the next incident, not one that existed.
    const sent = await fetch(`${restored.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${restored.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'New after restore', service: 'storage', severity: 'warning', fingerprint: 'new-after-restore' }),
    });
    const body = (await sent.json()) as { alerts: { incident: string }[] };
    expect(body.alerts[0]!.incident).toBe(`INC-${(list.incidents as unknown[]).length + 1}`);
  });

  it('GET /api/backup: the write token only (the backup is everything the bot stores), checked before anything is read', async () => {
    const get = (token?: string) => fetch(`${bot.url}/api/backup`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const none = await get();
    expect(none.status).toBe(401);
    const wrong = await get('not-the-token');
    expect(wrong.status).toBe(401);
    const read = await get(bot.apiTokens.read);
    expect(read.status).toBe(403);
    expect(((await read.json()) as { message: string }).message).toContain('/api/backup is everything the bot stores and needs the write token');
    const write = await get(bot.apiTokens.write);
    expect(write.status).toBe(200);
    expect(write.headers.get('content-type')).toBe('application/gzip');
    expect(write.headers.get('content-disposition')).toMatch(/^attachment; filename="incident-bot-.*\.backup\.gz"$/);
    expect(Buffer.from(await write.arrayBuffer()).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const audited = await bot.database.prisma.auditEntry.findFirst({ where: { action: 'api.backup' }, orderBy: { id: 'desc' } });
    expect(audited?.actorName).toContain('API token');
  });

  it('refuses to overwrite a file, and a restore into the running bot\'s own store', async () => {
    const file = join(folder('backup-file-'), 'once.backup.gz');
    expect((await cli(['backup', file], bot.dataDir)).code).toBe(0);
    const again = await cli(['backup', file], bot.dataDir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists. Choose another name, or add --force to replace it.');
    const intoRunning = await cli(['restore', file], bot.dataDir);
    expect(intoRunning.code).toBe(1);
    expect(intoRunning.stderr).toContain('A restore goes into an empty store that no bot is using');
    expect(existsSync(`${file}.partial-${process.pid}`)).toBe(false);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { createPostgresDatabase } from '../support/test-database.js';

const INCIDENTS = 3_000;

/**
 * A team grows out of embedded storage: thousands of incidents with their alerts and timelines
 * move to PostgreSQL, and the bot on PostgreSQL answers exactly what the embedded one did.
 */
describe.skipIf(!process.env.TEST_DATABASE_URL)('move-storage from embedded storage to PostgreSQL', () => {
  let embedded: TestBot;
  let moved: TestBot | undefined;
  let postgres: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let dataDir: string;
  const answers = new Map<string, unknown>();
  const paths = [
    '/api/incidents?status=all&limit=500',
    '/api/incidents?status=open&limit=500',
    '/api/incidents/1',
    `/api/incidents/${INCIDENTS}`,
    `/api/incidents/${INCIDENTS + 1}`,
    `/api/incidents/${INCIDENTS + 1}/timeline`,
    '/api/incidents/1234/timeline',
    '/api/reports/weekly?weeks=4',
  ];
  const read = async (bot: TestBot, path: string) => {
    const response = await fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } });
    expect(response.status, path).toBe(200);
    return path.includes('/export') ? response.text() : response.json();
  };
  const exportAll = '/api/incidents/export?since=2026-01-01T00:00:00Z';

  beforeAll(async () => {
    postgres = await createPostgresDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'move-storage-'));
    embedded = await startTestBot('pglite', { DATA_DIR: dataDir });
    // Thousands of incidents as the bot would have stored them over a year, written in one go.
    await embedded.database.prisma.$executeRawUnsafe(`
      INSERT INTO incidents (title, severity, status, source, opened_at, acknowledged_at, resolved_at, updated_at)
        SELECT 'Checkout latency #' || g, 1 + g % 4, 'resolved', 'generic', now() - (${INCIDENTS} - g) * interval '2 hours',
               now() - (${INCIDENTS} - g) * interval '2 hours' + interval '3 minutes', now() - (${INCIDENTS} - g) * interval '2 hours' + interval '40 minutes', now()
          FROM generate_series(1, ${INCIDENTS}) g`);
    await embedded.database.prisma.$executeRawUnsafe(`
      INSERT INTO alerts (source, fingerprint, status, title, labels, annotations, links, starts_at, ends_at, last_received_at, content_hash, incident_id, recent_fires, raw)
        SELECT 'generic', 'fp-' || g, 'resolved', 'Checkout latency #' || g, jsonb_build_object('service', 'checkout', 'pod', 'checkout-' || g), '{}', '{}',
               i.opened_at, i.resolved_at, i.resolved_at, 'hash-' || g, g, ARRAY[i.opened_at], jsonb_build_object('g', g)
          FROM generate_series(1, ${INCIDENTS}) g JOIN incidents i ON i.id = g`);
    await embedded.database.prisma.$executeRawUnsafe(`INSERT INTO incident_alerts (incident_id, alert_id) SELECT id, id FROM incidents`);
    await embedded.database.prisma.$executeRawUnsafe(`
      INSERT INTO timeline_events (incident_id, at, kind, actor_type, actor_name, text)
        SELECT i.id, i.opened_at + k * interval '1 minute', (ARRAY['alert.firing', 'status.acknowledged', 'note', 'status.resolved'])[k + 1], 'bot', 'incident-bot', 'step ' || k || ' of INC-' || i.id
          FROM incidents i CROSS JOIN generate_series(0, 3) k`);
    await embedded.database.prisma.$executeRawUnsafe(`SELECT setval('incidents_id_seq', ${INCIDENTS}), setval('alerts_id_seq', ${INCIDENTS})`);
    // And one the bot opened itself, still open.
    const sent = await fetch(`${embedded.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${embedded.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Payments queue backing up', service: 'payments', severity: 'critical', fingerprint: 'payments-queue' }),
    });
    expect(sent.status).toBeLessThan(300);
    for (const path of paths) answers.set(path, await read(embedded, path));
    answers.set(exportAll, await read(embedded, exportAll));
    await embedded.close();
  }, 120_000);
  afterAll(async () => {
    await moved?.destroy();
    await postgres?.drop();
    // The test bot's own folder (its settings file); the store itself was in dataDir.
    if (embedded) rmSync(embedded.dataDir, { recursive: true, force: true });
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies every table, checks it, says what to change, and the bot on PostgreSQL answers the same', async () => {
    const move = await runCli(['move-storage', '--to', postgres.url], { DATA_DIR: dataDir });
    expect(move.stderr).toBe('');
    expect(move.code).toBe(0);
    expect(move.stdout).toMatch(/^Moved \d+ row\(s\) in \d+ tables from .* to postgresql:\/\/.* in [\d.]+ s\.$/m);
    expect(move.stdout).toMatch(new RegExp(`^  incidents +${INCIDENTS + 1} row\\(s\\)  ok$`, 'm'));
    expect(move.stdout).toMatch(new RegExp(`^  timeline_events +\\d{5} row\\(s\\)  ok$`, 'm'));
    expect(move.stdout).toContain(`Set DATABASE_URL=${postgres.url}`);

    moved = await startTestBot('pglite', { DATABASE_URL: postgres.url });
    for (const path of paths) expect(await read(moved, path), path).toEqual(answers.get(path));
    const exported = (await read(moved, exportAll)) as string;
    expect(exported.split('\n').filter(Boolean)).toHaveLength(INCIDENTS + 1);
    expect(exported).toBe(answers.get(exportAll));

    // Numbering goes on where it was.
    const sent = await fetch(`${moved.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${moved.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'First on PostgreSQL', service: 'search', severity: 'warning', fingerprint: 'search-1' }),
    });
    expect(((await sent.json()) as { alerts: { incident: string }[] }).alerts[0]!.incident).toBe(`INC-${INCIDENTS + 2}`);
  }, 180_000);

  it('refuses to run again into the same database, and doubles nothing', async () => {
    const before = await moved!.database.prisma.incident.count();
    const again = await runCli(['move-storage', '--to', postgres.url], { DATA_DIR: dataDir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/The target database is not empty \(.*\); move-storage copies only into an empty database/);
    expect(await moved!.database.prisma.incident.count()).toBe(before);
  }, 120_000);

  it('explains what is wrong with the command instead of trying', async () => {
    const noTarget = await runCli(['move-storage'], { DATA_DIR: dataDir });
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('Give the PostgreSQL database to move to with --to');
    const onPostgres = await runCli(['move-storage', '--to', postgres.url], { DATA_DIR: dataDir, DATABASE_URL: postgres.url });
    expect(onPostgres.code).toBe(1);
    expect(onPostgres.stderr).toContain('This bot already uses PostgreSQL (DATABASE_URL is set)');
    const nowhere = await runCli(['move-storage', '--to', postgres.url], { DATA_DIR: join(dataDir, 'no-such-store') });
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('There is no embedded store in DATA_DIR');
  }, 60_000);
});

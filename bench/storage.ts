/**
 * npm run bench:storage: backup, restore and move-storage of an embedded store with a year of a
 * busy team's incidents. The figure that matters most is how long a backup holds embedded
 * storage (the running bot's own statements wait that long). Written to bench/results/storage.json.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPGlite, openPostgres } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import { backupStore } from '../src/storage/backup-store.js';
import { moveStore } from '../src/storage/move-store.js';
import { restoreStore } from '../src/storage/restore-store.js';
import { systemClock } from '../src/time/clock.js';
import { createBenchDatabase } from './support/bench-database.js';
import { writeResult } from './support/bench-result.js';
import { QUICK } from './support/bench-settings.js';
import { seedIncidents } from './support/seed-incidents.js';

const INCIDENTS = QUICK ? 500 : 20_000;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-storage-'));
  const source = await openPGlite(join(dir, 'pglite'));
  const created = await createBenchDatabase(`bench_storage_${process.pid}`);
  const target = openPostgres({ connectionString: created.url });
  try {
    await migrate(source);
    const session = await source.openSession();
    await seedIncidents({ query: (text: string) => session.query(text) } as never, INCIDENTS);
    // An alert (with a raw payload of about a kilobyte) and four timeline rows per incident.
    await session.exec(`
      INSERT INTO alerts (source, fingerprint, status, title, labels, annotations, links, starts_at, last_received_at, content_hash, incident_id, raw)
        SELECT 'alertmanager', 'fp-' || i.id, 'resolved', i.title, jsonb_build_object('alertname', 'HighLatency', 'service', 'checkout', 'pod', 'checkout-' || i.id),
               jsonb_build_object('summary', repeat('p99 latency above 2s ', 8)), '{}', i.opened_at, i.opened_at, md5(i.id::text), i.id,
               jsonb_build_object('receiver', 'bot', 'status', 'firing', 'groupLabels', jsonb_build_object('alertname', 'HighLatency'), 'commonAnnotations', jsonb_build_object('description', repeat('x', 700)))
          FROM incidents i;
      INSERT INTO incident_alerts (incident_id, alert_id) SELECT incident_id, id FROM alerts;
      INSERT INTO timeline_events (incident_id, at, kind, actor_type, actor_name, text)
        SELECT i.id, i.opened_at + k * interval '1 minute', 'note', 'bot', 'incident-bot', 'step ' || k || ' of INC-' || i.id FROM incidents i CROSS JOIN generate_series(0, 3) k;
      INSERT INTO audit_entries (actor_name, platform, action, args, result) SELECT 'Person ' || (g % 40), 'slack', 'incident.ack', jsonb_build_object('number', g), 'ok' FROM generate_series(1, ${INCIDENTS}) g;
    `);
    await session.release();

    const file = join(dir, 'store.backup.gz');
    const backupStarted = performance.now();
    const backup = await backupStore(source, file, systemClock);
    const backupMs = performance.now() - backupStarted;
    const bytes = statSync(file).size;

    const restoreTarget = await openPGlite();
    const restoreStarted = performance.now();
    await restoreStore(file, restoreTarget);
    const restoreMs = performance.now() - restoreStarted;
    await restoreTarget.close();

    const moveStarted = performance.now();
    await moveStore(source, target);
    const moveMs = performance.now() - moveStarted;

    const result = {
      incidents: INCIDENTS,
      rows: backup.rows,
      backupHeldMs: Math.round(backup.heldMs),
      backupMs: Math.round(backupMs),
      backupBytes: bytes,
      restoreMs: Math.round(restoreMs),
      moveToPostgresMs: Math.round(moveMs),
    };
    console.log(
      `${INCIDENTS} incidents, ${backup.rows} rows: backup ${result.backupMs} ms (embedded storage held ${result.backupHeldMs} ms), ${(bytes / 1024 / 1024).toFixed(1)} MB; ` +
        `restore into embedded ${result.restoreMs} ms; move to PostgreSQL ${result.moveToPostgresMs} ms (copy and check)`,
    );
    writeResult('storage', {
      ...result,
      headlines: [
        { label: `backup of ${backup.rows} rows, embedded storage held`, value: result.backupHeldMs, unit: 'ms' },
        { label: `restore of ${backup.rows} rows into embedded storage`, value: result.restoreMs, unit: 'ms' },
        { label: `move-storage of ${backup.rows} rows to PostgreSQL`, value: result.moveToPostgresMs, unit: 'ms' },
      ],
    });
  } finally {
    await target.close();
    await source.close();
    await created.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPGlite, type Database } from '../../../src/db/database.js';
import { migrate, readMigrations } from '../../../src/db/migrator.js';
import { backupStore } from '../../../src/storage/backup-store.js';
import { restoreStore } from '../../../src/storage/restore-store.js';
import { StorageCopyError } from '../../../src/storage/storage-copy-error.js';
import { ManualClock } from '../../../src/time/clock.js';
import { createTestDatabase, databaseBefore } from '../../support/test-database.js';

const clock = new ManualClock(new Date('2026-12-04T10:00:00Z'));

/** A store with a bit of everything: people, a team, incidents, alerts (arrays, big numbers in JSON), a timeline, the audit trail. */
async function seed(database: Database, incidents = 40): Promise<void> {
  const session = await database.openSession();
  try {
    await session.exec(`
      INSERT INTO people (handle, name, email, slack_id, time_zone, updated_at) VALUES
        ('alice', 'Alice Archer', 'alice@example.com', 'U0ALICE001', 'Europe/Berlin', now()),
        ('bob', 'Bob O''Brien "the builder"', NULL, NULL, 'UTC', now());
      INSERT INTO teams (key, name) VALUES ('payments', 'Payments');
      INSERT INTO incidents (title, severity, status, source, opened_at, acknowledged_at, resolved_at, updated_at)
        SELECT 'Checkout latency #' || g || E' \\u00e9\\t"quoted"', 1 + g % 4, CASE WHEN g % 3 = 0 THEN 'resolved' ELSE 'triggered' END::"IncidentStatus", 'generic',
               timestamptz '2026-11-30 08:00:00.123Z' + g * interval '37 minutes', timestamptz '2026-11-30 08:02:00Z' + g * interval '37 minutes',
               CASE WHEN g % 3 = 0 THEN timestamptz '2026-11-30 09:00:00Z' + g * interval '37 minutes' END, now()
          FROM generate_series(1, ${incidents}) g;
      INSERT INTO alerts (source, fingerprint, status, title, labels, annotations, links, starts_at, last_received_at, content_hash, incident_id, recent_fires, raw)
        SELECT 'generic', 'fp-' || g, 'firing', 'Latency ' || g, jsonb_build_object('service', 'checkout', 'n', g), '{}', '{"runbook": "https://runbooks/x"}',
               timestamptz '2026-11-30 08:00:00Z', timestamptz '2026-11-30 08:00:00Z', 'hash-' || g, g,
               ARRAY[timestamptz '2026-11-30 08:00:00.001Z', timestamptz '2026-11-30 08:05:00.999Z'], '{"value": 12345678901234567890.5, "nested": {"a": [1, null, "x"]}}'
          FROM generate_series(1, ${incidents}) g;
      INSERT INTO incident_alerts (incident_id, alert_id) SELECT g, g FROM generate_series(1, ${incidents}) g;
      INSERT INTO timeline_events (incident_id, at, kind, actor_type, actor_name, text) SELECT g, timestamptz '2026-11-30 08:00:00Z' + g * interval '1 second', 'note', 'person', 'Alice Archer', 'note for ' || g FROM generate_series(1, ${incidents}) g;
      INSERT INTO audit_entries (actor_name, platform, action, args, result) VALUES ('Alice Archer', 'slack', 'incident.ack', '{"number": 1}', 'ok');
    `);
  } finally {
    await session.release();
  }
}

async function rowsOf(database: Database, query: string): Promise<unknown[]> {
  const session = await database.openSession();
  try {
    return await session.query(query);
  } finally {
    await session.release();
  }
}

const everything = `SELECT (SELECT json_agg(t ORDER BY id) FROM incidents t) AS incidents, (SELECT json_agg(t ORDER BY id) FROM alerts t) AS alerts,
  (SELECT json_agg(t ORDER BY id) FROM timeline_events t) AS timeline, (SELECT json_agg(t ORDER BY id) FROM people t) AS people, (SELECT json_agg(t ORDER BY id) FROM audit_entries t) AS audit`;

describe('backup and restore of a store', () => {
  let dir: string;
  let source: Database;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'backup-restore-'));
    source = await openPGlite();
    await migrate(source);
    await seed(source);
    // The newest incident is gone: restored numbering must still go on after it, not reuse it.
    const session = await source.openSession();
    await session.exec(`DELETE FROM timeline_events WHERE incident_id = 40; DELETE FROM incident_alerts WHERE incident_id = 40; UPDATE alerts SET incident_id = NULL WHERE incident_id = 40; DELETE FROM incidents WHERE id = 40`);
    await session.release();
    file = join(dir, 'store.backup.gz');
    await backupStore(source, file, clock);
  });
  afterAll(async () => {
    await source?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores every row exactly (times to the millisecond, arrays, JSON with numbers past 2^53, quotes and accents) and the numbering goes on where it was', async () => {
    const target = await openPGlite();
    try {
      const restored = await restoreStore(file, target);
      expect(restored.upgradedThrough).toEqual([]);
      expect(restored.backup.header.migrations).toEqual(readMigrations().map((m) => m.name));
      expect(await rowsOf(target, everything)).toEqual(await rowsOf(source, everything));
      const [raw] = (await rowsOf(target, `SELECT raw::text AS raw FROM alerts WHERE id = 1`)) as { raw: string }[];
      expect(raw!.raw).toContain('12345678901234567890.5');
      const [next] = (await rowsOf(target, `SELECT nextval('incidents_id_seq')::int AS n`)) as { n: number }[];
      expect(next!.n).toBe(41);
    } finally {
      await target.close();
    }
  });

  it('refuses a store that is not empty and leaves it as it was', async () => {
    const target = await openPGlite();
    try {
      await migrate(target);
      await rowsOf(target, `INSERT INTO people (handle, name, updated_at) VALUES ('carol', 'Carol', now())`);
      const error = await restoreStore(file, target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageCopyError);
      expect((error as StorageCopyError).code).toBe('target_not_empty');
      expect((error as Error).message).toMatch(/is not empty \(people: 1 row\(s\)\)/);
      expect(await rowsOf(target, `SELECT handle FROM people`)).toEqual([{ handle: 'carol' }]);
      expect(await rowsOf(target, `SELECT count(*)::int AS n FROM incidents`)).toEqual([{ n: 0 }]);
    } finally {
      await target.close();
    }
  });

  describe('a bad file is refused with what is wrong, and the store stays empty', () => {
    const bytes = () => readFileSync(file);
    const lines = () => gunzipSync(bytes()).toString('utf8').split('\n');
    const cases: [string, () => Buffer, RegExp][] = [
      ['cut short (the last quarter missing)', () => bytes().subarray(0, Math.floor(bytes().length * 0.75)), /is truncated after line \d+: the backup was not written completely/],
      ['cut at a line, before its trailer', () => gzipSync(lines().slice(0, -3).join('\n') + '\n'), /is truncated: it ends at line \d+, before its trailer/],
      ['a row changed', () => gzipSync(lines().join('\n').replace('Latency 7"', 'Latency 8"')), /is damaged at line \d+: the rows of table "alerts" do not match their checksum/],
      ['a row dropped', () => gzipSync(lines().filter((line) => !line.includes('"note for 3"')).join('\n')), /is damaged at line \d+: table "timeline_events" should have 39 rows and has 38/],
      ['not gzip at all', () => Buffer.from('INSERT INTO incidents VALUES (1);\n'), /is not an incident-bot backup \(it is not gzip-compressed\)/],
      ['gzip of something else', () => gzipSync('{"hello": "world"}\n'), /is not an incident-bot backup \(its first line does not say "incident-bot-backup"\)/],
      ['a bit flipped in the compressed data', () => {
        const copy = Buffer.from(bytes());
        copy[Math.floor(copy.length / 2)]! ^= 0x40;
        return copy;
      }, /is (damaged|truncated)/],
      ['empty', () => Buffer.alloc(0), /is empty: it is not an incident-bot backup|is truncated/],
    ];
    for (const [name, make, message] of cases) {
      it(name, async () => {
        const bad = join(dir, `bad-${name.replace(/\W+/g, '-')}.gz`);
        writeFileSync(bad, make());
        const target = await openPGlite();
        try {
          const error = await restoreStore(bad, target).catch((e: unknown) => e);
          expect(error).toBeInstanceOf(StorageCopyError);
          expect((error as Error).message).toMatch(message);
          expect((error as Error).message).toContain(bad);
          // Checked whole before anything was written: not even migrated.
          expect(await rowsOf(target, `SELECT to_regclass('incidents') IS NULL AS untouched`)).toEqual([{ untouched: true }]);
        } finally {
          await target.close();
        }
      });
    }
  });

  it('a header edited by hand is damage: the header is under the file\'s checksum too', async () => {
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const [headerLine, ...rest] = text.split('\n');
    const header = JSON.parse(headerLine!) as { migrations: string[] };
    header.migrations.push('20991231000000_from_the_future');
    const newer = join(dir, 'newer.backup.gz');
    writeFileSync(newer, gzipSync([JSON.stringify(header), ...rest].join('\n')));
    const target = await openPGlite();
    try {
      const error = await restoreStore(newer, target).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/is damaged at line \d+: the file does not match its checksum/);
      expect(await rowsOf(target, `SELECT to_regclass('incidents') IS NULL AS untouched`)).toEqual([{ untouched: true }]);
    } finally {
      await target.close();
    }
  });
});

describe('a backup from an older version', () => {
  it('is loaded at its own schema and migrated: its rows come through the later migrations', async () => {
    const all = readMigrations();
    const last = all.at(-1)!.name;
    const old = await databaseBefore('pglite', last);
    const dir = mkdtempSync(join(tmpdir(), 'backup-old-'));
    try {
      await rowsOf(old.database, `INSERT INTO people (handle, name, slack_id, updated_at) VALUES ('alice', 'Alice Archer', 'U0ALICE001', now())`);
      await rowsOf(old.database, `INSERT INTO incidents (title, severity, source, opened_at, updated_at) VALUES ('Old incident', 2, 'generic', now(), now())`);
      const file = join(dir, 'old.backup.gz');
      const written = await backupStore(old.database, file, clock);
      expect(written.header.migrations.at(-1)).not.toBe(last);

      const target = await openPGlite();
      try {
        const restored = await restoreStore(file, target);
        expect(restored.upgradedThrough).toEqual([last]);
        expect(await rowsOf(target, `SELECT handle, slack_id, mattermost_id FROM people`)).toEqual([{ handle: 'alice', slack_id: 'U0ALICE001', mattermost_id: null }]);
        expect(await rowsOf(target, `SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`)).toEqual([{ n: all.length }]);
        const [next] = (await rowsOf(target, `SELECT nextval('incidents_id_seq')::int AS n`)) as { n: number }[];
        expect(next!.n).toBe(2);
      } finally {
        await target.close();
      }
    } finally {
      await old.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a schema this version never had is refused by name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-newer-'));
    const source = await openPGlite();
    try {
      await migrate(source);
      const file = join(dir, 'b.gz');
      await backupStore(source, file, clock);
      const fewer = readMigrations().slice(0, -2);
      const target = await openPGlite();
      try {
        const error = await restoreStore(file, target, { migrations: fewer }).catch((e: unknown) => e);
        expect((error as StorageCopyError).code).toBe('newer_schema');
        // Named: the newest migration is the last of the two this version lacks.
        const newest = readMigrations().at(-1)!.name;
        expect((error as Error).message).toMatch(/made by a newer version of the bot: its schema has 2 migration\(s\) this version does not know \(.*\)/);
        expect((error as Error).message).toContain(`${newest})`);
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('between PostgreSQL and embedded storage', () => {
  it('a backup of PostgreSQL restores into embedded storage, and one of embedded storage into PostgreSQL, row for row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-pg-'));
    const postgres = await createTestDatabase('postgres');
    const intoPostgres = await createTestDatabase('postgres', { migrated: false });
    const embedded = await openPGlite();
    try {
      await seed(postgres.database, 25);
      const fromPostgres = join(dir, 'from-postgres.backup.gz');
      const written = await backupStore(postgres.database, fromPostgres, clock);
      expect(written.header.from).toBe('postgres');
      await restoreStore(fromPostgres, embedded);
      expect(await rowsOf(embedded, everything)).toEqual(await rowsOf(postgres.database, everything));

      const fromEmbedded = join(dir, 'from-embedded.backup.gz');
      await backupStore(embedded, fromEmbedded, clock);
      await restoreStore(fromEmbedded, intoPostgres.database);
      expect(await rowsOf(intoPostgres.database, everything)).toEqual(await rowsOf(postgres.database, everything));
      const [next] = (await rowsOf(intoPostgres.database, `SELECT nextval('incidents_id_seq')::int AS n`)) as { n: number }[];
      expect(next!.n).toBe(26);
    } finally {
      await embedded.close();
      await postgres.drop();
      await intoPostgres.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/cli-command.js';
import { openPGlite, openPostgres, type Database } from '../../../src/db/database.js';
import { migrate } from '../../../src/db/migrator.js';
import { readBackupFile } from '../../../src/storage/backup-file.js';
import { backupStore } from '../../../src/storage/backup-store.js';
import { moveStore } from '../../../src/storage/move-store.js';
import { restoreCliCommand } from '../../../src/storage/restore-cli-command.js';
import { restoreStore } from '../../../src/storage/restore-store.js';
import { ManualClock } from '../../../src/time/clock.js';
import { createPostgresDatabase } from '../../support/test-database.js';

const clock = new ManualClock(new Date('2026-12-04T10:00:00Z'));

async function run(database: Database, script: string): Promise<Record<string, unknown>[]> {
  const session = await database.openSession();
  try {
    if (!script.trim().toUpperCase().startsWith('SELECT')) {
      await session.exec(script);
      return [];
    }
    return await session.query(script);
  } finally {
    await session.release();
  }
}

/**
 * A backup file rewritten by someone who knows the format: every checksum and the trailer made
 * to match again, so only the loader's own checks stand between the file and the store.
 */
function forge(file: string, out: string, change: (lines: string[]) => string[]): void {
  const lines = change(gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean).slice(0, -1));
  const rewritten: string[] = [];
  let hash = createHash('sha256');
  let count = 0;
  let rows = 0;
  let tables = 0;
  for (const line of lines) {
    if (line.startsWith('{') && rewritten.length > 0) {
      hash.update(line).update('\n');
      count++;
      rewritten.push(line);
      continue;
    }
    if (line.startsWith('["table"')) {
      hash = createHash('sha256');
      count = 0;
      tables++;
    }
    if (line.startsWith('["end"')) {
      const [, name] = JSON.parse(line) as [string, string];
      rows += count;
      rewritten.push(JSON.stringify(['end', name, count, hash.digest('hex')]));
      continue;
    }
    rewritten.push(line);
  }
  const whole = createHash('sha256').update(rewritten.map((line) => `${line}\n`).join('')).digest('hex');
  rewritten.push(JSON.stringify(['trailer', { tables, rows, sha256: whole }]));
  writeFileSync(out, gzipSync(`${rewritten.join('\n')}\n`));
}

describe('backups made by someone else', () => {
  let dir: string;
  let source: Database;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hostile-backups-'));
    source = await openPGlite();
    await migrate(source);
    await run(source, `
      INSERT INTO people (handle, name, email, updated_at) VALUES ('alice', 'Alice Archer', 'alice@example.com', now()), ('bob', 'Bob Baker', 'bob@example.com', now());
      INSERT INTO incidents (title, severity, source, opened_at, updated_at) SELECT 'Incident ' || g, 2, 'generic', now(), now() FROM generate_series(1, 5) g;
      INSERT INTO timeline_events (incident_id, at, kind, actor_type, actor_name, text) SELECT g, now(), 'note', 'person', 'Alice Archer', 'call alice@example.com' FROM generate_series(1, 5) g;`);
    file = join(dir, 'good.backup.gz');
    await backupStore(source, file, clock);
  });
  afterAll(async () => {
    await source?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a forged file that passes its checksums but breaks a foreign key: the CLI says what the database refused, prints no row, restores nothing', async () => {
    const bad = join(dir, 'orphan.backup.gz');
    forge(file, bad, (lines) => lines.map((line) => (line.includes('"call alice@example.com"') && line.includes('"incident_id": 5') ? line.replace('"incident_id": 5', '"incident_id": 999') : line)));
    const dataDir = join(dir, 'restore-orphan');
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCommand(restoreCliCommand, [bad], { out: (line) => out.push(line), err: (line) => err.push(line), env: { DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(/^The database refused: insert or update on table "timeline_events" violates foreign key constraint .* \(23503\)\.\nNothing was restored; embedded storage in .* holds no rows from it\.$/);
    expect(err.join('\n')).not.toContain('alice@example.com');
    const store = await openPGlite(join(dataDir, 'pglite'));
    try {
      expect(await run(store, `SELECT (SELECT count(*)::int FROM people) AS people, (SELECT count(*)::int FROM incidents) AS incidents`)).toEqual([{ people: 0, incidents: 0 }]);
      // setval is not undone by a rollback: the sequences were never moved.
      expect(await run(store, `SELECT nextval('people_id_seq')::int AS next`)).toEqual([{ next: 1 }]);
    } finally {
      await store.close();
    }
  });

  it('a sequence name that is SQL is never run; a forged file without its sequences still numbers past every id', async () => {
    const hostile = join(dir, 'hostile-sequence.backup.gz');
    forge(file, hostile, (lines) =>
      lines.map((line) => (line.startsWith('["sequences"') ? JSON.stringify(['sequences', [{ name: `people_id_seq'::regclass, 1); CREATE TABLE pwned (x int); --`, lastValue: '5' }]]) : line)),
    );
    const target = await openPGlite();
    try {
      await restoreStore(hostile, target);
      expect(await run(target, `SELECT to_regclass('pwned') IS NULL AS safe`)).toEqual([{ safe: true }]);
      // No usable sequence states at all: the ids in the rows still decide what comes next.
      expect(await run(target, `SELECT nextval('people_id_seq')::int AS people, nextval('incidents_id_seq')::int AS incidents`)).toEqual([{ people: 3, incidents: 6 }]);
    } finally {
      await target.close();
    }
  });

  it('a backup from a newer version (a correct file naming a migration this one lacks) is refused by name', async () => {
    const newer = join(dir, 'newer.backup.gz');
    forge(file, newer, ([header, ...rest]) => {
      const parsed = JSON.parse(header!) as { migrations: string[] };
      parsed.migrations.push('20991231000000_from_the_future');
      return [JSON.stringify(parsed), ...rest];
    });
    const target = await openPGlite();
    try {
      const error = await restoreStore(newer, target).catch((e: unknown) => e);
      expect((error as Error).message).toBe(
        'The backup was made by a newer version of the bot: its schema has 1 migration(s) this version does not know (20991231000000_from_the_future). Restore it with that version or a newer one.',
      );
      expect(await run(target, `SELECT to_regclass('incidents') IS NULL AS untouched`)).toEqual([{ untouched: true }]);
    } finally {
      await target.close();
    }
  });

  it('a folder, a line with no end, and a table the store does not have are refused with what is wrong', async () => {
    const folder = join(dir, 'a-folder.gz');
    mkdirSync(folder);
    await expect(readBackupFile(folder)).rejects.toThrow(`Cannot read ${folder}: it is not a file`);

    const endless = join(dir, 'endless.backup.gz');
    const header = gunzipSync(readFileSync(file)).toString('utf8').split('\n')[0]!;
    writeFileSync(endless, gzipSync(Buffer.concat([Buffer.from(`${header}\n["table","people"]\n{"a": "`), Buffer.alloc(80 * 1024 * 1024, 0x61)])));
    await expect(readBackupFile(endless)).rejects.toThrow(/is damaged at line 2: a line longer than 64 MiB/);

    const strange = join(dir, 'strange-table.backup.gz');
    forge(file, strange, (lines) => {
      const parsed = JSON.parse(lines[0]!) as { tables: string[] };
      parsed.tables.push('no_such"table');
      return [JSON.stringify(parsed), ...lines.slice(1, -1), '["table","no_such\\"table"]', '{"x": 1}', '["end","no_such\\"table",1,"x"]', lines.at(-1)!];
    });
    const target = await openPGlite();
    try {
      await expect(restoreStore(strange, target)).rejects.toThrow('the copy has a table "no_such\\"table" that this store does not have');
      expect(await run(target, `SELECT count(*)::int AS n FROM people`)).toEqual([{ n: 0 }]);
    } finally {
      await target.close();
    }
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('PostgreSQL as it is often set up', () => {
  it('a database that sorts text the en-US way restores and moves a store whose keys differ only in case and punctuation', async () => {
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const name = `bot_icu_${process.pid}`;
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    const target = openPostgres({ connectionString: url.toString(), poolSize: 3 });
    const source = await openPGlite();
    const dir = mkdtempSync(join(tmpdir(), 'icu-'));
    try {
      await migrate(source);
      await run(source, `INSERT INTO heartbeats (name) SELECT n FROM unnest(ARRAY['a-b', 'ab', 'B', 'a', 'Ab', '_z']) n`);
      const file = join(dir, 'icu.backup.gz');
      await backupStore(source, file, clock);
      await restoreStore(file, target);
      expect(await run(target, `SELECT string_agg(name, ',' ORDER BY name COLLATE "C") AS names FROM heartbeats`)).toEqual([{ names: 'B,_z,a,a-b,ab,Ab'.split(',').sort().join(',') }]);
      await run(target, `TRUNCATE heartbeats`);
      await expect(moveStore(source, target)).resolves.toMatchObject({ rows: 6 });
    } finally {
      await target.close();
      await source.close();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('move-storage into a database another application uses is refused before anything is created there', async () => {
    const other = await createPostgresDatabase();
    const target = openPostgres({ connectionString: other.url, poolSize: 3 });
    const source = await openPGlite();
    try {
      await migrate(source);
      await run(target, `CREATE TABLE invoices (id int PRIMARY KEY); INSERT INTO invoices VALUES (1)`);
      await expect(moveStore(source, target)).rejects.toThrow(/The target database has tables that are not the bot's \(invoices\): move into a database of its own/);
      expect(await run(target, `SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname = 'public'`)).toEqual([{ tables: 1 }]);
    } finally {
      await target.close();
      await source.close();
      await other.drop();
    }
  });
});

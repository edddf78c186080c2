import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { eventually } from '../support/eventually.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';

const WEBHOOK_TOKEN = 'webhook-token-replicas-0123456';

async function query<Row>(url: string, text: string): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as Row[];
  } finally {
    await client.end();
  }
}

async function handles(url: string): Promise<string[]> {
  return (await query<{ handle: string }>(url, 'SELECT handle FROM people WHERE handle IS NOT NULL ORDER BY handle')).map((r) => r.handle);
}

const addNewcomer = (file: string, handle: string) =>
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^people:\n/m, `people:\n  ${handle}:\n    name: ${handle}\n    email: ${handle}@example.com\n`));

// Replicas share one PostgreSQL; embedded storage is one process by design.
describe.skipIf(!databaseKinds().includes('postgres'))('two replicas on one fresh PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replicas-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('start together and both become ready, then both take an oncall.yaml edit that adds a person, round after round', { timeout: 600_000 }, async () => {
    for (let round = 0; round < 4; round++) {
      const database = await createPostgresDatabase();
      const file = join(dir, `oncall-${round}.yaml`);
      copyFileSync(join(projectRoot(), 'oncall.yaml'), file);
      const env = (name: string) => ({ DATABASE_URL: database.url, WEBHOOK_TOKEN, ONCALL_FILE: file, DATA_DIR: join(dir, `${name}-${round}`) });
      // Two processes compiling and starting at once on a shared two-core machine: give them time.
      const started = await Promise.allSettled([startBotProcess(env('a'), { startTimeoutMs: 120_000 }), startBotProcess(env('b'), { startTimeoutMs: 120_000 })]);
      const replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      try {
        expect(started.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason).slice(0, 2000))).toEqual([]);
        for (const replica of replicas) expect((await fetch(`${replica.url}/readyz`)).status).toBe(200);

        addNewcomer(file, `newcomer${round}`);
        for (const replica of replicas) replica.child.kill('SIGHUP');
        const reloaded = (replica: BotProcess) => replica.output().split('\n').filter((line) => line.includes('"reason":"SIGHUP"') && line.includes('oncall.yaml reloaded')).length > 0;
        await eventually('both replicas reloading', () => replicas.every(reloaded), 60_000);
        await eventually('the newcomer in the directory', async () => (await handles(database.url)).includes(`newcomer${round}`), 60_000);
        for (const replica of replicas) {
          expect(replica.child.exitCode).toBeNull();
          expect((await fetch(`${replica.url}/readyz`)).status).toBe(200);
          expect(replica.output()).not.toContain('Unique constraint failed');
        }
        expect((await handles(database.url)).filter((h) => h === `newcomer${round}`)).toHaveLength(1);
      } finally {
        await Promise.all(replicas.map((r) => r.stop()));
        await database.drop();
      }
    }
  });

  it('a directory sync the database refuses at reload is logged and retried; the bot keeps running', { timeout: 180_000 }, async () => {
    const database = await createPostgresDatabase();
    const file = join(dir, 'oncall-refused.yaml');
    copyFileSync(join(projectRoot(), 'oncall.yaml'), file);
    const bot = await startBotProcess({ DATABASE_URL: database.url, WEBHOOK_TOKEN, ONCALL_FILE: file, DATA_DIR: join(dir, 'refused') });
    try {
      // As when another writer holds a unique key the sync needs: the database says no.
      await query(database.url, `ALTER TABLE people ADD CONSTRAINT test_refuses_newcomer CHECK (handle IS DISTINCT FROM 'newcomer')`);
      addNewcomer(file, 'newcomer');
      bot.child.kill('SIGHUP');
      await eventually('the failed sync in the log', () => bot.output().includes('the last good directory stays until a retry succeeds'), 60_000);
      expect(bot.child.exitCode).toBeNull();
      expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);

      await query(database.url, 'ALTER TABLE people DROP CONSTRAINT test_refuses_newcomer');
      await eventually('the retried sync', async () => (await handles(database.url)).includes('newcomer'), 90_000);
      expect(bot.child.exitCode).toBeNull();
    } finally {
      await bot.stop();
      await database.drop();
    }
  });
});

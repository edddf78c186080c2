import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotProcess } from '../support/bot-process.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';
import { eventually } from '../support/eventually.js';

const TOKEN = 'durable-timers-webhook-token';

/** A policy with short delays: Alice at once, Bob after `delay`, repeated. */
function oncallYaml(delay: string, repeat: number): string {
  return [
    'people:',
    '  alice: { name: Alice }',
    '  bob: { name: Bob }',
    'escalation_policies:',
    '  fast:',
    `    repeat: ${repeat}`,
    '    levels:',
    `      - { targets: [{ person: alice }], delay: ${delay} }`,
    `      - { targets: [{ person: bob }], delay: ${delay} }`,
    'default_route:',
    '  escalation_policy: fast',
  ].join('\n');
}

describe.skipIf(!databaseKinds().includes('postgres'))('durable escalation timers with real processes [postgres]', () => {
  let dir: string;
  let database: { url: string; drop(): Promise<void> };
  let client: pg.Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'durable-'));
    database = await createPostgresDatabase();
    client = new pg.Client({ connectionString: database.url });
  });
  afterAll(async () => {
    await client.end().catch(() => {});
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (url: string, title: string) =>
    fetch(`${url}/webhooks/generic`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
  const pages = async (incident: number) =>
    (await client.query<{ level: number; name: string; created_at: Date }>(
      'SELECT p.level, pe.name, p.created_at FROM pages p JOIN people pe ON pe.id = p.person_id WHERE p.incident_id = $1 ORDER BY p.id',
      [incident],
    )).rows;

  it('killed with SIGKILL and restarted, the bot fires what came due while it was down, at once, and never twice', async () => {
    writeFileSync(join(dir, 'kill.yaml'), oncallYaml('3s', 0));
    const env = { DATABASE_URL: database.url, WEBHOOK_TOKEN: TOKEN, ONCALL_FILE: join(dir, 'kill.yaml'), DATA_DIR: join(dir, 'kill-data') };
    const first = await startBotProcess(env);
    await client.connect();
    expect((await post(first.url, 'Replication lag')).status).toBe(200);
    await eventually('the first page', async () => (await pages(1)).length === 1);
    await first.kill();
    // Bob's page came due 3 s after Alice's, while nothing was running.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await pages(1)).toHaveLength(1);
    const restartedAt = Date.now();
    const second = await startBotProcess(env);
    try {
      await eventually('the overdue page', async () => (await pages(1)).length === 2);
      expect(Date.now() - restartedAt).toBeLessThan(15_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect((await pages(1)).map((p) => `${p.level}:${p.name}`)).toEqual(['1:Alice', '2:Bob']);
    } finally {
      await second.stop();
    }
  });

  it('two bot processes on one PostgreSQL fire each escalation step exactly once', async () => {
    writeFileSync(join(dir, 'two.yaml'), oncallYaml('1s', 1));
    const env = (name: string) => ({ DATABASE_URL: database.url, WEBHOOK_TOKEN: TOKEN, ONCALL_FILE: join(dir, 'two.yaml'), DATA_DIR: join(dir, name) });
    const [a, b] = await Promise.all([startBotProcess(env('a')), startBotProcess(env('b'))]);
    try {
      const numbers: number[] = [];
      for (let i = 0; i < 12; i++) {
        const response = await (await post(i % 2 ? b.url : a.url, `Service ${i} down`)).json() as { alerts: { incident: string }[] };
        numbers.push(Number(response.alerts[0]!.incident.slice(4)));
      }
      // Alice, Bob, then the policy once more: four pages per incident, one second apart.
      const exhausted = async () =>
        (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM timeline_events WHERE kind = 'escalation.exhausted' AND incident_id = ANY($1)", [numbers])).rows[0]!.n;
      await eventually('every escalation to run out', async () => (await exhausted()) >= numbers.length, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      for (const number of numbers) expect((await pages(number)).map((p) => `${p.level}:${p.name}`)).toEqual(['1:Alice', '2:Bob', '1:Alice', '2:Bob']);
      expect(await exhausted()).toBe(numbers.length);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

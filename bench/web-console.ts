/**
 * npm run bench:web-console: the console's heaviest pages over 100,000 incidents on PostgreSQL,
 * read through the real HTTP server as a signed-in manager (not an admin, so the private-incident
 * check runs): the incidents page, the same with filters that match nothing (the whole table
 * is read), and the 12-week report. Figures are request times on loopback, so server time plus
 * a fraction of a millisecond; issue 21's target is 200 ms each.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { openPostgres } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import { sql } from '../src/db/sql.js';
import { createLogger } from '../src/logging.js';
import { startBot } from '../src/main.js';
import { createWebSession } from '../src/web/web-sessions.js';
import { createBenchDatabase } from './support/bench-database.js';
import { target, writeResult, type Target } from './support/bench-result.js';
import { QUICK } from './support/bench-settings.js';
import { seedIncidents } from './support/seed-incidents.js';

const INCIDENTS = QUICK ? 2_000 : 100_000;
const RUNS = QUICK ? 3 : 9;
const TARGET_MS = 200;

const ONCALL = `
people:
  maria:
    name: Maria Manager
    email: maria@example.com
    roles: [manager]
teams:
${Array.from({ length: 8 }, (_, i) => `  team${i + 1}:\n    name: Team ${i + 1}\n    members: [maria]`).join('\n')}
`;

async function main(): Promise<void> {
  const created = await createBenchDatabase(`bench_web_${process.pid}`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-web-'));
  writeFileSync(join(dir, 'oncall.yaml'), ONCALL);
  // Seeded before the bot starts, as reports.ts does; the bot's directory sync then finds team1..team8.
  const database = openPostgres({ connectionString: created.url });
  await migrate(database);
  await database.close();
  const client = new pg.Client({ connectionString: created.url });
  await client.connect();
  const seedStarted = performance.now();
  await seedIncidents(client, INCIDENTS);
  // As autovacuum leaves a table in production: statistics, and the visibility map index-only scans need.
  await client.query('VACUUM ANALYZE');
  const seedMs = performance.now() - seedStarted;
  await client.end();
  const bot = await startBot(
    loadConfig({ DATABASE_URL: created.url, PORT: '0', DATA_DIR: dir, ONCALL_FILE: join(dir, 'oncall.yaml'), LOG_LEVEL: 'silent', GAP_WARNING_DAYS: 'off', SHIFT_NOTICES: 'false', REPORT_TIMEZONE: 'Europe/Berlin' }),
    { log: createLogger('silent'), host: '127.0.0.1' },
  );
  try {
    const [maria] = await bot.database.sql.query<{ id: number }>(sql`SELECT id FROM people WHERE handle = 'maria'`);
    const session = await createWebSession(bot.database.sql, Number(maria!.id), 'link');
    const eightWeeksAgo = new Date(Date.now() - 56 * 86_400_000).toISOString().slice(0, 10);
    const pages = [
      { name: 'incidents page, all statuses, newest 50', path: '/ui/incidents?status=all' },
      { name: 'incidents page, filters that match nothing (reads every incident)', path: `/ui/incidents?status=resolved&team=team3&severity=2&from=${eightWeeksAgo}` },
      { name: '12-week report page', path: '/ui/reports?weeks=12' },
    ];
    const results: { name: string; medianMs: number; maxMs: number; bytes: number }[] = [];
    for (const page of pages) {
      const times: number[] = [];
      let bytes = 0;
      for (let run = -2; run < RUNS; run++) {
        const started = performance.now();
        const answer = await fetch(`${bot.url}${page.path}`, { headers: { cookie: `incident_session=${session.id}` }, redirect: 'manual' });
        const body = await answer.text();
        const ms = performance.now() - started;
        if (answer.status !== 200) throw new Error(`${page.path} answered ${answer.status}: ${body.slice(0, 300)}`);
        bytes = body.length;
        if (run >= 0) times.push(ms);
      }
      times.sort((a, b) => a - b);
      results.push({ name: page.name, medianMs: Math.round(times[Math.floor(times.length / 2)]!), maxMs: Math.round(times[times.length - 1]!), bytes });
    }
    for (const r of results) console.log(`${r.name}: median ${r.medianMs} ms, slowest ${r.maxMs} ms (${RUNS} runs, ${Math.round(r.bytes / 1024)} KiB) over ${INCIDENTS} incidents`);
    const targets: Target[] = results.map((r) => target(`${r.name}, ${INCIDENTS} incidents`, r.medianMs, TARGET_MS, 'ms'));
    writeResult('web-console', {
      incidents: INCIDENTS,
      seedMs: Math.round(seedMs),
      pages: results,
      headlines: results.map((r) => ({ label: `${r.name}, ${INCIDENTS} incidents, PostgreSQL`, value: r.medianMs, unit: 'ms median' })),
      targets,
    });
  } finally {
    await bot.close();
    rmSync(dir, { recursive: true, force: true });
    await created.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

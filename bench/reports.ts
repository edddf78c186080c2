/**
 * npm run bench:reports: the 12-week report over 100,000 incidents on PostgreSQL.
 * Figures, not pass/fail; written to bench/results/reports.json.
 */
import { createBenchDatabase } from './support/bench-database.js';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openPostgres } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import { buildWeeklyReport } from '../src/reports/weekly-report.js';
import { writeResult } from './support/bench-result.js';
import { QUICK } from './support/bench-settings.js';
import { seedIncidents } from './support/seed-incidents.js';

const INCIDENTS = QUICK ? 2_000 : 100_000;
const RUNS = QUICK ? 3 : 7;

async function main(): Promise<void> {
  const created = await createBenchDatabase(`bench_reports_${process.pid}`);
  const url = new URL(created.url);
  const database = openPostgres({ connectionString: url.toString() });
  try {
    await migrate(database);
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const started = performance.now();
    await seedIncidents(client, INCIDENTS);
    // As autovacuum leaves a table in production: statistics, and the visibility map index-only scans need.
    await client.query('VACUUM ANALYZE');
    const seeded = performance.now() - started;
    await client.end();
    const runs: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const t = performance.now();
      await buildWeeklyReport(database.sql, { weeks: 12, timeZone: 'Europe/Berlin', now: new Date() });
      runs.push(performance.now() - t);
    }
    const sorted = [...runs].sort((a, b) => a - b);
    const team = performance.now();
    await buildWeeklyReport(database.sql, { weeks: 12, timeZone: 'Europe/Berlin', team: 'team3', now: new Date() });
    const teamMs = performance.now() - team;
    const result = { incidents: INCIDENTS, seedMs: Math.round(seeded), runsMs: runs.map(Math.round), medianMs: Math.round(sorted[Math.floor(RUNS / 2)]!), teamFilteredMs: Math.round(teamMs) };
    console.log(`12-week report over ${INCIDENTS} incidents on PostgreSQL: median ${result.medianMs} ms (runs ${result.runsMs.join(', ')} ms); one team: ${result.teamFilteredMs} ms`);
    writeResult('reports', {
      ...result,
      headlines: [
        { label: `12-week report over ${INCIDENTS} incidents, PostgreSQL`, value: result.medianMs, unit: 'ms median' },
        { label: '12-week report, one team', value: result.teamFilteredMs, unit: 'ms' },
      ],
    });
  } finally {
    await database.close();
    await created.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

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
    await client.query(`INSERT INTO teams (key, name) SELECT 'team' || g, 'Team ' || g FROM generate_series(1, 8) g`);
    await client.query(`INSERT INTO people (name, time_zone, updated_at) SELECT 'Person ' || g, (ARRAY['UTC','Europe/Berlin','America/New_York'])[1 + g % 3], now() FROM generate_series(1, 40) g`);
    // 100,000 incidents over the last 20 weeks: most acknowledged and resolved, some open.
    await client.query(`
      INSERT INTO incidents (title, severity, team_id, source, status, opened_at, acknowledged_at, mitigated_at, resolved_at, updated_at)
      SELECT 'incident ' || g, 1 + g % 4, 1 + g % 8, 'generic',
             (CASE WHEN g % 50 = 0 THEN 'triggered' ELSE 'resolved' END)::"IncidentStatus",
             now() - (g % 140) * interval '1 day' - (g % 1440) * interval '1 minute',
             CASE WHEN g % 10 = 0 THEN NULL ELSE now() - (g % 140) * interval '1 day' - (g % 1440) * interval '1 minute' + (30 + g % 900) * interval '1 second' END,
             CASE WHEN g % 3 = 0 THEN now() - (g % 140) * interval '1 day' - (g % 1440) * interval '1 minute' + (300 + g % 1800) * interval '1 second' END,
             CASE WHEN g % 50 = 0 THEN NULL ELSE now() - (g % 140) * interval '1 day' - (g % 1440) * interval '1 minute' + (600 + g % 7200) * interval '1 second' END,
             now()
      FROM generate_series(1, ${INCIDENTS}) g`);
    await client.query(`INSERT INTO pages (incident_id, person_id, message, status, created_at) SELECT g, 1 + g % 40, 'page', 'sent', now() - (g % 140) * interval '1 day' FROM generate_series(1, ${INCIDENTS / 5}) g`);
    await client.query('ANALYZE');
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

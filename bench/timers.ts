/**
 * npm run bench:timers: how late durable timers fire with 10,000 pending, and how long
 * "who is on call" takes for 1,000 schedules. Figures, not pass/fail; written to bench/results/timers.json.
 */
import { createBenchDatabase } from './support/bench-database.js';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openPostgres } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import { enqueueJobs } from '../src/engine/job-store.js';
import { JobWorker } from '../src/engine/job-worker.js';
import type { JobSpec } from '../src/engine/job.js';
import { createLogger } from '../src/logging.js';
import type { ScheduleConfig } from '../src/oncall/oncall-config.js';
import { whoIsOnCall } from '../src/oncall/on-call-at.js';
import { writeResult } from './support/bench-result.js';
import { QUICK } from './support/bench-settings.js';

const TIMERS = QUICK ? 200 : 10_000;
const SPREAD_MS = QUICK ? 1_000 : 10_000;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

async function timerLateness(replicas: number) {
  const created = await createBenchDatabase(`bench_timers_${process.pid}`);
  const url = new URL(created.url);
  const database = openPostgres({ connectionString: url.toString() });
  try {
    await migrate(database);
    const lateness: number[] = [];
    const fired = new Set<number>();
    const start = Date.now() + 2_000;
    const specs: JobSpec[] = Array.from({ length: TIMERS }, (_, i) => ({
      kind: 'timer',
      payload: { i, due: start + Math.floor((i / TIMERS) * SPREAD_MS) },
      dueAt: new Date(start + Math.floor((i / TIMERS) * SPREAD_MS)),
    }));
    for (let i = 0; i < specs.length; i += 1_000) await database.transaction((tx) => enqueueJobs(tx, specs.slice(i, i + 1_000)));
    const log = createLogger('silent');
    const workers = Array.from(
      { length: replicas },
      (_, r) =>
        new JobWorker(
          database,
          new Map([
            [
              'timer',
              async (job) => {
                lateness.push(Date.now() - Number(job.payload.due));
                fired.add(Number(job.payload.i));
              },
            ],
          ]),
          log,
          { workerId: `bench-${r}` },
        ),
    );
    workers.forEach((worker) => worker.start());
    const deadline = Date.now() + SPREAD_MS + 30_000;
    while (fired.size < TIMERS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    await Promise.all(workers.map((worker) => worker.stop()));
    lateness.sort((a, b) => a - b);
    return { replicas, timers: TIMERS, fired: fired.size, firedTwice: lateness.length - fired.size, p50ms: percentile(lateness, 0.5), p99ms: percentile(lateness, 0.99), maxms: lateness.at(-1) ?? 0 };
  } finally {
    await database.close();
    await created.drop();
  }
}

function whoIsOnCallCost() {
  const zones = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC'];
  const schedules: ScheduleConfig[] = Array.from({ length: 1_000 }, (_, i) => ({
    key: `s${i}`,
    name: `s${i}`,
    timeZone: zones[i % zones.length]!,
    layers: [
      { name: 'weekly', participants: ['a', 'b', 'c', 'd'], rotation: { kind: 'weekly' }, handoffTime: '09:00', handoffWeekday: 1, start: '2025-01-06', restrictions: [] },
      {
        name: 'day',
        participants: ['e', 'f'],
        rotation: { kind: 'daily' },
        handoffTime: '08:00',
        start: '2025-01-01',
        restrictions: [{ weekdays: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }],
      },
    ],
  }));
  const at = new Date();
  for (const schedule of schedules.slice(0, 50)) whoIsOnCall(schedule, [], at);
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    for (const schedule of schedules) whoIsOnCall(schedule, [], at);
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  return { schedules: schedules.length, medianMs: runs[2]!, perScheduleUs: (runs[2]! * 1000) / schedules.length };
}

async function main(): Promise<void> {
  console.log(`timers benchmark: ${TIMERS} pending timers due over ${SPREAD_MS / 1000} s, on PostgreSQL\n`);
  const one = await timerLateness(1);
  const two = await timerLateness(2);
  const who = whoIsOnCallCost();
  for (const r of [one, two]) {
    console.log(`${r.replicas} worker(s): fired ${r.fired}/${r.timers}, twice ${r.firedTwice}; lateness p50 ${r.p50ms} ms, p99 ${r.p99ms} ms, max ${r.maxms} ms`);
  }
  console.log(`who is on call for ${who.schedules} schedules: ${who.medianMs.toFixed(1)} ms (${who.perScheduleUs.toFixed(1)} µs each)`);
  const file = writeResult('timers', {
    lateness: [one, two],
    whoIsOnCall: who,
    headlines: [
      ...[one, two].map((r) => ({ label: `timer lateness p99, ${r.replicas} worker(s), ${r.timers} timers`, value: r.p99ms, unit: `ms (p50 ${r.p50ms} ms, fired twice ${r.firedTwice})` })),
      { label: `who is on call, ${who.schedules} schedules`, value: Math.round(who.medianMs * 10) / 10, unit: `ms (${who.perScheduleUs.toFixed(1)} µs each)` },
    ],
  });
  console.log(`\nwritten to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

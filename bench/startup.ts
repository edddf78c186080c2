/**
 * npm run bench:startup: from spawning the bot to its first 200 from /readyz, on a fresh DATA_DIR
 * or database (first start: initdb, migrations, token) and on an existing one (a restart),
 * on embedded PGlite and on PostgreSQL. Median of several runs; written to bench/results/startup.json.
 */
import { performance } from 'node:perf_hooks';
import { ADMIN_URL, QUICK } from './support/bench-settings.js';
import { describeTarget, target, writeResult } from './support/bench-result.js';
import { freePort, spawnBot, waitUntil } from './support/processes.js';
import { freshStorage, STORAGES, type StorageKind, type StorageUnderTest } from './support/storage-under-test.js';

const RUNS = QUICK ? 1 : 5;
const TARGET_MS = 3_000;

interface StartupFigures {
  storage: StorageKind;
  start: 'fresh' | 'existing';
  runsMs: number[];
  medianMs: number;
}

/** Spawn to the first 200 from /readyz, polled every 10 ms; then a clean SIGTERM stop. */
async function timeOneStart(storage: StorageUnderTest): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawnBot(storage.env, port);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitUntil('/readyz', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 60_000, 10),
      exited.then(() => Promise.reject(new Error('the bot exited before it was ready'))),
    ]);
    return performance.now() - started;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function measure(kind: StorageKind): Promise<StartupFigures[]> {
  const fresh: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const storage = await freshStorage(kind, 'startup');
    try {
      fresh.push(await timeOneStart(storage));
    } finally {
      await storage.remove();
    }
  }
  const existing: number[] = [];
  const storage = await freshStorage(kind, 'startup');
  try {
    await timeOneStart(storage); // the first start creates it; the timed ones are restarts
    for (let run = 0; run < RUNS; run++) existing.push(await timeOneStart(storage));
  } finally {
    await storage.remove();
  }
  const figures = (start: 'fresh' | 'existing', runs: number[]): StartupFigures => ({
    storage: kind,
    start,
    runsMs: runs.map(Math.round),
    medianMs: Math.round(median(runs)),
  });
  return [figures('fresh', fresh), figures('existing', existing)];
}

async function main(): Promise<void> {
  console.log(`start-up benchmark: spawn to first 200 from /readyz, median of ${RUNS} run(s) per case, PostgreSQL at ${new URL(ADMIN_URL).host}\n`);
  const results: StartupFigures[] = [];
  for (const kind of STORAGES) results.push(...(await measure(kind)));
  for (const r of results) console.log(`${r.storage.padEnd(8)} ${r.start.padEnd(8)} median ${r.medianMs} ms (runs ${r.runsMs.join(', ')} ms)`);
  const pglite = results.filter((r) => r.storage === 'pglite');
  const targets = pglite.map((r) => target(`start to /readyz, embedded storage, ${r.start} DATA_DIR`, r.medianMs, TARGET_MS, 'ms'));
  console.log('');
  for (const t of targets) console.log(describeTarget(t));
  const file = writeResult('startup', {
    runsPerCase: RUNS,
    results,
    headlines: results.map((r) => ({ label: `start to /readyz, ${r.storage}, ${r.start}`, value: r.medianMs, unit: 'ms median' })),
    targets,
  });
  console.log(`\nwritten to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * npm run bench:idle-memory: resident memory of the real bot process at rest, with the shipped
 * playbooks and oncall.yaml, on embedded PGlite (first start and restart) and on PostgreSQL.
 * Sampled after the bot settles; written to bench/results/idle-memory.json.
 */
import { QUICK } from './support/bench-settings.js';
import { describeTarget, target, writeResult } from './support/bench-result.js';
import { residentMiB, startBotProcess } from './support/processes.js';
import { freshStorage, STORAGES, type StorageKind, type StorageUnderTest } from './support/storage-under-test.js';

const SETTLE_MS = QUICK ? 500 : 5_000;
const SAMPLE_MS = QUICK ? 1_000 : 10_000;
const EVERY_MS = 250;
const TARGET_MIB = 200;

interface MemoryFigures {
  storage: StorageKind;
  start: 'first' | 'restart';
  samples: number;
  medianMiB: number;
  maxMiB: number;
}

async function sampleIdle(kind: StorageKind, start: MemoryFigures['start'], storage: StorageUnderTest): Promise<MemoryFigures> {
  const bot = await startBotProcess(storage.env);
  try {
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const samples: number[] = [];
    for (let at = 0; at < SAMPLE_MS; at += EVERY_MS) {
      samples.push(residentMiB(bot.child.pid!));
      await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
    }
    samples.sort((a, b) => a - b);
    const round = (n: number) => Math.round(n * 10) / 10;
    return { storage: kind, start, samples: samples.length, medianMiB: round(samples[Math.floor(samples.length / 2)]!), maxMiB: round(samples.at(-1)!) };
  } finally {
    await bot.stop();
  }
}

async function main(): Promise<void> {
  console.log(`idle memory benchmark: RSS of the bot process, ${SETTLE_MS / 1000} s after ready, sampled every ${EVERY_MS} ms for ${SAMPLE_MS / 1000} s\n`);
  const results: MemoryFigures[] = [];
  for (const kind of STORAGES) {
    const storage = await freshStorage(kind, 'idle');
    try {
      results.push(await sampleIdle(kind, 'first', storage));
      results.push(await sampleIdle(kind, 'restart', storage));
    } finally {
      await storage.remove();
    }
  }
  for (const r of results) console.log(`${r.storage.padEnd(8)} ${r.start.padEnd(7)} RSS median ${r.medianMiB} MiB, max ${r.maxMiB} MiB`);
  const worstEmbedded = Math.max(...results.filter((r) => r.storage === 'pglite').map((r) => r.maxMiB));
  const targets = [target('idle RSS, embedded storage (worst of first start and restart)', worstEmbedded, TARGET_MIB, 'MiB')];
  console.log('');
  for (const t of targets) console.log(describeTarget(t));
  const file = writeResult('idle-memory', {
    settleMs: SETTLE_MS,
    sampleMs: SAMPLE_MS,
    results,
    headlines: results.map((r) => ({ label: `idle RSS, ${r.storage}, ${r.start === 'first' ? 'first start' : 'restart'}`, value: r.medianMiB, unit: 'MiB median' })),
    targets,
  });
  console.log(`\nwritten to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

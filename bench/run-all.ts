/**
 * npm run bench: every benchmark, one after another, each in its own process (so one's memory
 * and timers never colour the next). Gathers their result files and the machine they ran on
 * into bench/results/latest.json and prints one short table, with each target met or missed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/project-root.js';
import { describeTarget, type Headline, type Target } from './support/bench-result.js';
import { ADMIN_URL, BENCHMARKS, nodeArgs, QUICK, resultsDir } from './support/bench-settings.js';
import { describeMachine } from './support/machine.js';

interface BenchmarkResult {
  headlines: Headline[];
  targets: Target[];
  at: string;
}

async function main(): Promise<void> {
  const machine = await describeMachine(ADMIN_URL);
  console.log(`benchmarks${QUICK ? ' (BENCH_QUICK: tiny sizes, figures meaningless)' : ''} on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, PostgreSQL ${machine.postgres}, load ${machine.loadAverageAtStart}\n`);
  const benchmarks: Record<string, unknown> = {};
  const failed: string[] = [];
  for (const name of BENCHMARKS) {
    console.log(`== ${name}`);
    const startedAt = new Date().toISOString();
    const run = spawnSync(process.execPath, nodeArgs(`bench/${name}`), { cwd: projectRoot(), stdio: 'inherit', env: process.env });
    const file = join(resultsDir(), `${name}.json`);
    const result = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BenchmarkResult) : undefined;
    // A result file left by an earlier run must not pass for this one's.
    if (run.status !== 0 || !result || result.at < startedAt) {
      failed.push(name);
      console.log(`${name} FAILED (exit ${run.status ?? run.signal})\n`);
      continue;
    }
    benchmarks[name] = result;
    console.log('');
  }
  const targets = Object.values(benchmarks).flatMap((result) => (result as BenchmarkResult).targets);
  const latest = join(resultsDir(), 'latest.json');
  // Others' work on a shared machine shows in the load average; the figures are read beside it.
  const loadAverageAtEnd = Math.round(loadavg()[0]! * 100) / 100;
  writeFileSync(latest, JSON.stringify({ date: new Date().toISOString(), quick: QUICK, machine: { ...machine, loadAverageAtEnd }, targets, failed, benchmarks }, null, 2) + '\n');
  printSummary(benchmarks, targets, failed);
  console.log(`\nwritten to ${latest}`);
  if (failed.length) process.exit(1);
}

function printSummary(benchmarks: Record<string, unknown>, targets: Target[], failed: string[]): void {
  const lines = Object.entries(benchmarks).flatMap(([name, result]) =>
    (result as BenchmarkResult).headlines.map((h) => [name, h.label, String(h.value), h.unit]),
  );
  const widths = [0, 1, 2].map((i) => Math.max(...lines.map((l) => l[i]!.length)));
  console.log('== summary');
  for (const [name, label, value, unit] of lines) console.log(`${name!.padEnd(widths[0]!)}  ${label!.padEnd(widths[1]!)}  ${value!.padStart(widths[2]!)} ${unit}`);
  console.log('');
  for (const t of targets) console.log(describeTarget(t));
  if (failed.length) console.log(`failed: ${failed.join(', ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

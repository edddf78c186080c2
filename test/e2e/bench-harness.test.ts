import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BENCHMARKS } from '../../bench/support/bench-settings.js';
import { projectRoot } from '../../src/project-root.js';
import { childEnv, collect } from '../support/run-cli.js';

interface Latest {
  quick: boolean;
  failed: string[];
  machine: { cpuModel: string; cores: number; memoryGiB: number; node: string; postgres: string; date: string };
  targets: { name: string; value: number; limit: number; met: boolean; atLeast?: boolean }[];
  benchmarks: Record<string, { headlines: { label: string; value: number }[]; [key: string]: unknown }>;
}

// `npm run bench` in its tiny BENCH_QUICK form: every benchmark runs against real bot processes
// and lands in one latest.json. Figures are not judged here (no timing assertions in tests);
// that they exist, and the storm's and timers' outcomes, are.
describe.skipIf(!process.env.TEST_DATABASE_URL)('npm run bench (BENCH_QUICK)', () => {
  const results = mkdtempSync(join(tmpdir(), 'bench-results-'));
  afterAll(() => rmSync(results, { recursive: true, force: true }));

  it('writes one latest.json with the machine, every benchmark with numeric figures, and both targets', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot(), 'bench', 'run-all.ts')], {
      cwd: projectRoot(),
      env: childEnv({ BENCH_QUICK: '1', BENCH_RESULTS_DIR: results, TEST_DATABASE_URL: process.env.TEST_DATABASE_URL }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run = await collect(child);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('== summary');

    const latest = JSON.parse(readFileSync(join(results, 'latest.json'), 'utf8')) as Latest;
    expect(latest.quick).toBe(true);
    expect(latest.failed).toEqual([]);
    expect(latest.machine.cores).toBeGreaterThan(0);
    expect(latest.machine.node).toBe(process.version);
    expect(latest.machine.postgres).toMatch(/^\d+/);
    expect(Object.keys(latest.benchmarks).sort()).toEqual([...BENCHMARKS].sort());
    for (const [name, result] of Object.entries(latest.benchmarks)) {
      expect(result.headlines.length, name).toBeGreaterThan(0);
      for (const headline of result.headlines) expect(Number.isFinite(headline.value) && headline.value >= 0, `${name}: ${headline.label}`).toBe(true);
    }

    const targetNames = latest.targets.map((t) => t.name).join('\n');
    expect(targetNames).toMatch(/idle RSS, embedded storage/);
    expect(targetNames).toMatch(/start to \/readyz, embedded storage, fresh/);
    expect(targetNames).toMatch(/start to \/readyz, embedded storage, existing/);
    for (const t of latest.targets) expect(t.met).toBe(t.atLeast ? t.value >= t.limit : t.value < t.limit);

    // The storm collapses into one alert per fingerprint and one incident per group, on both storages.
    const storm = latest.benchmarks.storm as unknown as { results: { storage: string; result: { errors: number }; outcome: { alerts: number; incidents: number } }[] };
    expect(storm.results.map((r) => [r.storage, r.result.errors, r.outcome.alerts, r.outcome.incidents])).toEqual([
      ['postgres', 0, 100, 10],
      ['pglite', 0, 100, 10],
    ]);
    // Every durable timer fires, none twice.
    const timers = latest.benchmarks.timers as unknown as { lateness: { timers: number; fired: number; firedTwice: number }[] };
    for (const run of timers.lateness) expect([run.fired, run.firedTwice]).toEqual([run.timers, 0]);
    // Every page due at once reaches the provider, once, with one engine and with two.
    const paging = latest.benchmarks.paging as unknown as { runs: { replicas: number; pages: number; reached: number }[] };
    expect(paging.runs.map((run) => [run.replicas, run.reached === run.pages])).toEqual([
      [1, true],
      [2, true],
    ]);
  }, 900_000);
});

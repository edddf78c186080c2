/**
 * npm run bench:ingest: how fast the bot takes alerts durably, beside what the machine can do.
 * Prints a table and writes bench/results/ingest.json. Figures, not pass/fail. (The alert
 * storm is its own benchmark: bench/storm.ts.)
 */
import { createBenchDatabase } from './support/bench-database.js';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { alertmanagerBatch } from './support/alert-payloads.js';
import { writeResult } from './support/bench-result.js';
import { ADMIN_URL, QUICK } from './support/bench-settings.js';
import { httpPool, runLoad, type LoadResult } from './support/load.js';
import { freePort, startBotProcess, waitUntil } from './support/processes.js';

const TOKEN = 'bench-webhook-token-0123456789';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 10));
const CONCURRENCY = 16;
const FINGERPRINTS = QUICK ? 100 : 1_000;

type Row = { name: string; storage: string; result: LoadResult; note?: string };
const rows: Row[] = [];
const extras: Record<string, unknown> = {};

function genericAlert(i: number, extra: Record<string, unknown> = {}) {
  const n = i % FINGERPRINTS;
  return { title: `Latency high on api-${n}`, fingerprint: `bench-${n}`, severity: 'warning', service: `api-${n % 50}`, starts_at: '2026-11-24T00:00:00Z', ...extra };
}

async function benchBot(storage: 'postgres' | 'pglite'): Promise<void> {
  // Capacity is measured with the rate limiter on the path but far above what 16 senders reach.
  const env: Record<string, string> = { WEBHOOK_TOKEN: TOKEN, WEBHOOK_RATE_LIMIT: '1000000/s', WEBHOOK_RATE_LIMIT_PER_ADDRESS: '1000000/s' };
  let cleanup: () => Promise<void> = async () => {};
    if (storage === 'postgres') {
    const created = await createBenchDatabase(`bench_ingest_${process.pid}`);
    env.DATABASE_URL = created.url;
    cleanup = created.drop;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
    env.DATA_DIR = dir;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const bot = await startBotProcess(env);
  const http = httpPool(bot.url, CONCURRENCY);
  const post = (path: string, body: unknown) => http.post(path, body, { authorization: `Bearer ${TOKEN}` });
  try {
    // Every fingerprint exists before the timed runs, so they measure dedup, as in steady state.
    const warm = await runLoad({ concurrency: CONCURRENCY, totalRequests: FINGERPRINTS, send: (i) => post('/webhooks/generic', genericAlert(i)) });
    rows.push({ name: `first sight of ${FINGERPRINTS} alerts (opens incidents)`, storage, result: warm });
    rows.push({
      name: 'single-alert requests, repeats (dedup)',
      storage,
      result: await runLoad({ concurrency: CONCURRENCY, durationMs: SECONDS * 1000, send: (i) => post('/webhooks/generic', genericAlert(i)) }),
    });
    rows.push({
      name: 'single-alert requests, changed content',
      storage,
      result: await runLoad({
        concurrency: CONCURRENCY,
        durationMs: SECONDS * 1000,
        send: (i) => post('/webhooks/generic', genericAlert(i, { description: `p99 latency sample ${i}` })),
      }),
      note: 'every request updates its alert row',
    });
    const batches = await runLoad({
      concurrency: CONCURRENCY,
      durationMs: SECONDS * 1000,
      send: (i) => post('/webhooks/alertmanager', alertmanagerBatch(i * 10, 10, FINGERPRINTS, 100)),
    });
    rows.push({ name: 'Alertmanager batches of 10', storage, result: batches, note: `${Math.round(batches.perSecond * 10)} alerts/s` });
  } finally {
    await http.close();
    await bot.stop();
    await cleanup();
  }
}

async function benchPgbench(): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  await client.query('DROP TABLE IF EXISTS bench_upsert; CREATE TABLE bench_upsert (k int PRIMARY KEY, v text, n int)');
  await client.end();
  const dir = mkdtempSync(join(tmpdir(), 'pgbench-'));
  const script = join(dir, 'upsert.sql');
  writeFileSync(script, `\\set k random(1, ${FINGERPRINTS})\nINSERT INTO bench_upsert (k, v, n) VALUES (:k, 'alert', 1) ON CONFLICT (k) DO UPDATE SET n = bench_upsert.n + 1, v = EXCLUDED.v;\n`);
  const url = new URL(ADMIN_URL);
  const result = spawnSync(
    'pgbench',
    ['-n', '-c', String(CONCURRENCY), '-j', '2', '-T', String(SECONDS), '-f', script, '-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', url.pathname.slice(1)],
    { encoding: 'utf8' },
  );
  rmSync(dir, { recursive: true, force: true });
  const tps = /tps = ([\d.]+)/.exec(result.stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(result.stdout)?.[1];
  extras.pgbench = { upsertsPerSecond: tps ? Number(tps) : null, latencyAverageMs: latency ? Number(latency) : null, error: tps ? undefined : result.stderr.slice(0, 500) };
}

async function benchAlertmanager(): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v prometheus-alertmanager']).status !== 0) {
    extras.alertmanager = { error: 'prometheus-alertmanager not installed' };
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-am-'));
  writeFileSync(join(dir, 'am.yml'), 'route:\n  receiver: none\nreceivers:\n  - name: none\n');
  const port = await freePort();
  const am = spawn(
    'prometheus-alertmanager',
    [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil('Alertmanager', async () => (await fetch(`${url}/-/ready`)).ok);
    const amHttp = httpPool(url, CONCURRENCY);
    const result = await runLoad({
      concurrency: CONCURRENCY,
      durationMs: SECONDS * 1000,
      send: (i) => amHttp.post('/api/v2/alerts', [{ labels: { alertname: 'Bench', instance: `node-${i % FINGERPRINTS}` }, annotations: { summary: 'x' } }]),
    });
    await amHttp.close();
    rows.push({ name: 'Prometheus Alertmanager /api/v2/alerts (memory, not durable)', storage: 'memory', result });
  } finally {
    am.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(): void {
  const header = ['benchmark', 'storage', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'note'];
  const lines = rows.map((r) => [
    r.name,
    r.storage,
    r.result.perSecond.toFixed(0),
    r.result.p50ms.toFixed(2),
    r.result.p99ms.toFixed(2),
    String(r.result.errors),
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(format(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const line of lines) console.log(format(line));
  const pgb = extras.pgbench as { upsertsPerSecond: number | null; latencyAverageMs: number | null } | undefined;
  if (pgb) console.log(`\npgbench single-row upsert, ${CONCURRENCY} clients: ${pgb.upsertsPerSecond?.toFixed(0) ?? '?'} tps (avg ${pgb.latencyAverageMs ?? '?'} ms)`);
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  console.log(`ingest benchmark: ${CONCURRENCY} concurrent senders, ${SECONDS} s per run, ${machine.cpus} cores, Node ${machine.node}\n`);
  if (!only || only === 'postgres') await benchBot('postgres');
  if (!only || only === 'pglite') await benchBot('pglite');
  if (!only || only === 'reference') {
    await benchPgbench();
    await benchAlertmanager();
  }
  printTable();
  const headlines = rows.map((r) => ({ label: `${r.name}, ${r.storage}`, value: Math.round(r.result.perSecond), unit: `req/s, p99 ${r.result.p99ms.toFixed(1)} ms` }));
  const pgbench = extras.pgbench as { upsertsPerSecond: number | null } | undefined;
  if (pgbench?.upsertsPerSecond) headlines.push({ label: 'pgbench single-row upserts (reference)', value: Math.round(pgbench.upsertsPerSecond), unit: 'tps' });
  const file = writeResult('ingest', { machine, concurrency: CONCURRENCY, seconds: SECONDS, rows, ...extras, headlines });
  console.log(`\nwritten to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

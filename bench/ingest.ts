/**
 * npm run bench:ingest: how fast the bot takes alerts durably, beside what the machine can do.
 * Three scenarios of one Alertmanager alert per request, as a storm of ungrouped alerts sends
 * them: repeats of known alerts (dedup), alerts whose annotation changes on every request, and
 * alerts that each open a new incident. Each is printed beside pgbench's single-row upsert rate
 * from the same run, as a ratio to it, with the targets of issue 20. Prints a table and writes
 * bench/results/ingest.json. (The alert storm is its own benchmark: bench/storm.ts.)
 */
import { createBenchDatabase } from './support/bench-database.js';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { alertmanagerBatch, alertmanagerSingle } from './support/alert-payloads.js';
import { describeTarget, floorTarget, target, writeResult, type Target } from './support/bench-result.js';
import { ADMIN_URL, QUICK } from './support/bench-settings.js';
import { httpPool, runLoad, type LoadResult } from './support/load.js';
import { rawHttpPool } from './support/raw-http.js';
import { freePort, jobsDue, startBotProcess, waitForJobsDone, waitUntil } from './support/processes.js';

const TOKEN = 'bench-webhook-token-0123456789';
const SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 1 : 10));
const CONCURRENCY = 16;
const FINGERPRINTS = QUICK ? 100 : 1_000;
/**
 * BENCH_ROUNDS=N runs each timed scenario (and pgbench) N times in a row and reports the median
 * round, every round's rate in the note: on shared machines one run's figures move by a third.
 */
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 1)) || 1);

/** The median of `rounds` runs of `run` (by rate), and each run's rate, in the order run. */
async function medianOf(run: () => Promise<LoadResult>): Promise<{ result: LoadResult; rates: number[] }> {
  const results: LoadResult[] = [];
  for (let round = 0; round < ROUNDS; round++) results.push(await run());
  const sorted = [...results].sort((a, b) => a.perSecond - b.perSecond);
  return { result: sorted[Math.floor((sorted.length - 1) / 2)]!, rates: results.map((r) => Math.round(r.perSecond)) };
}

/** A row's note, with every round's rate when there were several. */
function withRounds(note: string | undefined, rates: number[]): string | undefined {
  if (rates.length < 2) return note;
  const rounds = `median of ${rates.length} rounds: ${rates.join(', ')} req/s`;
  return note ? `${note}; ${rounds}` : rounds;
}

/** The three scenarios of issue 20, and what each must reach as a share of pgbench's upsert rate. */
const SCENARIOS = {
  repeats: { name: 'repeats of known alerts (dedup)', outcome: 'unchanged', ratio: 1.0, p99ms: 20 },
  changes: { name: 'alerts whose annotation changes', outcome: 'updated', ratio: 0.5, p99ms: 20 },
  opens: { name: 'alerts that each open an incident', outcome: 'created', ratio: 0.15, p99ms: undefined },
} as const;
type Scenario = keyof typeof SCENARIOS;

type Row = { name: string; storage: string; result: LoadResult; scenario?: Scenario; note?: string };
const rows: Row[] = [];
const extras: Record<string, unknown> = {};

async function benchBot(storage: 'postgres' | 'pglite'): Promise<void> {
  // Capacity is measured with the rate limiter on the path but far above what 16 senders reach.
  const env: Record<string, string> = { WEBHOOK_TOKEN: TOKEN, WEBHOOK_RATE_LIMIT: '1000000/s', WEBHOOK_RATE_LIMIT_PER_ADDRESS: '1000000/s' };
  let cleanup: () => Promise<void> = async () => {};
  if (storage === 'postgres') {
    const created = await createBenchDatabase(`bench_ingest_${process.pid}`);
    env.DATABASE_URL = created.url;
    // BENCH_PROCESSES=auto runs one bot process per core (README, "Using every core"). On two
    // cores shared with PostgreSQL and the load generator it took more batches, about as many
    // single alerts and a tenth fewer new incidents than one (README, 2026-12-05).
    env.PROCESSES = process.env.BENCH_PROCESSES ?? '1';
    cleanup = created.drop;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
    env.DATA_DIR = dir;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  const bot = await startBotProcess(env);
  const http = httpPool(bot.url, 1);
  // The timed loops send through a lean client, so the load generator takes little of the CPU
  // the bot and the database share with it (see raw-http.ts).
  const raw = rawHttpPool(bot.url, CONCURRENCY);
  const auth = { authorization: `Bearer ${TOKEN}` };
  const post = (body: unknown) => raw.post('/webhooks/alertmanager', body, auth);
  // Before each timed run, one request shows the scenario does what its name says.
  const expectOutcome = async (scenario: Scenario, body: unknown) => {
    const answer = await http.postForAnswer('/webhooks/alertmanager', body, auth);
    const outcome = (answer.body as { alerts?: { outcome: string }[] }).alerts?.[0]?.outcome;
    if (outcome !== SCENARIOS[scenario].outcome) throw new Error(`${scenario} on ${storage}: expected "${SCENARIOS[scenario].outcome}", the bot answered ${answer.status} ${JSON.stringify(answer.body)}`);
  };
  const timed = (send: (i: number) => Promise<{ status: number }>) => runLoad({ concurrency: CONCURRENCY, durationMs: SECONDS * 1000, send });
  try {
    // Every known fingerprint exists before the timed runs, so repeats and changes measure steady state.
    const warm = await runLoad({ concurrency: CONCURRENCY, totalRequests: FINGERPRINTS, send: (i) => post(alertmanagerSingle(`known-${i}`)) });
    rows.push({ name: `first sight of ${FINGERPRINTS} alerts (opens incidents)`, storage, result: warm });
    // What those incidents set going (escalation, playbooks, reminders) is done before the timed runs.
    extras[`${storage}JobsAfterWarmUpMs`] = await waitForJobsDone(bot.url);

    await expectOutcome('repeats', alertmanagerSingle('known-0'));
    const repeats = await medianOf(() => timed((i) => post(alertmanagerSingle(`known-${i % FINGERPRINTS}`))));
    rows.push({ name: SCENARIOS.repeats.name, storage, scenario: 'repeats', result: repeats.result, note: withRounds(undefined, repeats.rates) });

    let change = 0;
    await expectOutcome('changes', alertmanagerSingle('known-0', `sample ${change++}`));
    const changes = await medianOf(() => timed((i) => post(alertmanagerSingle(`known-${i % FINGERPRINTS}`, `sample ${change++}`))));
    rows.push({
      name: SCENARIOS.changes.name,
      storage,
      scenario: 'changes',
      result: changes.result,
      note: withRounds('every request updates its alert row (no chat set up: no sync job)', changes.rates),
    });

    const batches = await medianOf(() => timed((i) => post(alertmanagerBatch(i * 10, 10, FINGERPRINTS, 100))));
    rows.push({ name: 'Alertmanager batches of 10', storage, result: batches.result, note: withRounds(`${Math.round(batches.result.perSecond * 10)} alerts/s`, batches.rates) });

    let opened = 0;
    await expectOutcome('opens', alertmanagerSingle(`new-${opened++}`));
    const opens = await medianOf(() => timed(() => post(alertmanagerSingle(`new-${opened++}`))));
    rows.push({
      name: SCENARIOS.opens.name,
      storage,
      scenario: 'opens',
      result: opens.result,
      note: withRounds('each writes an incident, alert, link, playbook run, 3 timeline entries, 3 jobs', opens.rates),
    });
    // What those incidents set going runs beside the timed run; this says whether it kept up.
    const due = await jobsDue(bot.url);
    extras[`${storage}AfterOpens`] = { jobsDue: due, drainedInMs: await waitForJobsDone(bot.url) };
  } finally {
    await http.close();
    await raw.close();
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
  const runs: { tps: number; latency: number | null }[] = [];
  let error: string | undefined;
  for (let round = 0; round < ROUNDS && !error; round++) {
    const result = spawnSync(
      'pgbench',
      ['-n', '-c', String(CONCURRENCY), '-j', '2', '-T', String(SECONDS), '-f', script, '-h', url.hostname, '-p', url.port || '5432', '-U', url.username || 'postgres', url.pathname.slice(1)],
      { encoding: 'utf8' },
    );
    const tps = /tps = ([\d.]+)/.exec(result.stdout)?.[1];
    const latency = /latency average = ([\d.]+) ms/.exec(result.stdout)?.[1];
    if (tps) runs.push({ tps: Number(tps), latency: latency ? Number(latency) : null });
    else error = (result.stderr ?? String(result.error)).slice(0, 500);
  }
  rmSync(dir, { recursive: true, force: true });
  const median = [...runs].sort((a, b) => a.tps - b.tps)[Math.floor((runs.length - 1) / 2)];
  extras.pgbench = { upsertsPerSecond: median?.tps ?? null, latencyAverageMs: median?.latency ?? null, rounds: runs.map((run) => Math.round(run.tps)), error };
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
    const amHttp = rawHttpPool(url, CONCURRENCY);
    const result = await runLoad({
      concurrency: CONCURRENCY,
      durationMs: SECONDS * 1000,
      send: (i) => amHttp.post('/api/v2/alerts', [{ labels: { alertname: 'Bench', instance: `node-${i % FINGERPRINTS}` }, annotations: { summary: 'x' } }]),
    });
    await amHttp.close();
    rows.push({ name: 'Prometheus Alertmanager /api/v2/alerts (memory, not durable)', storage: 'memory', result });
  } finally {
    // Alertmanager writes its state files on the way out: wait for it before removing its folder.
    const exited = am.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => am.once('exit', () => resolve()));
    am.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

function upsertRate(): number | undefined {
  return (extras.pgbench as { upsertsPerSecond: number | null } | undefined)?.upsertsPerSecond ?? undefined;
}

function printTable(): void {
  const upserts = upsertRate();
  const header = ['benchmark', 'storage', 'req/s', 'x upsert', 'p50 ms', 'p99 ms', 'errors', 'note'];
  const lines = rows.map((r) => [
    r.name,
    r.storage,
    r.result.perSecond.toFixed(0),
    upserts && r.storage !== 'memory' ? (r.result.perSecond / upserts).toFixed(2) : '',
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
  const pgbRounds = (extras.pgbench as { rounds?: number[] } | undefined)?.rounds ?? [];
  if (pgb) console.log(`\npgbench single-row upsert, ${CONCURRENCY} clients, same run: ${pgb.upsertsPerSecond?.toFixed(0) ?? '?'} tps (avg ${pgb.latencyAverageMs ?? '?'} ms)${pgbRounds.length > 1 ? `, median of ${pgbRounds.join(', ')}` : ''}`);
}

/** Issue 20's targets, on PostgreSQL: each scenario's rate as a share of the upsert rate, and p99s. */
function targets(): Target[] {
  const upserts = upsertRate();
  if (!upserts) return [];
  const out: Target[] = [];
  for (const row of rows) {
    if (!row.scenario || row.storage !== 'postgres') continue;
    const scenario = SCENARIOS[row.scenario];
    out.push(floorTarget(`${scenario.name}, PostgreSQL, share of pgbench upserts`, Number((row.result.perSecond / upserts).toFixed(2)), scenario.ratio, 'x'));
    if (scenario.p99ms) out.push(target(`${scenario.name}, PostgreSQL, p99`, Number(row.result.p99ms.toFixed(1)), scenario.p99ms, 'ms'));
  }
  return out;
}

async function main(): Promise<void> {
  const only = process.argv[2];
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  console.log(`ingest benchmark: ${CONCURRENCY} concurrent senders, ${SECONDS} s per run, ${ROUNDS} round(s), ${machine.cpus} cores, Node ${machine.node}\n`);
  if (!only || only === 'reference') await benchPgbench();
  if (!only || only === 'postgres') await benchBot('postgres');
  if (!only || only === 'pglite') await benchBot('pglite');
  if (!only || only === 'reference') await benchAlertmanager();
  printTable();
  const upserts = upsertRate();
  const headlines = rows.map((r) => ({
    label: `${r.name}, ${r.storage}`,
    value: Math.round(r.result.perSecond),
    unit: `req/s, p99 ${r.result.p99ms.toFixed(1)} ms${upserts && r.storage !== 'memory' ? `, ${(r.result.perSecond / upserts).toFixed(2)}x upsert` : ''}`,
  }));
  if (upserts) headlines.push({ label: 'pgbench single-row upserts (reference)', value: Math.round(upserts), unit: 'tps' });
  for (const storage of ['postgres', 'pglite']) {
    const after = extras[`${storage}AfterOpens`] as { jobsDue: number; drainedInMs: number } | undefined;
    if (!after) continue;
    console.log(`after the opens run on ${storage}: ${after.jobsDue} follow-up jobs were due, done ${(after.drainedInMs / 1000).toFixed(1)} s later`);
    headlines.push({ label: `follow-up jobs due after the opens run, ${storage}`, value: after.jobsDue, unit: `jobs, done ${(after.drainedInMs / 1000).toFixed(1)} s later` });
  }
  const promised = targets();
  if (promised.length) {
    console.log('');
    for (const t of promised) console.log(describeTarget(t));
  }
  const file = writeResult('ingest', { machine, concurrency: CONCURRENCY, seconds: SECONDS, rounds: ROUNDS, rows, ...extras, headlines, targets: promised });
  console.log(`\nwritten to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

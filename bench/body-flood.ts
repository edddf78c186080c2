/**
 * npm run bench:body-flood: four unauthenticated senders post 1 MB deeply nested bodies to
 * /v2/enqueue in a loop (from addresses the rate limits let through), while one client measures
 * how long an authorised PagerDuty event (Bearer header, and routing key in the body) and
 * GET /healthz take. The same probes run first on the quiet bot, for comparison. Embedded
 * storage (the default). Written to bench/results/body-flood.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { writeResult } from './support/bench-result.js';
import { QUICK } from './support/bench-settings.js';
import { startBotProcess } from './support/processes.js';
import { freshStorage } from './support/storage-under-test.js';

const TOKEN = 'bench-webhook-token-0123456789';
const ROUTING_KEY = 'Rbench0123456789abcdef0123456789';
const SENDERS = 4;
const BODY_BYTES = 1_000_000;
const PROBES = QUICK ? 5 : 30;
const PAUSE_MS = 50;
/** Each measuring phase stops after PROBES rounds or this long, whichever comes first. */
const PHASE_MS = QUICK ? 10_000 : 90_000;

/** A PagerDuty-looking event whose payload is one array nested as deep as 1 MB allows. */
export function deeplyNestedBody(bytes: number): string {
  const head = '{"routing_key":"not-a-key","event_action":"trigger","payload":';
  const depth = Math.floor((bytes - head.length - 1) / 2);
  return head + '['.repeat(depth) + ']'.repeat(depth) + '}';
}

interface Probe {
  name: string;
  samples: number[];
}

interface Summary {
  name: string;
  samples: number;
  p50ms: number;
  p90ms: number;
  maxms: number;
}

function summarize(probe: Probe): Summary {
  const sorted = [...probe.samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return { name: probe.name, samples: sorted.length, p50ms: round(at(0.5)), p90ms: round(at(0.9)), maxms: round(sorted.at(-1) ?? 0) };
}

async function timed(send: () => Promise<number>, expected: number): Promise<number> {
  const started = performance.now();
  const status = await send();
  const ms = performance.now() - started;
  if (status !== expected) throw new Error(`probe answered ${status}, expected ${expected}`);
  return ms;
}

async function measure(url: string, label: string): Promise<Summary[]> {
  const pool = new Pool(url, { connections: 1, pipelining: 1 });
  const request = async (path: string, method: 'GET' | 'POST', body?: unknown, headers: Record<string, string> = {}) => {
    const response = await pool.request({ path, method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    await response.body.dump();
    return response.statusCode;
  };
  const event = (i: number, routingKey: string) => ({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: `${label}-${routingKey === ROUTING_KEY ? 'key' : 'bearer'}-${i}`,
    payload: { summary: `probe ${i}`, source: 'bench', severity: 'warning' },
  });
  const probes: Probe[] = [
    { name: 'authorised event (Bearer header)', samples: [] },
    { name: 'authorised event (routing key)', samples: [] },
    { name: 'GET /healthz', samples: [] },
  ];
  const deadline = performance.now() + PHASE_MS;
  try {
    for (let i = 0; i < PROBES && performance.now() < deadline; i++) {
      probes[0]!.samples.push(await timed(() => request('/v2/enqueue', 'POST', event(i, 'unconfigured-key'), { authorization: `Bearer ${TOKEN}` }), 202));
      probes[1]!.samples.push(await timed(() => request('/v2/enqueue', 'POST', event(i, ROUTING_KEY)), 202));
      probes[2]!.samples.push(await timed(() => request('/healthz', 'GET'), 200));
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  } finally {
    await pool.close();
  }
  return probes.map(summarize);
}

/** The four senders: each posts its next body as soon as the last is answered, until told to stop. */
function flood(url: string, body: string) {
  const pool = new Pool(url, { connections: SENDERS, pipelining: 1 });
  const statuses: Record<string, number> = {};
  let stopped = false;
  const senders = Array.from({ length: SENDERS }, async () => {
    while (!stopped) {
      try {
        const response = await pool.request({ path: '/v2/enqueue', method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.body.dump();
        statuses[response.statusCode] = (statuses[response.statusCode] ?? 0) + 1;
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'error';
        statuses[code] = (statuses[code] ?? 0) + 1;
      }
    }
  });
  return {
    statuses,
    async stop() {
      stopped = true;
      await Promise.all(senders);
      await pool.close();
    },
  };
}

async function main(): Promise<void> {
  console.log(`body flood: ${SENDERS} unauthenticated senders posting ${BODY_BYTES} byte deeply nested bodies to /v2/enqueue; ${PROBES} probes each\n`);
  const storage = await freshStorage('pglite', 'body-flood');
  const dir = mkdtempSync(join(tmpdir(), 'bench-body-flood-'));
  const oncallFile = join(dir, 'oncall.yaml');
  writeFileSync(oncallFile, `pagerduty_routing_keys:\n  ${ROUTING_KEY}: default\n`);
  const bot = await startBotProcess({
    ...storage.env,
    ONCALL_FILE: oncallFile,
    WEBHOOK_TOKEN: TOKEN,
    // As if the senders came from many addresses: the body handling is what is measured.
    WEBHOOK_RATE_LIMIT: '1000000/s',
    WEBHOOK_RATE_LIMIT_PER_ADDRESS: '1000000/s',
  });
  // Stopped from outside (a time limit), the bot goes too.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void bot.stop().finally(() => process.exit(1)));
  try {
    const quiet = await measure(bot.url, 'quiet');
    const attack = flood(bot.url, deeplyNestedBody(BODY_BYTES));
    let flooded: Summary[];
    try {
      flooded = await measure(bot.url, 'flood');
    } finally {
      await attack.stop();
    }
    const rows = quiet.map((q, i) => ({ name: q.name, quiet: q, flooded: flooded[i]! }));
    for (const row of rows) {
      console.log(
        `${row.name.padEnd(34)} quiet p50 ${row.quiet.p50ms} ms, p90 ${row.quiet.p90ms} ms; flooded p50 ${row.flooded.p50ms} ms, p90 ${row.flooded.p90ms} ms, max ${row.flooded.maxms} ms (${row.flooded.samples} samples)`,
      );
    }
    console.log(`flood answers: ${JSON.stringify(attack.statuses)}`);
    const file = writeResult('body-flood', {
      senders: SENDERS,
      bodyBytes: BODY_BYTES,
      probes: PROBES,
      rows,
      floodAnswers: attack.statuses,
      headlines: rows.map((row) => ({ label: `${row.name} under flood, p50`, value: row.flooded.p50ms, unit: `ms (quiet ${row.quiet.p50ms} ms)` })),
      loadAverage: loadavg()[0],
    });
    console.log(`\nwritten to ${file}`);
  } finally {
    await bot.stop();
    await storage.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * npm run bench:paging: 1,000 escalation steps fall due at the same instant, each paging its own
 * person by SMS. Measured per page, from the instant the step fell due to the moment the SMS
 * request reached a Twilio-compatible endpoint (a local HTTP server answering as Twilio does):
 * p50, p99 and max, with one engine and with two replicas on one PostgreSQL database, the phone
 * limit (PAGE_RATE_LIMIT) on the path. Written to bench/results/paging.json.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeGeneric } from '../src/alerts/generic.js';
import { openPostgres } from '../src/db/database.js';
import { migrate } from '../src/db/migrator.js';
import { sql } from '../src/db/sql.js';
import { Delivery } from '../src/delivery/delivery.js';
import { pageDeliveryHandler } from '../src/delivery/page-delivery.js';
import { escalationEffects, escalationStepHandler } from '../src/engine/escalation-jobs.js';
import { ESCALATION_STEP_JOB, INCIDENT_SYNC_JOB, PAGE_DELIVERY_JOB } from '../src/engine/job-kinds.js';
import { JobWorker } from '../src/engine/job-worker.js';
import { AlertIntake } from '../src/incidents/alert-intake.js';
import { createLogger } from '../src/logging.js';
import { syncDirectory } from '../src/oncall/directory-sync.js';
import { levelTargetResolver, overridesFromDatabase } from '../src/oncall/level-target-resolver.js';
import { emptyOncallConfig, type OncallConfig } from '../src/oncall/oncall-config.js';
import { contactPlanner, pagingJobHandlers } from '../src/paging/paging.js';
import { twilioSmsPort } from '../src/paging/sms/twilio-sms-port.js';
import { systemClock } from '../src/time/clock.js';
import { createBenchDatabase } from './support/bench-database.js';
import { writeResult } from './support/bench-result.js';
import { QUICK } from './support/bench-settings.js';

const PAGES = QUICK ? 50 : 1_000;
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const LEAD_MS = 2_000;

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const phoneOf = (i: number) => `+1555${String(1_000_000 + i).slice(1)}`;

/** Each person i has their own policy and route; level 1 is nobody reachable, level 2 texts them. */
function oncall(): OncallConfig {
  const config = emptyOncallConfig();
  config.people.nobody = { key: 'nobody', name: 'Nobody', timeZone: 'UTC', roles: [] };
  for (let i = 0; i < PAGES; i++) {
    const key = `p${i}`;
    config.people[key] = { key, name: `Person ${i}`, timeZone: 'UTC', roles: [], phone: phoneOf(i), notify: { high: [{ via: 'sms', afterMs: 0 }] } };
    config.escalationPolicies[key] = {
      key,
      name: key,
      repeat: 0,
      levels: [
        { targets: [{ kind: 'person', key: 'nobody' }], delayMs: 3_600_000 },
        { targets: [{ kind: 'person', key }], delayMs: 3_600_000 },
      ],
    };
    config.routes.push({ id: key, match: { labels: { owner: key }, labelRegex: {} }, escalationPolicy: key, private: false });
  }
  return config;
}

/** A Twilio-compatible Messages endpoint that notes when each request arrived, by the number it is to. */
async function startTwilioSink() {
  const arrivals = new Map<string, number>();
  let sid = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const to = new URLSearchParams(Buffer.concat(chunks).toString()).get('To') ?? '';
      if (!arrivals.has(to)) arrivals.set(to, Date.now());
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ sid: `SM${String(++sid).padStart(32, '0')}`, status: 'queued' }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function run(replicas: number) {
  const created = await createBenchDatabase(`bench_paging_${process.pid}_${replicas}`);
  const database = openPostgres({ connectionString: created.url });
  const primary = database;
  const extraPools: (typeof database)[] = [];
  const sink = await startTwilioSink();
  const log = createLogger('silent');
  const workers: JobWorker[] = [];
  try {
    await migrate(database);
    const config = oncall();
    await syncDirectory(database.prisma, config);
    await database.sql.query(sql`
      INSERT INTO contact_verifications (person_id, via, address, verified_at)
      SELECT id, 'sms', '+1555' || lpad(substr(handle, 2), 6, '0'), now() FROM people WHERE handle <> 'nobody'`);
    const intake = new AlertIntake({ database, oncall: () => config, effects: escalationEffects, reopenWindowMs: 60_000, storeRawAlerts: false, clock: systemClock });
    for (let i = 0; i < PAGES; i++) {
      await intake.receive(normalizeGeneric({ title: `Disk full on node-${i}`, severity: 'critical', labels: { owner: `p${i}` }, fingerprint: `bench-${i}` }, new Date()));
    }
    const wake = () => workers.forEach((worker) => worker.wake());
    const contacts = [twilioSmsPort({ accountSid: SID, authToken: 'bench-token', fromNumber: '+15005550006', apiUrl: sink.url })];
    for (let r = 0; r < replicas; r++) {
      // A replica is its own process with its own connection pool.
      const database = r === 0 ? primary : openPostgres({ connectionString: created.url });
      if (r > 0) extraPools.push(database);
      const delivery = new Delivery({ prisma: database.prisma, ports: [], contacts, clock: systemClock });
      const handlers = new Map([
        [ESCALATION_STEP_JOB, escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase), planContacts: contactPlanner(() => config), clock: systemClock, onCommitted: wake })],
        [PAGE_DELIVERY_JOB, pageDeliveryHandler({ database, delivery, log, clock: systemClock })],
        [INCIDENT_SYNC_JOB, async () => {}],
        ...pagingJobHandlers({ database, delivery, publicUrl: () => 'https://bot.example.com', log, clock: systemClock, phoneLimit: 5 }),
      ]);
      workers.push(new JobWorker(database, handlers, log, { workerId: `bench-${r}` }));
    }
    // Level 1 (nobody reachable) runs now; then every level-2 step is set to fall due at one instant.
    workers.forEach((worker) => worker.start());
    const deadline = Date.now() + 120_000;
    while ((await database.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM pages WHERE level = 1 AND status <> 'pending'`))[0]!.n < PAGES && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [due] = await database.sql.query<{ at: Date }>(sql`
      UPDATE jobs SET due_at = now() + ${LEAD_MS}::int * interval '1 millisecond'
      WHERE kind = ${ESCALATION_STEP_JOB} AND status = 'pending' RETURNING due_at AS at`);
    const dueAt = new Date(due!.at).getTime();
    // When every step had run (its page and notification written): the rest is the sending.
    let stepsDone = 0;
    while (sink.arrivals.size < PAGES && Date.now() < dueAt + 120_000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (!stepsDone && (await database.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM pages WHERE level = 2`))[0]!.n >= PAGES) stepsDone = Date.now() - dueAt;
    }
    const latencies = [...sink.arrivals.values()].map((at) => at - dueAt).sort((a, b) => a - b);
    const texts = await database.sql.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM sent_messages WHERE via = 'sms'`);
    return { replicas, pages: PAGES, allStepsRunMs: stepsDone, reached: sink.arrivals.size, recorded: Number(texts[0]!.n), p50ms: percentile(latencies, 0.5), p99ms: percentile(latencies, 0.99), maxms: latencies.at(-1) ?? 0 };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    await sink.close();
    for (const pool of extraPools) await pool.close();
    await database.close();
    await created.drop();
  }
}

async function main(): Promise<void> {
  console.log(`paging benchmark: ${PAGES} escalation steps due at once, each texting its own person, on PostgreSQL\n`);
  const results = [await run(1), await run(2)];
  for (const r of results) {
    console.log(`${r.replicas} engine(s): ${r.reached}/${r.pages} SMS requests reached the provider (${r.recorded} recorded); every step run after ${r.allStepsRunMs} ms; step due to request p50 ${r.p50ms} ms, p99 ${r.p99ms} ms, max ${r.maxms} ms`);
  }
  const file = writeResult('paging', {
    runs: results,
    headlines: results.map((r) => ({ label: `step due to SMS request p99, ${r.pages} pages, ${r.replicas} engine(s)`, value: r.p99ms, unit: `ms (p50 ${r.p50ms} ms, reached ${r.reached}/${r.pages})` })),
  });
  console.log(`\nwritten to ${file}`);
  if (results.some((r) => r.reached < r.pages)) process.exit(1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

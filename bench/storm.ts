/**
 * npm run bench:storm: an alert storm (10,000 alerts for 100 fingerprints in 10 Alertmanager
 * groups, sent by 16 senders as fast as the bot takes them), on PostgreSQL and PGlite. It
 * measures the rate and checks the outcome through the bot's own read API and metrics: the
 * storm must come out as 100 alerts in 10 incidents. Written to bench/results/storm.json.
 */
import { alertmanagerBatch } from './support/alert-payloads.js';
import { writeResult } from './support/bench-result.js';
import { QUICK } from './support/bench-settings.js';
import { httpPool, runLoad, type LoadResult } from './support/load.js';
import { jobsDue, startBotProcess } from './support/processes.js';
import { freshStorage, type StorageKind } from './support/storage-under-test.js';

const TOKEN = 'bench-webhook-token-0123456789';
const API_TOKEN = 'bench-api-token-0123456789';
const CONCURRENCY = 16;
const REQUESTS = QUICK ? 50 : 1_000;
const GROUPS = 10;
const ALERTS_PER_REQUEST = 10;

interface StormOutcome {
  alerts: number;
  incidents: number;
  jobsDue: number;
}

interface StormFigures {
  storage: StorageKind;
  alertsSent: number;
  result: LoadResult;
  alertsPerSecond: number;
  outcome: StormOutcome;
}

async function storm(kind: StorageKind): Promise<StormFigures> {
  const storage = await freshStorage(kind, 'storm');
  // The rate limiter stays on the path, far above what 16 senders reach.
  const bot = await startBotProcess({ ...storage.env, WEBHOOK_TOKEN: TOKEN, API_TOKEN, WEBHOOK_RATE_LIMIT: '1000000/s', WEBHOOK_RATE_LIMIT_PER_ADDRESS: '1000000/s' });
  const http = httpPool(bot.url, CONCURRENCY);
  try {
    const result = await runLoad({
      concurrency: CONCURRENCY,
      totalRequests: REQUESTS,
      send: (i) => {
        // Alertmanager groups by rack here: request i carries the 10 nodes of rack i % 10.
        const rack = i % GROUPS;
        const batch = alertmanagerBatch(0, GROUPS * ALERTS_PER_REQUEST, GROUPS * ALERTS_PER_REQUEST, GROUPS, 'storm');
        const alerts = batch.alerts.filter((alert) => alert.labels.rack === `rack-${rack}`);
        return http.post(
          '/webhooks/alertmanager',
          { ...batch, alerts, groupLabels: { rack: `rack-${rack}` }, groupKey: `{}:{rack="rack-${rack}"}` },
          { authorization: `Bearer ${TOKEN}` },
        );
      },
    });
    return { storage: kind, alertsSent: REQUESTS * ALERTS_PER_REQUEST, result, alertsPerSecond: Math.round(result.perSecond * ALERTS_PER_REQUEST), outcome: await outcomeOf(bot.url) };
  } finally {
    await http.close();
    await bot.stop();
    await storage.remove();
  }
}

/** The storm's outcome as the bot reports it: its read API and its metrics. */
async function outcomeOf(url: string): Promise<StormOutcome> {
  const headers = { authorization: `Bearer ${API_TOKEN}` };
  const { incidents } = (await (await fetch(`${url}/api/incidents?status=all&limit=500`, { headers })).json()) as {
    incidents: { title: string; alertCount: number }[];
  };
  const stormIncidents = incidents.filter((incident) => incident.title.startsWith('storm-'));
  return { alerts: stormIncidents.reduce((sum, incident) => sum + incident.alertCount, 0), incidents: stormIncidents.length, jobsDue: await jobsDue(url) };
}

async function main(): Promise<void> {
  console.log(`storm benchmark: ${REQUESTS * ALERTS_PER_REQUEST} alerts for ${GROUPS * ALERTS_PER_REQUEST} fingerprints in ${GROUPS} groups, ${CONCURRENCY} senders\n`);
  const results = [await storm('postgres'), await storm('pglite')];
  for (const r of results) {
    console.log(
      `${r.storage.padEnd(8)} ${Math.round(r.result.perSecond)} req/s (${r.alertsPerSecond} alerts/s), p99 ${r.result.p99ms.toFixed(1)} ms, errors ${r.result.errors}; ` +
        `outcome: ${r.outcome.alerts} alerts in ${r.outcome.incidents} incidents, ${r.outcome.jobsDue} jobs due`,
    );
  }
  const file = writeResult('storm', {
    concurrency: CONCURRENCY,
    results,
    headlines: results.flatMap((r) => [
      { label: `storm, ${r.storage}`, value: Math.round(r.result.perSecond), unit: `req/s, ${r.alertsPerSecond} alerts/s, p99 ${r.result.p99ms.toFixed(1)} ms` },
      { label: `storm outcome, ${r.storage}`, value: r.outcome.incidents, unit: `incidents for ${r.outcome.alerts} distinct alerts` },
    ]),
  });
  console.log(`\nwritten to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

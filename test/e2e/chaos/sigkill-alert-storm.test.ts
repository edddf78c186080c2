import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledged, fireStorm, outcomesByFingerprint, stormRequests, type StormResult } from '../../support/alert-storm.js';
import { startBotProcess, type BotProcess } from '../../support/bot-process.js';
import { createPostgresDatabase, databaseKinds, type DatabaseKind } from '../../support/test-database.js';

const TOKEN = 'chaos-storm-webhook-token';
const ALERTS = 5_000;
// Pull the plug once this many alerts have been answered 2xx: well into the storm, well before its end.
// Embedded PGlite opens an incident an order of magnitude slower than PostgreSQL (one WASM
// thread), so it is killed earlier to keep the file's run time reasonable.
const KILL_AFTER_ACKED_ALERTS: Record<DatabaseKind, number> = { postgres: 1_500, pglite: 500 };
const SENDERS: Record<DatabaseKind, number> = { postgres: 48, pglite: 24 };

type Query = <Row>(text: string, params?: unknown[]) => Promise<Row[]>;

/** Reads the bot's database while the bot is not running (PGlite serves one process at a time). */
interface Inspector {
  with<T>(work: (query: Query) => Promise<T>): Promise<T>;
}

function postgresInspector(url: string): Inspector {
  return {
    async with(work) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await work(async (text, params) => (await client.query(text, params)).rows);
      } finally {
        await client.end();
      }
    },
  };
}

function pgliteInspector(dataDir: string): Inspector {
  return {
    async with(work) {
      // Opening the folder is itself under test: it must recover from the SIGKILL.
      const db = await PGlite.create({ dataDir: join(dataDir, 'pglite') });
      try {
        return await work(async (text, params) => (await db.query(text, params)).rows as never);
      } finally {
        await db.close();
      }
    },
  };
}

interface Integrity {
  alerts: number;
  incidents: number;
  firingWithoutIncident: number;
  alertsNotAttached: number;
  alertsWithoutFiringEvent: number;
  incidentsWithoutOpenedEvent: number;
  incidentsWithoutAlert: number;
  incidentsWithoutReminderJob: number;
  incidentsPerFingerprint: number;
}

/** Everything one ingest transaction writes, checked for being all there or not there at all. */
async function integrity(query: Query): Promise<Integrity> {
  const [row] = await query<Record<keyof Integrity, number>>(`
    SELECT
      (SELECT count(*)::int FROM alerts) AS alerts,
      (SELECT count(*)::int FROM incidents) AS incidents,
      (SELECT count(*)::int FROM alerts WHERE status = 'firing' AND incident_id IS NULL) AS "firingWithoutIncident",
      (SELECT count(*)::int FROM alerts a WHERE NOT EXISTS (SELECT 1 FROM incident_alerts ia WHERE ia.alert_id = a.id AND ia.incident_id = a.incident_id)) AS "alertsNotAttached",
      (SELECT count(*)::int FROM alerts a WHERE NOT EXISTS (
         SELECT 1 FROM timeline_events t WHERE t.incident_id = a.incident_id AND t.kind = 'alert.firing' AND t.data->>'fingerprint' = a.fingerprint)) AS "alertsWithoutFiringEvent",
      (SELECT count(*)::int FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM timeline_events t WHERE t.incident_id = i.id AND t.kind = 'incident.opened')) AS "incidentsWithoutOpenedEvent",
      (SELECT count(*)::int FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.incident_id = i.id)) AS "incidentsWithoutAlert",
      (SELECT count(*)::int FROM incidents i WHERE NOT EXISTS (
         SELECT 1 FROM jobs j WHERE j.kind = 'incident.commander-reminder' AND j.subject = 'incident:' || i.id)) AS "incidentsWithoutReminderJob",
      (SELECT COALESCE(max(n), 0)::int FROM (SELECT count(*) AS n FROM incident_alerts GROUP BY alert_id) per_alert) AS "incidentsPerFingerprint"`);
  return row as Integrity;
}

const WHOLE = { firingWithoutIncident: 0, alertsNotAttached: 0, alertsWithoutFiringEvent: 0, incidentsWithoutOpenedEvent: 0, incidentsWithoutAlert: 0, incidentsWithoutReminderJob: 0 };

async function storedFingerprints(query: Query, fingerprints: string[]): Promise<Set<string>> {
  const rows = await query<{ fingerprint: string }>(
    `SELECT a.fingerprint FROM alerts a JOIN incidents i ON i.id = a.incident_id
      WHERE a.source = 'generic' AND a.fingerprint = ANY($1::text[])
        AND EXISTS (SELECT 1 FROM timeline_events t WHERE t.incident_id = i.id AND t.kind = 'incident.opened')`,
    [fingerprints],
  );
  return new Set(rows.map((r) => r.fingerprint));
}

function tally(results: readonly StormResult[]) {
  const counts: Record<string, number> = {};
  for (const { request, outcome } of results) {
    const key = outcome.kind === 'answered' ? String(outcome.status) : 'no answer';
    counts[key] = (counts[key] ?? 0) + request.fingerprints.length;
  }
  return counts;
}

for (const kind of databaseKinds() as DatabaseKind[]) {
  describe(`chaos: SIGKILL during a ${ALERTS}-alert storm [${kind}]`, () => {
    let dir: string;
    let database: { url: string; drop(): Promise<void> } | undefined;
    let env: Record<string, string>;
    let inspector: Inspector;
    let bot: BotProcess | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), `chaos-storm-${kind}-`));
      // No escalation policy: the storm measures ingestion, not paging.
      writeFileSync(join(dir, 'oncall.yaml'), 'people:\n  alice: { name: Alice }\n');
      env = { WEBHOOK_TOKEN: TOKEN, ONCALL_FILE: join(dir, 'oncall.yaml'), DATA_DIR: join(dir, 'data') };
      if (kind === 'postgres') {
        database = await createPostgresDatabase();
        env.DATABASE_URL = database.url;
        inspector = postgresInspector(database.url);
      } else {
        inspector = pgliteInspector(env.DATA_DIR!);
      }
    });
    afterAll(async () => {
      await bot?.kill();
      await database?.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('loses no alert answered 2xx, leaves nothing half-written, and dedups the same alerts sent again', async () => {
      const requests = stormRequests(ALERTS);
      const started = Date.now();
      const first = await startBotProcess(env);
      bot = first;
      let killing: Promise<void> | undefined;
      const results = await fireStorm({
        url: first.url,
        token: TOKEN,
        requests,
        senders: SENDERS[kind],
        onAnswer: (so) => {
          if (!killing && acknowledged(so).reduce((n, r) => n + r.request.fingerprints.length, 0) >= KILL_AFTER_ACKED_ALERTS[kind]) killing = first.kill();
        },
      });
      await killing;
      expect(first.child.signalCode, first.output()).toBe('SIGKILL');

      const counts = tally(results);
      console.info(`[${kind}] first run (start, storm, kill) ${Date.now() - started} ms`);
      const ackedFingerprints = acknowledged(results).flatMap((r) => r.request.fingerprints);
      console.info(`[${kind}] alerts by answer before and after the SIGKILL:`, counts);
      // The kill really landed mid-storm: some alerts were acknowledged, a good part never was.
      expect(ackedFingerprints.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKED_ALERTS[kind]);
      expect(counts['no answer'] ?? 0).toBeGreaterThan(ALERTS / 5);
      // Before the kill nothing but success was answered (no 5xx under the storm itself).
      expect(Object.keys(counts).filter((k) => k !== '200' && k !== 'no answer')).toEqual([]);

      const afterKill = await inspector.with(async (query) => {
        const stored = await storedFingerprints(query, ackedFingerprints);
        return { missing: ackedFingerprints.filter((f) => !stored.has(f)), integrity: await integrity(query) };
      });
      console.info(`[${kind}] stored after the kill: ${afterKill.integrity.alerts} alerts (${afterKill.integrity.alerts - ackedFingerprints.length} committed but never answered)`);
      expect(afterKill.missing, 'alerts answered 2xx but not stored with their incident').toEqual([]);
      expect(afterKill.integrity).toMatchObject(WHOLE);
      expect(afterKill.integrity.incidentsPerFingerprint).toBe(1);
      // In-flight requests may or may not have committed, but never more than was sent.
      expect(afterKill.integrity.alerts).toBeGreaterThanOrEqual(ackedFingerprints.length);
      expect(afterKill.integrity.alerts).toBeLessThanOrEqual(ALERTS);
      expect(afterKill.integrity.incidents).toBe(afterKill.integrity.alerts);

      // The restarted bot is sent again every request it had acknowledged, as a sender retrying would.
      const second = await startBotProcess(env);
      bot = second;
      const ackedRequests = acknowledged(results).map((r) => r.request);
      const resent = await fireStorm({ url: second.url, token: TOKEN, requests: ackedRequests, senders: SENDERS[kind] });
      console.info(`[${kind}] re-sent ${ackedFingerprints.length} alerts, done at ${Date.now() - started} ms`);
      expect(tally(resent)).toEqual({ '200': ackedFingerprints.length });
      // Each was recognised as known, not opened again.
      const outcomes = outcomesByFingerprint(resent);
      expect(ackedFingerprints.filter((f) => outcomes.get(f) !== 'unchanged')).toEqual([]);
      await second.stop();
      bot = undefined;

      const final = await inspector.with(integrity);
      expect(final).toEqual(afterKill.integrity);
    }, 170_000);
  });
}

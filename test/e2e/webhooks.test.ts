import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const API_TOKEN = 'api-token-0123456789abcdef';

for (const kind of databaseKinds()) {
  describe(`webhooks over HTTP [${kind}]`, () => {
    let bot: TestBot;
    beforeAll(async () => {
      bot = await startTestBot(kind, { API_TOKEN });
    });
    afterAll(async () => {
      await bot?.destroy();
    });

    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${bot.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.webhookToken}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const api = (path: string, token = API_TOKEN) => fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    it('accepts an Alertmanager notification and answers only after it is stored', async () => {
      const response = await post('/webhooks/alertmanager', sharedFixture('alertmanager/firing.json'));
      expect(response.status).toBe(200);
      const body = await readJson(response);
      expect(body).toMatchObject({ status: 'ok', received: 2, alerts: [{ fingerprint: 'beb69e792e2dfd2e', outcome: 'created' }, { outcome: 'created' }] });
      const incident = body.alerts[0].incident;
      const detail = await readJson(api(`/api/incidents/${incident}`));
      expect(detail).toMatchObject({ id: incident, severity: 'SEV1', status: 'triggered', service: 'checkout', alertCount: 2 });
      expect(detail.alerts[0]).toMatchObject({ source: 'alertmanager', fingerprint: 'beb69e792e2dfd2e', status: 'firing' });
    });

    it('accepts Grafana and generic alerts, and JSON sent without a content type (curl -d)', async () => {
      expect((await post('/webhooks/grafana', sharedFixture('grafana/firing.json'))).status).toBe(200);
      const curlStyle = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: JSON.stringify({ title: 'Test alert', severity: 'critical', service: 'checkout' }),
      });
      expect(curlStyle.status).toBe(200);
      expect((await readJson(curlStyle)).alerts[0].outcome).toBe('created');
    });

    it('answers PagerDuty events as PagerDuty does', async () => {
      const trigger = await post('/v2/enqueue', sharedFixture('pagerduty/trigger.json'));
      expect(trigger.status).toBe(202);
      expect(await readJson(trigger)).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'db-3/disk' });
      const ack = await post('/webhooks/pagerduty', sharedFixture('pagerduty/acknowledge.json'));
      expect(ack.status).toBe(202);
      const list = await readJson(api('/api/incidents?status=acknowledged'));
      expect(list.incidents.map((i: { title: string }) => i.title)).toContain('Disk 95% full on db-3');

      const noKey = structuredClone(sharedFixture('pagerduty/trigger.json')) as Record<string, unknown>;
      delete noKey.dedup_key;
      const generated = await readJson(post('/v2/enqueue', noKey));
      expect(generated.dedup_key).toMatch(/^[0-9a-f]{32}$/);

      const bad = await post('/v2/enqueue', { routing_key: 'x', event_action: 'trigger', payload: { summary: 'x', source: 'y', severity: 'loud' } });
      expect(bad.status).toBe(400);
      expect(await readJson(bad)).toMatchObject({ status: 'invalid event', errors: [expect.stringContaining('payload.severity')] });
      // A field left out, in PagerDuty's own words.
      const missing = await post('/v2/enqueue', { routing_key: bot.webhookToken, event_action: 'trigger', payload: { source: 'y', severity: 'critical' } });
      expect(missing.status).toBe(400);
      expect((await readJson(missing)).errors).toEqual(["'payload.summary' is missing or blank"]);
      const garbage = await post('/v2/enqueue', '{not json');
      expect(garbage.status).toBe(400);
      expect(await readJson(garbage)).toEqual({ status: 'Unrecognized object', message: 'Event object format is unrecognized', errors: ['JSON parse error'] });
    });

    it('accepts the webhook token as a PagerDuty routing key, without a header', async () => {
      const body = { ...(sharedFixture('pagerduty/trigger.json') as object), routing_key: bot.webhookToken, dedup_key: 'via-routing-key' };
      const response = await fetch(`${bot.url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(response.status).toBe(202);
      const unknown = await fetch(`${bot.url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, routing_key: 'guess' }) });
      expect(unknown.status).toBe(400);
    });

    it('refuses requests without the token, saying which header and scheme to send and nothing about the token', async () => {
      const howToSend =
        'send the webhook token as "Authorization: Bearer <token>" or as the password of HTTP basic auth (the token is WEBHOOK_TOKEN, or when that is unset the one the bot generated into DATA_DIR/webhook-token).';
      const cases = [
        { authorization: '', problem: 'No Authorization header', challenge: 'Bearer realm="incident-bot"' },
        { authorization: 'Bearer wrong-token-wrong-token', problem: 'The Bearer token is not the one this bot expects' },
        { authorization: 'Basic ' + Buffer.from('x:nope').toString('base64'), problem: 'The basic auth password is not the token this bot expects' },
        { authorization: `Token ${bot.webhookToken.slice(0, -1)}`, problem: 'The Authorization header is neither "Bearer <token>" nor "Basic <base64 of user:token>"' },
        { authorization: bot.webhookToken, problem: 'The Authorization header is neither "Bearer <token>" nor "Basic <base64 of user:token>"' },
      ];
      for (const { authorization, problem, challenge } of cases) {
        const response = await post('/webhooks/alertmanager', sharedFixture('alertmanager/firing.json'), { authorization });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe(challenge ?? 'Bearer realm="incident-bot", error="invalid_token"');
        const body = await readJson(response);
        expect(body).toEqual({ error: 'unauthorized', message: `${problem}: ${howToSend}` });
        expect(JSON.stringify(body)).not.toContain(bot.webhookToken.slice(0, 6));
      }
      const api = await fetch(`${bot.url}/api/incidents`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } });
      expect(await readJson(api)).toEqual({
        error: 'unauthorized',
        message:
          'The Bearer token is not the one this bot expects: send the read API token (or the write token) as "Authorization: Bearer <token>" (the token is API_TOKEN, or when that is unset the one the bot generated into DATA_DIR/api-token).',
      });
      const pagerDuty = await post('/v2/enqueue', { ...(sharedFixture('pagerduty/trigger.json') as object), routing_key: 'guess' }, { authorization: '' });
      expect(pagerDuty.status).toBe(400);
      expect((await readJson(pagerDuty)).errors[1]).toMatch(/^The event's routing_key is neither one of pagerduty_routing_keys in oncall.yaml nor the webhook token, and no Authorization header: /);
      const basic = await post('/webhooks/generic', { title: 'basic auth works' }, { authorization: 'Basic ' + Buffer.from(`alertmanager:${bot.webhookToken}`).toString('base64') });
      expect(basic.status).toBe(200);
    });

    it('answers bad input with 400, 422 and 413, never 500', async () => {
      const invalid = await post('/webhooks/alertmanager', '{"alerts": [');
      expect(invalid.status).toBe(400);
      expect((await readJson(invalid)).error).toBe('invalid_json');

      const wrong = structuredClone(sharedFixture('alertmanager/firing.json')) as { alerts: Record<string, unknown>[] };
      wrong.alerts[1]!.status = 'burning';
      delete wrong.alerts[0]!.fingerprint;
      const shape = await post('/webhooks/alertmanager', wrong);
      expect(shape.status).toBe(422);
      const problems = (await readJson(shape)).problems.map((p: { path: string }) => p.path);
      expect(problems).toEqual(expect.arrayContaining(['alerts[0].fingerprint', 'alerts[1].status']));

      const huge = await post('/webhooks/generic', { title: 'x', description: 'y'.repeat(1024 * 1024) });
      expect(huge.status).toBe(413);
      expect((await readJson(huge)).error).toBe('payload_too_large');

      for (const body of ['null', '[]', '42', '"text"', '{}']) {
        const response = await post('/webhooks/generic', body);
        expect([400, 422]).toContain(response.status);
      }
    });

    it('serves the weekly report as JSON and CSV', async () => {
      const json = await readJson(api('/api/reports/weekly?weeks=2'));
      expect(json.weeks).toHaveLength(2);
      expect(json.rows.find((r: { group: string }) => r.group === 'all')).toHaveProperty('mttr');
      const csv = await api('/api/reports/weekly?weeks=2&format=csv');
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect((await csv.text()).split('\n')[0]).toBe('week,group,key,incidents,mtta_mean_s,mtta_p50_s,mtta_p90_s,ttm_mean_s,ttm_p50_s,ttm_p90_s,mttr_mean_s,mttr_p50_s,mttr_p90_s');
      expect((await api('/api/reports/weekly?format=pdf')).status).toBe(422);
      expect((await api('/api/reports/weekly', 'wrong-token-wrong-token')).status).toBe(401);
    });

    it('serves the read API only with the API token', async () => {
      expect((await api('/api/incidents', 'wrong-token-wrong-token')).status).toBe(401);
      expect((await fetch(`${bot.url}/api/incidents`)).status).toBe(401);
      const list = await readJson(api('/api/incidents?status=all&limit=2'));
      expect(list.incidents).toHaveLength(2);
      expect(list.incidents[0].number).toBeGreaterThan(list.incidents[1].number);
      expect((await api('/api/incidents/9999')).status).toBe(404);
      expect((await api('/api/incidents?status=sleeping')).status).toBe(422);
      const timeline = await readJson(api('/api/incidents/INC-1/timeline'));
      // Opened when received: the alerts' own starts (earlier, by Alertmanager) come before it.
      const kinds = timeline.events.map((e: { kind: string }) => e.kind);
      expect(kinds.slice(0, kinds.indexOf('incident.opened'))).toEqual(['alert.firing', 'alert.firing']);
      expect(timeline.events.find((e: { kind: string }) => e.kind === 'incident.opened')).toMatchObject({ actor: { type: 'source', name: 'alertmanager' } });
    });
  });
}

describe('read API without API_TOKEN', () => {
  it('uses the token generated into DATA_DIR/api-token, never an open API', async () => {
    const bot = await startTestBot('pglite');
    try {
      const generated = readFileSync(join(bot.dataDir, 'api-token'), 'utf8').trim();
      expect(generated).toBe(bot.apiTokens.read);
      expect((await fetch(`${bot.url}/api/incidents`, { headers: { authorization: 'Bearer anything-at-all-here' } })).status).toBe(401);
      expect((await fetch(`${bot.url}/api/incidents`, { headers: { authorization: `Bearer ${generated}` } })).status).toBe(200);
    } finally {
      await bot.destroy();
    }
  });
});

describe.skipIf(!databaseKinds().includes('postgres'))('database outage [postgres]', () => {
  it('answers 503 with Retry-After while PostgreSQL refuses connections, and recovers by itself', async () => {
    const bot = await startTestBot('postgres');
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    const target = (await bot.database.prisma.$queryRaw<{ current_database: string }[]>`SELECT current_database()`)[0]!.current_database;
    const post = (title: string) =>
      fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.webhookToken}` },
        body: JSON.stringify({ title }),
      });
    try {
      expect((await post('before the outage')).status).toBe(200);
      // A superuser ignores CONNECTION LIMIT; nobody ignores ALLOW_CONNECTIONS false.
      await admin.query(`ALTER DATABASE "${target}" ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [target]);
      const during = await post('during the outage');
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toBe('5');
      expect((await readJson(during)).error).toBe('unavailable');
      expect((await fetch(`${bot.url}/readyz`)).status).toBe(503);

      await admin.query(`ALTER DATABASE "${target}" ALLOW_CONNECTIONS true`);
      let after = await post('after the outage');
      for (let i = 0; i < 20 && after.status !== 200; i++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        after = await post('after the outage');
      }
      expect(after.status).toBe(200);
      expect((await fetch(`${bot.url}/readyz`)).status).toBe(200);
      const titles = (await bot.database.prisma.alert.findMany({ select: { title: true } })).map((a) => a.title).sort();
      expect(titles).toEqual(['after the outage', 'before the outage']);
    } finally {
      await admin.query(`ALTER DATABASE "${target}" ALLOW_CONNECTIONS true`).catch(() => {});
      await admin.end();
      await bot.destroy();
    }
  });
});

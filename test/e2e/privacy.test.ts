import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/sql.js';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const API_TOKEN = 'api-token-0123456789abcdef';

/** What a leaky alert carries, and the mask each must turn into. */
const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';
const BEARER = 'sk_live_51HqLx7Ab12';
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const DB_PASSWORD = 'hunter2-pw';
const PROM_PASSWORD = 'prom-pass-1';
const ORIGINALS = [EMAIL, CARD, BEARER, AWS_KEY, DB_PASSWORD, PROM_PASSWORD];

const TITLE = `Checkout failing for ${EMAIL}`;
const DESCRIPTION = [
  `Payment with card ${CARD} was declined upstream;`,
  `the gateway answered 401 to "Authorization: Bearer ${BEARER}".`,
  `Key ${AWS_KEY} used from postgres://app:${DB_PASSWORD}@db.internal:5432/shop.`,
  'Error rate 5.3% since 2026-11-24T00:42:51Z, p99 took 1234 ms.',
].join(' ');

function leakyAlertmanager(fingerprint = 'leaky-1', email = EMAIL) {
  const body = structuredClone(sharedFixture('alertmanager/firing.json')) as Record<string, unknown> & { alerts: Record<string, unknown>[] };
  body.groupKey = '{}:{alertname="CheckoutDeclines"}';
  body.alerts = [
    {
      ...body.alerts[0],
      fingerprint,
      labels: { alertname: 'CheckoutDeclines', service: 'checkout', severity: 'critical', customer: email },
      annotations: { summary: TITLE.replace(EMAIL, email), description: DESCRIPTION },
      generatorURL: `http://admin:${PROM_PASSWORD}@prometheus:9090/graph`,
    },
  ];
  return body;
}

const leakyGrafana = () => {
  const body = structuredClone(sharedFixture('grafana/firing.json')) as { alerts: Record<string, unknown>[] };
  const first = body.alerts[0] as { labels: Record<string, string> };
  body.alerts = [
    { ...first, fingerprint: 'grafana-leaky', labels: { ...first.labels, alertname: `Grafana: ${EMAIL} locked out` }, annotations: { summary: `for ${EMAIL}`, description: DESCRIPTION } },
  ];
  return body;
};
const leakyPagerDuty = () => {
  const body = structuredClone(sharedFixture('pagerduty/trigger.json')) as { dedup_key: string; payload: Record<string, unknown> };
  body.dedup_key = 'pd-leaky';
  body.payload = { ...body.payload, summary: `PagerDuty: card ${CARD} for ${EMAIL}`, custom_details: { note: DESCRIPTION } };
  return body;
};
const leakyGeneric = () => ({ title: `Generic: ${EMAIL}`, severity: 'critical', service: 'payments', description: DESCRIPTION, fingerprint: 'generic-leaky' });

function writeOncall(dir: string): string {
  const file = join(dir, 'oncall.yaml');
  writeFileSync(
    file,
    [
      'people:',
      '  alice: { name: Alice Archer, slack: U0ALICE001 }',
      'escalation_policies:',
      '  first:',
      '    levels:',
      '      - targets: [{ person: alice }]',
      '        delay: 1h',
      'default_route:',
      '  escalation_policy: first',
    ].join('\n'),
  );
  return file;
}

async function startPrivacyBot(kind: 'pglite' | 'postgres', dir: string, fake: FakeSlack, env: Record<string, string>): Promise<TestBot> {
  return startTestBot(kind, {
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: fake.apiUrl,
    INCIDENTS_CHANNEL: '#incidents',
    ONCALL_FILE: writeOncall(dir),
    API_TOKEN,
    ...env,
  });
}

function client(bot: TestBot) {
  const auth = { authorization: `Bearer ${API_TOKEN}` };
  return {
    post: async (path: string, body: unknown) =>
      readJson(
        fetch(`${bot.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      ),
    incident: (number: number) => readJson(fetch(`${bot.url}/api/incidents/${number}`, { headers: auth })),
    timeline: async (number: number) => (await readJson(fetch(`${bot.url}/api/incidents/${number}/timeline`, { headers: auth }))).events as { kind: string; text: string; data?: unknown }[],
    postmortem: async (number: number) => {
      const response = await fetch(`${bot.url}/api/incidents/${number}/postmortem.md`, { headers: auth });
      expect(response.status).toBe(200);
      return response.text();
    },
    raws: async () =>
      (await bot.database.sql.query<{ fingerprint: string; raw: unknown; title: string }>(sql`SELECT fingerprint, raw, title FROM alerts ORDER BY id`)).map((row) => ({
        ...row,
        raw: row.raw === null ? null : JSON.stringify(row.raw),
      })),
  };
}

/** Everything the bot ever sent to Slack: channels (names, topics, purposes), messages with every edit, DMs, uploads. */
function everythingOnSlack(fake: FakeSlack): string {
  const channels = fake.state.channels;
  return JSON.stringify({
    channels,
    messages: channels.map((channel) => fake.state.messages(channel.id)),
    uploads: fake.state.uploads.map((upload) => ({ ...upload, bytes: upload.bytes?.toString('utf8') })),
    ephemerals: fake.state.ephemerals,
    responses: fake.state.responses,
  });
}

const incidentNumber = (answer: { alerts: { incident?: string }[] }) => Number(String(answer.alerts[0]!.incident).slice(4));

for (const kind of databaseKinds()) {
  describe(`REDACT_PII=true [${kind}]`, () => {
    let fake: FakeSlack;
    let bot: TestBot;
    let dir: string;
    let api: ReturnType<typeof client>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'privacy-e2e-'));
      fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, channels: [{ name: 'incidents' }] });
      bot = await startPrivacyBot(kind, dir, fake, { REDACT_PII: 'true' });
      api = client(bot);
    });
    afterAll(async () => {
      await bot?.destroy();
      await fake?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('the incident, its timeline and the read API show masks, never the personal data or secrets', async () => {
      const answer = await api.post('/webhooks/alertmanager', leakyAlertmanager());
      expect(answer.alerts[0].outcome).toBe('created');
      const number = incidentNumber(answer);
      const incident = await api.incident(number);
      expect(incident.title).toBe('Checkout failing for [email]');
      expect(incident.alerts[0].labels.customer).toBe('[email]');
      expect(incident.alerts[0].links.generator).toBe('http://admin:[password]@prometheus:9090/graph');

      const timeline = await api.timeline(number);
      expect(timeline.find((event) => event.kind === 'incident.opened')!.text).toContain('alert "Checkout failing for [email]"');
      expect(timeline.find((event) => event.kind === 'alert.firing')!.text).toBe('Alert firing: Checkout failing for [email]');
      const everything = JSON.stringify([incident, timeline]);
      for (const original of ORIGINALS) expect(everything).not.toContain(original);
    });

    it('the Slack channel, card, announcement and page DM show masks', async () => {
      const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith('inc-1-') && fake.state.messages(c.id).length > 0));
      expect(channel.name).toBe('inc-1-checkout-failing-for-email');
      const card = await eventually('the card', () => fake.state.messages(channel.id)[0]);
      const cardText = JSON.stringify(card.blocks);
      expect(cardText).toContain('Checkout failing for [email]');
      expect(cardText).toContain('card [card] was declined');
      expect(cardText).toContain('Authorization: Bearer [token]');
      expect(cardText).toContain('Key [aws-key] used from postgres://app:[password]@db.internal:5432/shop');
      expect(cardText).toContain('Error rate 5.3% since 2026-11-24T00:42:51Z, p99 took 1234 ms');
      await eventually('the announcement', () => fake.state.messages('incidents')[0]);
      await eventually('the page DM', () => fake.state.channels.find((c) => c.is_im && fake.state.messages(c.id).length > 0));
      const slack = everythingOnSlack(fake);
      for (const original of ORIGINALS) expect(slack).not.toContain(original);
    });

    it('the postmortem shows masks, as a file in Slack and from the API', async () => {
      const markdown = await api.postmortem(1);
      expect(markdown).toContain('# Postmortem: INC-1 Checkout failing for [email]');
      for (const original of ORIGINALS) expect(markdown).not.toContain(original);

      const channel = fake.state.channels.find((c) => c.name.startsWith('inc-1-'))!;
      await fake.requestsTo(`${bot.url}/slack/events`).slashCommand({ command: '/incident', text: 'postmortem', channel_id: channel.id, user_id: 'U0ALICE001', user_name: 'alice' });
      const upload = await eventually('the postmortem file', () => fake.state.uploads.find((u) => u.completed && u.bytes));
      const uploaded = upload.bytes!.toString('utf8');
      expect(uploaded).toContain('Checkout failing for [email]');
      for (const original of ORIGINALS) expect(uploaded).not.toContain(original);
    });

    it('alerts.raw keeps the original payload for forensics', async () => {
      const [row] = await api.raws();
      expect(row!.title).toBe('Checkout failing for [email]');
      for (const original of ORIGINALS) expect(row!.raw).toContain(original);
    });

    it('dedup works on the real values: a repeat is unchanged, another customer is an update of the same incident', async () => {
      expect((await api.post('/webhooks/alertmanager', leakyAlertmanager())).alerts[0].outcome).toBe('unchanged');
      const other = await api.post('/webhooks/alertmanager', leakyAlertmanager('leaky-1', 'john.roe@example.net'));
      expect(other.alerts[0]).toMatchObject({ outcome: 'updated', incident: 'INC-1' });
      const [row] = await api.raws();
      expect(row!.raw).toContain('john.roe@example.net');
      expect(JSON.stringify(await api.incident(1))).not.toContain('john.roe@example.net');
    });

    it('every source is masked: Grafana, PagerDuty, generic', async () => {
      for (const [path, body, fingerprint] of [
        ['/webhooks/grafana', leakyGrafana(), 'grafana-leaky'],
        ['/webhooks/pagerduty', leakyPagerDuty(), 'pd-leaky'],
        ['/webhooks/generic', leakyGeneric(), 'generic-leaky'],
      ] as const) {
        await api.post(path, body);
        const [{ incident_id: number }] = (await bot.database.sql.query<{ incident_id: number }>(sql`
          SELECT incident_id FROM alerts WHERE fingerprint = ${fingerprint}`)) as [{ incident_id: number }];
        expect(number, path).toBeGreaterThan(1);
        const [stored] = await bot.database.sql.query(sql`
          SELECT a.title, a.description, a.labels, a.annotations, a.links FROM alerts a JOIN incident_alerts ia ON ia.alert_id = a.id
          WHERE ia.incident_id = ${number}::int`);
        const shown = JSON.stringify([stored, await api.incident(number), await api.timeline(number), await api.postmortem(number)]);
        expect(shown, path).toContain('[email]');
        expect(JSON.stringify(stored), path).toContain('[card]');
        for (const original of ORIGINALS) expect(shown, `${path} shows ${original}`).not.toContain(original);
      }
      const raws = await api.raws();
      for (const fingerprint of ['grafana-leaky', 'pd-leaky', 'generic-leaky']) expect(raws.find((row) => row.fingerprint === fingerprint)!.raw, fingerprint).toContain(EMAIL);
    });
  });
}

describe('REDACT_PII=true with STORE_RAW_ALERTS=false', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'privacy-e2e-'));
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, channels: [{ name: 'incidents' }] });
    bot = await startPrivacyBot('pglite', dir, fake, { REDACT_PII: 'true', STORE_RAW_ALERTS: 'false' });
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no source stores a raw payload, on create or on update, and nothing unmasked is stored at all', async () => {
    const api = client(bot);
    await api.post('/webhooks/alertmanager', leakyAlertmanager());
    await api.post('/webhooks/alertmanager', leakyAlertmanager('leaky-1', 'john.roe@example.net'));
    await api.post('/webhooks/grafana', leakyGrafana());
    await api.post('/webhooks/pagerduty', leakyPagerDuty());
    await api.post('/v2/enqueue', { ...leakyPagerDuty(), dedup_key: 'pd-leaky-2' });
    await api.post('/webhooks/generic', leakyGeneric());
    const rows = await api.raws();
    expect(rows).toHaveLength(5);
    expect(rows.map((row) => row.raw)).toEqual([null, null, null, null, null]);
    const stored = JSON.stringify(
      await bot.database.sql.query(sql`
        SELECT (SELECT json_agg(a) FROM alerts a) AS alerts, (SELECT json_agg(i) FROM incidents i) AS incidents,
               (SELECT json_agg(t) FROM timeline_events t) AS timeline, (SELECT json_agg(j) FROM jobs j) AS jobs,
               (SELECT json_agg(p) FROM pages p) AS pages`),
    );
    for (const original of [...ORIGINALS, 'john.roe@example.net']) expect(stored).not.toContain(original);
  });
});

describe('REDACT_PII=false (the default)', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'privacy-e2e-'));
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, channels: [{ name: 'incidents' }] });
    bot = await startPrivacyBot('pglite', dir, fake, {});
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows alert text as sent: nothing is masked', async () => {
    const api = client(bot);
    await api.post('/webhooks/alertmanager', leakyAlertmanager());
    expect((await api.incident(1)).title).toBe(TITLE);
    expect((await api.timeline(1)).find((event) => event.kind === 'alert.firing')!.text).toBe(`Alert firing: ${TITLE}`);
    const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith('inc-1-') && fake.state.messages(c.id).length > 0));
    const card = JSON.stringify((await eventually('the card', () => fake.state.messages(channel.id)[0])).blocks);
    const markdown = await api.postmortem(1);
    for (const original of [EMAIL, CARD, BEARER, AWS_KEY, DB_PASSWORD]) expect(card).toContain(original);
    expect(markdown).toContain(`# Postmortem: INC-1 ${TITLE}`);
    expect((await api.incident(1)).alerts[0].links.generator).toBe(`http://admin:${PROM_PASSWORD}@prometheus:9090/graph`);
    expect(card).not.toMatch(/\[(email|card|token|aws-key|password)\]/);
    const [row] = await api.raws();
    expect(row!.raw).toContain(EMAIL);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const API_TOKEN = 'api-token-0123456789abcdef';

/** Text that would break a query built by splicing strings, and LIKE wildcards; stored and read back verbatim. */
const NASTY = [
  "'; DROP TABLE incidents; --",
  '" OR 1=1 --',
  "' OR '1'='1",
  "Robert'); DROP TABLE timeline_events;--",
  "'; SELECT pg_sleep(10); --",
  '$1',
  '$1::text; DELETE FROM alerts',
  '$$; DROP TABLE alerts; $$',
  '$tag$ quoted $tag$',
  '\\',
  '\\\\',
  "back\\slash \\' \\n \\x00 E'\\x41'",
  '%',
  '_',
  '%_%\\%',
  '/* unterminated comment',
  '?; :name; ${1}; {{7*7}}',
  '🔥 ünïcödé 中文 עברית \u202e\u200b RTL',
  '{"json": "inside", "nested": [1, "\'"]}',
  "'; DROP TABLE incidents; -- ".repeat(17).trim(),
];
/** Far longer than any column a careless schema would give it. */
const LONG = "x'; DROP TABLE alerts; --".repeat(4_000);

for (const kind of databaseKinds()) {
  describe(`SQL injection strings are stored and read back verbatim [${kind}]`, () => {
    let bot: TestBot;
    beforeAll(async () => {
      bot = await startTestBot(kind, { API_TOKEN, REDACT_PII: 'false' });
    });
    afterAll(async () => {
      await bot?.destroy();
    });

    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${bot.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.webhookToken}` },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return readJson(response);
    };
    const api = async (path: string) => {
      const response = await fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(response.status).toBe(200);
      return readJson(response);
    };
    const timelineTexts = async (incident: string): Promise<string[]> =>
      (await api(`/api/incidents/${incident}/timeline?limit=1000`)).events.map((e: { text: string }) => e.text);

    /** The alert as the read API shows it, with its annotations from the table (the API leaves them out). */
    const storedAlert = async (incident: string, source: string, fingerprint: string) => {
      const detail = await api(`/api/incidents/${incident}`);
      const alert = detail.alerts.find((a: { source: string; fingerprint: string }) => a.source === source && a.fingerprint === fingerprint);
      expect(alert, `${source} alert ${fingerprint} on ${incident}`).toBeDefined();
      const row = await bot.database.prisma.alert.findUniqueOrThrow({ where: { source_fingerprint: { source, fingerprint } }, select: { annotations: true, description: true } });
      return { ...alert, annotations: row.annotations, description: row.description, incidentTitle: detail.title };
    };

    it('generic webhook: titles, labels (keys and values), annotations and descriptions', async () => {
      const alerts = NASTY.map((text, i) => ({
        title: text,
        fingerprint: `generic-${i}`,
        description: text,
        labels: { [text]: text, nasty: text },
        annotations: { summary: text, [text]: text },
      }));
      alerts.push({ title: LONG.slice(0, 500), fingerprint: 'generic-long', description: LONG.slice(0, 20_000), labels: { [LONG.slice(0, 300)]: LONG, nasty: LONG }, annotations: { summary: LONG, [LONG.slice(0, 300)]: LONG } });
      const body = await post('/webhooks/generic', { alerts });
      for (const [i, sent] of alerts.entries()) {
        const { incident } = body.alerts[i];
        const stored = await storedAlert(incident, 'generic', sent.fingerprint);
        expect(stored.title).toBe(sent.title);
        expect(stored.labels).toEqual(sent.labels);
        expect(stored.annotations).toEqual(sent.annotations);
        expect(stored.description).toBe(sent.description);
        expect((await timelineTexts(incident)).some((text) => text.includes(sent.title))).toBe(true);
      }
    });

    it('Alertmanager webhook: label and annotation values, and the title taken from the summary', async () => {
      const sample = sharedFixture('alertmanager/firing.json') as { alerts: Record<string, unknown>[] };
      const template = sample.alerts[0]!;
      const alerts = [...NASTY, LONG].map((text, i) => ({
        ...template,
        fingerprint: `am-${i}`,
        labels: { alertname: text, severity: 'warning', [text.slice(0, 300)]: text },
        annotations: { summary: text, description: text },
      }));
      const body = await post('/webhooks/alertmanager', { ...sample, alerts, truncatedAlerts: 0 });
      for (const [i, sent] of alerts.entries()) {
        const stored = await storedAlert(body.alerts[i].incident, 'alertmanager', sent.fingerprint);
        expect(stored.title).toBe(sent.annotations.summary);
        expect(stored.labels).toEqual(sent.labels);
        expect(stored.annotations).toEqual(sent.annotations);
        // One notification is one group, so one incident, titled after its first alert (cut to 500 characters, never altered otherwise).
        expect(stored.incidentTitle).toBe(alerts[0]!.annotations.summary.slice(0, 500));
      }
    });

    it('Grafana webhook: labels and annotations', async () => {
      const sample = sharedFixture('grafana/firing.json') as { alerts: Record<string, unknown>[] };
      const alerts = NASTY.map((text, i) => ({ ...sample.alerts[0]!, fingerprint: `grafana-${i}`, labels: { alertname: text, [text]: text }, annotations: { summary: text } }));
      const body = await post('/webhooks/grafana', { ...sample, alerts });
      for (const [i, sent] of alerts.entries()) {
        const stored = await storedAlert(body.alerts[i].incident, 'grafana', sent.fingerprint);
        expect(stored.title).toBe(sent.labels.alertname);
        expect(stored.labels).toEqual(sent.labels);
        expect(stored.annotations).toEqual(sent.annotations);
      }
    });

    it('PagerDuty events: summary, source, dedup_key and custom details', async () => {
      const sample = sharedFixture('pagerduty/trigger.json') as { payload: Record<string, unknown> };
      for (const [i, text] of NASTY.entries()) {
        const dedupKey = `${i}:${text}`.slice(0, 255);
        const answer = await post('/v2/enqueue', {
          ...sample,
          dedup_key: dedupKey,
          payload: { ...sample.payload, summary: text, source: text.slice(0, 255), component: text, custom_details: { [text]: text } },
        });
        expect(answer.dedup_key).toBe(dedupKey);
        const row = await bot.database.prisma.alert.findUniqueOrThrow({ where: { source_fingerprint: { source: 'pagerduty', fingerprint: dedupKey } } });
        const stored = await storedAlert(`INC-${row.incidentId}`, 'pagerduty', dedupKey);
        expect(stored.title).toBe(text);
        expect(stored.labels).toMatchObject({ source: text.slice(0, 255), component: text });
        expect(stored.annotations).toEqual({ [text]: text });
      }
    });

    it('declared incidents: titles, notes, status updates and resolve summaries', async () => {
      for (const text of [...NASTY, LONG.slice(0, 500)]) {
        const { id } = await bot.incidents.declare({ title: text, severity: 2 }, { kind: 'bot' });
        await bot.incidents.addNote(id, text, { kind: 'bot' });
        await bot.incidents.addNote(id, LONG, { kind: 'bot' });
        await bot.incidents.postStatusUpdate(id, text, { kind: 'bot' });
        await bot.incidents.resolve(id, { kind: 'bot' }, text);
        const detail = await api(`/api/incidents/INC-${id}`);
        expect(detail.title).toBe(text);
        expect(detail.summary).toBe(text);
        const events = (await api(`/api/incidents/INC-${id}/timeline?limit=1000`)).events as { kind: string; text: string }[];
        expect(events.filter((e) => e.kind === 'note').map((e) => e.text)).toEqual([text, LONG]);
        expect(events.find((e) => e.kind === 'status.update')?.text).toBe(text);
      }
    });

    it('leaves every table in place and the read API listing them all', async () => {
      for (const table of ['incidents', 'alerts', 'incident_alerts', 'timeline_events', 'jobs']) {
        const [row] = await bot.database.prisma.$queryRaw<{ name: string | null }[]>`SELECT to_regclass(${table})::text AS name`;
        expect(row?.name).toBe(table);
      }
      const count = await bot.database.prisma.alert.count();
      expect(count).toBe(2 * (NASTY.length + 1) + 2 * NASTY.length);
      const listed = await api('/api/incidents?status=all&limit=500');
      expect(listed.incidents.map((i: { title: string }) => i.title)).toEqual(expect.arrayContaining(NASTY));
    });
  });
}

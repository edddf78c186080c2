import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invariantViolations } from '../support/database-invariants.js';
import { sharedFixture } from '../support/fixtures.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

/** Requests per route and database; FUZZ_RUNS=1000 for a long local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);
const API_TOKEN = 'read-api-fuzz-token-0123456789';

/** Each /api route: its path with a slot for the incident number, and the fields a 422 may name. */
const ROUTES: { path: (n: string) => string; fields: string[]; required?: string }[] = [
  { path: () => '/api/incidents', fields: ['status', 'limit'] },
  { path: (n: string) => `/api/incidents/${n}`, fields: ['number'] },
  { path: (n: string) => `/api/incidents/${n}/postmortem.md`, fields: ['number'] },
  { path: (n: string) => `/api/incidents/${n}/timeline`, fields: ['number', 'limit', 'after'] },
  { path: (n: string) => `/api/incidents/${n}/export`, fields: ['number'] },
  { path: () => '/api/incidents/export', fields: ['since', 'until'] },
  { path: () => '/api/reports/weekly', fields: ['weeks', 'team', 'format'] },
  { path: () => '/api/audit', fields: ['since', 'actor', 'action', 'limit'] },
  { path: () => '/api/alerts', fields: ['source', 'fingerprint'], required: '?source=alertmanager&fingerprint=x' },
];

/** Values at and past every bound a route has: int4 and int8 edges, durations and instants at the ends of the calendar. */
const EDGE_VALUES = [
  '1', '2', '0', '-1', '+1', '01', '1.5', '1e3', '0x10', ' 1', '1 ', 'NaN', 'Infinity',
  '2147483647', '2147483648', '-2147483648', '4294967296', '9007199254740993', '9223372036854775807', '9223372036854775808',
  '9'.repeat(30), '1'.repeat(400), 'INC-1', 'inc-2', 'INC-2147483648', 'INC-', 'INC-' + '9'.repeat(30),
  '7d', '24h', '90s', '1h30m', '0s', '250ms', '99999999w', '999999999999999999999w', '9'.repeat(400) + 'ms', '2000y', '105000w', '106000w',
  '2026-11-24', '2026-11-24T10:00:00Z', '2026-11-24T10:00:00+01:00', '0001-01-01T00:00:00Z', '0000-01-01', '9999-12-31T23:59:59.999Z',
  '10000-01-01', '+010000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '-271821-04-20', '2026-13-45', 'P1D', 'now', 'yesterday',
  'open', 'all', 'resolved', 'triggered', 'alertmanager', 'generic', 'json', 'csv', 'xml', 'payments', 'api.', 'API token', '%', '_', '\\', "'; DROP TABLE incidents; --",
  '', '__proto__', 'constructor',
];
/** Already percent-encoded text, some of it broken on purpose. */
const RAW_ENCODED = ['%', '%2', '%zz', '%00', 'a%00b', '%FF', '%C0%AF', '%ED%A0%80', '%F0%9F%94%A5', '%2F', '%2e%2e', '..', '.', '+', '%20', ';', '=', '&', '¿', 'ÿ'];

const encoded = (text: string) => encodeURIComponent(text);
const value = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...EDGE_VALUES).map(encoded) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_ENCODED) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }).map(encoded) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map((text) => encoded(text.replace(/[\uD800-\uDFFF]/g, ''))) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => `${n}w`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...RAW_ENCODED), fc.constantFrom(...EDGE_VALUES)).map(([a, b]) => a + encoded(b)) },
);

function queryString(fields: string[]) {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fields) },
    { weight: 1, arbitrary: fc.constantFrom(...fields.map((f) => `${f}[]`), '__proto__', 'constructor', 'a[b]', '', 'limit', 'since', 'after') },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }).map(encoded) },
  );
  const pair = fc.oneof({ weight: 5, arbitrary: fc.tuple(key, value).map(([k, v]) => `${k}=${v}`) }, { weight: 1, arbitrary: key });
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom('', '?', '?&') },
    { weight: 8, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.join('&')}`) },
  );
}

interface Answer {
  status: number;
  type: string;
  text: string;
}

/** GET with the path sent byte for byte as written (fetch would normalise it). */
function get(base: string, path: string, token = API_TOKEN): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', agent: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const kind of databaseKinds()) {
  describe(`read API under random paths and query strings [${kind}]`, () => {
    let bot: TestBot;
    beforeAll(async () => {
      bot = await startTestBot(kind, { API_TOKEN });
      // Something to read: an incident with alerts and a timeline, and audit rows from the reads below.
      const response = await fetch(`${bot.url}/webhooks/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bot.webhookToken}` },
        body: JSON.stringify(sharedFixture('alertmanager/firing.json')),
      });
      expect(response.status).toBe(200);
    });
    afterAll(async () => {
      await bot?.destroy();
    });

    for (const route of ROUTES) {
      const template = route.path(':number');
      it(`${template}: never a 5xx; errors are JSON; a 422 names the field`, async () => {
        const number = fc.oneof({ weight: 3, arbitrary: fc.constantFrom('1', 'INC-1', '2') }, { weight: 7, arbitrary: value });
        await fc.assert(
          fc.asyncProperty(number, queryString(route.fields), async (n, query) => {
            const path = route.path(n) + query;
            const answer = await get(bot.url, path);
            const context = `GET ${path} → ${answer.status} ${answer.text.slice(0, 300)}`;
            expect(answer.status, context).toBeLessThan(500);
            if (answer.status < 400) return;
            expect(answer.type, context).toContain('application/json');
            const json = JSON.parse(answer.text);
            expect(typeof json.error, context).toBe('string');
            expect(typeof json.message, context).toBe('string');
            if (answer.status === 422) {
              expect(json.problems.length, context).toBeGreaterThan(0);
              for (const problem of json.problems) {
                expect(route.fields, context).toContain(problem.path);
                expect(problem.message, context).toMatch(/\S/);
              }
            }
          }),
          { numRuns: RUNS },
        );
      }, 180_000);
    }

    it('names the field and its bounds for the values that used to answer 500', async () => {
      const cases: [string, string, RegExp][] = [
        ['/api/incidents/2147483648', 'number', /2147483647/],
        ['/api/incidents/INC-99999999999999999999/timeline', 'number', /2147483647/],
        [`/api/incidents/1/timeline?after=${'9'.repeat(30)}`, 'after', /9223372036854775807/],
        ['/api/audit?since=99999999w', 'since', /0001/],
        ['/api/audit?since=%2B275760-09-13T00:00:00Z', 'since', /9999/],
      ];
      for (const [path, field, bound] of cases) {
        const answer = await get(bot.url, path);
        expect(answer.status, `${path}: ${answer.text}`).toBe(422);
        const { problems } = JSON.parse(answer.text);
        expect(problems, path).toEqual([{ path: field, message: expect.stringMatching(bound) }]);
      }
    });

    it('still answers afterwards and the database keeps its invariants', async () => {
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      for (const route of ROUTES) {
        // The export of a range must be told where it starts.
        const path = route.path('1') + (route.required ?? (route.fields.includes('since') && route.path('1').startsWith('/api/incidents') ? '?since=7d' : ''));
        const answer = await get(bot.url, path);
        expect(answer.status, `${path}: ${answer.text}`).toBe(200);
      }
      expect(await invariantViolations(bot.database.prisma)).toEqual({});
    });
  });
}

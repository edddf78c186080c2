import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../src/db/sql.js';
import type { IncidentExport } from '../../src/incidents/incident-export.js';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { markVerified } from '../support/mark-verified.js';
import { readJson } from '../support/read-json.js';
import { runCli } from '../support/run-cli.js';
import { startSmtpInbox } from '../support/smtp-inbox.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const API_TOKEN = 'api-token-export-0123456789';
const CUSTOMER = 'jane.doe@example.com';
const PHONE = '+44 20 7946 0958';

/** GET with the read token, another token, or (null) none. */
const get = (bot: TestBot, path: string, token: string | null = API_TOKEN) => fetch(`${bot.url}${path}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
const lines = (text: string) => text.split('\n').filter((line) => line !== '');

for (const kind of databaseKinds()) {
  describe(`exporting an incident that went through everything [${kind}]`, () => {
    let fake: FakeSlack;
    let slack: SlackRequestSender;
    let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
    let bot: TestBot;
    let dir: string;

    beforeAll(async () => {
      fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
      inbox = await startSmtpInbox();
      dir = mkdtempSync(join(tmpdir(), 'incident-export-'));
      writeFileSync(
        join(dir, 'oncall.yaml'),
        [
          'people:',
          '  alice: { name: Alice Archer, slack: U0ALICE001, email: alice@example.com, notify: { high: [{ via: chat }, { via: email }] } }',
          'escalation_policies:',
          '  first: { levels: [{ targets: [{ person: alice }], delay: 1h }] }',
          'default_route: { escalation_policy: first }',
        ].join('\n'),
      );
      bot = await startTestBot(kind, {
        ONCALL_FILE: join(dir, 'oncall.yaml'),
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        SMTP_URL: inbox.url,
        EMAIL_FROM: 'Incident Bot <pager@example.com>',
        API_TOKEN,
      });
      await markVerified(bot.database.prisma, 'alice', { email: 'alice@example.com' });
      slack = fake.requestsTo(`${bot.url}/slack/events`);
    });
    afterAll(async () => {
      await bot?.destroy();
      await fake?.close();
      await inbox?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const command = async (text: string, channel: string) => {
      const sent = await slack.slashCommand({ command: '/incident', text, channel_id: channel, user_id: 'U0ALICE001' });
      return eventually(`the reply to /incident ${text}`, () => fake.state.responses.find((r) => r.url === sent.response_url));
    };

    it('GET /api/incidents/:number/export gives alerts, timeline, roles, channel, pages with notifications, playbook and postmortem as one JSON document', async () => {
      const number = await fireGenericAlert(bot, {
        title: `Checkout declines for ${CUSTOMER}`,
        severity: 'critical',
        service: 'checkout',
        fingerprint: 'export-1',
        description: `Support line ${PHONE} is ringing`,
        labels: { customer: CUSTOMER },
      });
      const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith(`inc-${number}-`) && fake.state.messages(c.id).length > 0));
      await eventually('the page email', () => inbox.mails.find((m) => m.to.includes('alice@example.com') && m.raw.includes(`INC-${number}`)));
      await command('role commander <@U0ALICE001|alice>', channel.id);
      await command(`note impact: ${CUSTOMER} called from ${PHONE}`, channel.id);
      await command('ack', channel.id);
      await command('resolve rolled back deploy 4812', channel.id);
      await command('postmortem', channel.id);
      await eventually('the email notification recorded as sent', async () => (await bot.database.prisma.notification.findFirst({ where: { via: 'email' } }))?.status === 'sent');

      const response = await get(bot, `/api/incidents/INC-${number}/export`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="INC-${number}.json"`);
      const document = (await response.json()) as IncidentExport;

      expect(document).toMatchObject({ format: 'incident-bot.incident', version: 1, redacted: false });
      expect(document.incident).toMatchObject({ number, id: `INC-${number}`, title: `Checkout declines for ${CUSTOMER}`, severity: 'SEV1', status: 'resolved', service: 'checkout', private: false, source: 'generic', summary: 'rolled back deploy 4812' });
      expect(document.incident.secondsToAcknowledge).toBeGreaterThanOrEqual(0);
      expect(document.incident.secondsToResolve).toBeGreaterThanOrEqual(document.incident.secondsToAcknowledge!);
      expect(document.incident.resolvedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

      expect(document.alerts).toHaveLength(1);
      expect(document.alerts[0]).toMatchObject({ source: 'generic', fingerprint: 'export-1', title: `Checkout declines for ${CUSTOMER}`, description: `Support line ${PHONE} is ringing`, labels: { customer: CUSTOMER, service: 'checkout' }, current: true });
      // The raw payload stays in the database: it is not part of the document.
      expect(JSON.stringify(document)).not.toContain('"raw"');

      const kinds = document.timeline.map((event) => event.kind);
      for (const expected of ['incident.opened', 'role.assigned', 'note', 'status.acknowledged', 'status.resolved']) expect(kinds).toContain(expected);
      // The alert's own start (the sender's) comes before the incident opened when the bot received it.
      expect(kinds.slice(0, 2)).toEqual(['alert.firing', 'incident.opened']);
      expect(document.timeline.find((event) => event.kind === 'note')).toMatchObject({ text: `${CUSTOMER} called from ${PHONE}`, tag: 'impact', actor: { type: 'person', name: 'Alice Archer' } });
      const times = document.timeline.map((event) => event.at);
      expect([...times].sort()).toEqual(times);

      expect(document.roles).toEqual([{ role: 'commander', person: { name: 'Alice Archer', handle: 'alice' }, assignedAt: expect.any(String) }]);
      expect(document.channels).toEqual([expect.objectContaining({ platform: 'slack', channelId: channel.id, name: channel.name, private: false })]);
      expect(document.pages).toHaveLength(1);
      expect(document.pages[0]).toMatchObject({ level: 1, person: { name: 'Alice Archer', handle: 'alice' }, platform: 'slack', sentAt: expect.any(String) });
      expect(document.pages[0]!.notifications).toEqual([expect.objectContaining({ via: 'email', address: 'alice@example.com', status: 'sent', sentAt: expect.any(String) })]);
      expect(document.playbook).toMatchObject({ id: expect.any(String), name: expect.any(String), steps: expect.any(Array) });
      expect(document.playbook!.steps.length).toBeGreaterThan(0);
      expect(document.postmortem!.markdown).toContain(`# Postmortem: INC-${number}`);
    });

    it('asks for the read token first, shows private incidents exactly as /api/incidents/:number does, and says what is wrong with a number', async () => {
      const sent = await slack.slashCommand({ command: '/incident', text: 'declare sev2 --private Leaked key in billing repo', channel_id: 'C0GENERAL1', user_id: 'U0ALICE001' });
      await eventually('the reply', () => fake.state.responses.find((r) => r.url === sent.response_url));
      const secret = await eventually('the private incident', () => bot.database.prisma.incident.findFirst({ where: { private: true } }));

      for (const token of [null, 'not-the-token-0123456789']) {
        const refused = await get(bot, `/api/incidents/${secret!.id}/export`, token);
        expect(refused.status).toBe(401);
        const body = await refused.text();
        expect(body).not.toContain('Leaked key');
        expect(JSON.parse(body).error).toBe('unauthorized');
        // Authentication comes first: an unknown incident is not told apart from a known one.
        expect((await get(bot, '/api/incidents/99999/export', token)).status).toBe(401);
        expect((await get(bot, '/api/incidents/export?since=7d', token)).status).toBe(401);
      }
      const shown = await readJson(get(bot, `/api/incidents/${secret!.id}`));
      const exported = (await readJson(get(bot, `/api/incidents/${secret!.id}/export`))) as IncidentExport;
      expect(exported.incident).toMatchObject({ private: true, title: shown.title });
      // The write token reads too, as on every /api route.
      expect((await get(bot, `/api/incidents/${secret!.id}/export`, bot.apiTokens.write)).status).toBe(200);

      const unknown = await get(bot, '/api/incidents/99999/export');
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: 'not_found', message: 'There is no incident INC-99999' });
      const malformed = await get(bot, '/api/incidents/checkout/export');
      expect(malformed.status).toBe(422);
      expect((await readJson(malformed)).problems).toEqual([{ path: 'number', message: expect.stringContaining('incident number') }]);

      const audit = await bot.database.prisma.auditEntry.findMany({ where: { action: 'api.incident.export' }, orderBy: { id: 'asc' } });
      expect(audit.map((entry) => entry.result)).toContain('ok');
      expect(audit.map((entry) => entry.result)).toContain('failed');
      expect(audit.every((entry) => entry.actorName.startsWith('API token from'))).toBe(true);
    });
  });

  describe(`exports under REDACT_PII [${kind}]`, () => {
    let bot: TestBot;
    beforeAll(async () => {
      bot = await startTestBot(kind, { API_TOKEN, REDACT_PII: 'true' });
    });
    afterAll(async () => {
      await bot?.destroy();
    });

    it('masks the email and phone in the alert and in a note typed by a person, in the document and in JSON Lines', async () => {
      const number = await fireGenericAlert(bot, { title: `Checkout declines for ${CUSTOMER}`, severity: 'critical', service: 'checkout', description: `Support line ${PHONE}`, labels: { customer: CUSTOMER } });
      const noted = await fetch(`${bot.url}/api/incidents/${number}/notes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.apiTokens.write}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: `${CUSTOMER} called back from ${PHONE}` }),
      });
      expect(noted.status).toBe(201);
      // The playbook's start and the escalation run in jobs of their own, each adding to the
      // timeline: the two exports below must read the same incident, so wait until they are done.
      await eventually('the playbook started', () => bot.database.prisma.timelineEvent.findFirst({ where: { incidentId: number, kind: 'playbook.started' } }));
      await eventually('the jobs due now done', async () => (await bot.database.prisma.job.count({ where: { dueAt: { lte: new Date() }, status: 'pending' } })) === 0);
      // What a person typed is stored as typed: only the export masks it.
      expect(JSON.stringify(await readJson(get(bot, `/api/incidents/${number}/timeline`)))).toContain(PHONE);

      const document = (await readJson(get(bot, `/api/incidents/${number}/export`))) as IncidentExport;
      const bulk = await (await get(bot, '/api/incidents/export?since=1h')).text();
      for (const text of [JSON.stringify(document), bulk]) {
        expect(text).not.toContain(CUSTOMER);
        expect(text).not.toContain(PHONE);
      }
      expect(document.redacted).toBe(true);
      expect(document.incident.title).toBe('Checkout declines for [email]');
      expect(document.alerts[0]).toMatchObject({ description: 'Support line [phone]', labels: { customer: '[email]' } });
      expect(document.timeline.find((event) => event.kind === 'note')!.text).toBe('[email] called back from [phone]');
      expect(JSON.parse(lines(bulk)[0]!)).toEqual(document);
    });
  });

  describe(`incident-bot export --since, from the database or through the running bot [${kind}]`, () => {
    let bot: TestBot;
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
    let closed = false;
    let out: string;
    const now = Date.now();
    const daysAgo = (days: number) => new Date(now - days * 86_400_000).toISOString();

    beforeAll(async () => {
      // On PostgreSQL the command needs the bot's DATABASE_URL: the test makes the database itself.
      postgres = kind === 'postgres' ? await createPostgresDatabase() : undefined;
      bot = await startTestBot('pglite', { API_TOKEN, ...(postgres ? { DATABASE_URL: postgres.url } : {}) });
      out = mkdtempSync(join(tmpdir(), 'incident-export-out-'));
      // Opened 10, 3 and 0 days ago: an incident opens when its first alert is received, so the
      // older two are dated back in the database, as if received then.
      for (const [index, days] of [10, 3, 0].entries()) {
        const number = await fireGenericAlert(bot, { title: `Range alert ${index + 1}`, fingerprint: `range-${index + 1}`, severity: 'warning', starts_at: daysAgo(days) });
        await bot.database.sql.query(sql`UPDATE incidents SET opened_at = ${new Date(daysAgo(days))}::timestamptz WHERE id = ${number}::int`);
      }
    });
    afterAll(async () => {
      if (closed) rmSync(bot.dataDir, { recursive: true, force: true });
      else await bot?.destroy();
      await postgres?.drop();
      if (out) rmSync(out, { recursive: true, force: true });
    });

    it('GET /api/incidents/export streams JSON Lines of the incidents opened in the range, by number', async () => {
      const response = await get(bot, '/api/incidents/export?since=7d');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('application/x-ndjson');
      const documents = lines(await response.text()).map((line) => JSON.parse(line) as IncidentExport);
      expect(documents.map((d) => d.incident.title)).toEqual(['Range alert 2', 'Range alert 3']);
      const windowed = lines(await (await get(bot, `/api/incidents/export?since=${daysAgo(30)}&until=${encodeURIComponent(daysAgo(5))}`)).text());
      expect(windowed.map((line) => (JSON.parse(line) as IncidentExport).incident.title)).toEqual(['Range alert 1']);
      expect(await (await get(bot, `/api/incidents/export?since=${daysAgo(60)}&until=${daysAgo(30)}`)).text()).toBe('');

      const noSince = await get(bot, '/api/incidents/export');
      expect(noSince.status).toBe(422);
      expect((await readJson(noSince)).problems).toEqual([{ path: 'since', message: expect.stringContaining('is required') }]);
      const backwards = await get(bot, '/api/incidents/export?since=1d&until=7d');
      expect(backwards.status).toBe(422);
      expect((await readJson(backwards)).problems).toEqual([{ path: 'until', message: 'must be after since' }]);
    });

    it('the CLI gives the same lines through the running bot as from the database', { timeout: 180_000 }, async () => {
      const database = postgres ? { DATABASE_URL: postgres.url } : {};
      const env = { DATA_DIR: bot.dataDir, PORT: String(bot.port), API_TOKEN, ...database };
      const since = daysAgo(7);
      // Embedded storage is held by the running bot: the command asks the bot's API instead.
      // On PostgreSQL it reads the database itself unless --url sends it to the bot.
      const viaBot = postgres ? ['--url', bot.url] : [];
      const throughBot = await runCli(['export', '--since', since, ...viaBot], env);
      expect(throughBot.code, throughBot.stderr).toBe(0);
      expect(lines(throughBot.stdout).map((line) => (JSON.parse(line) as IncidentExport).incident.id)).toEqual(['INC-2', 'INC-3']);

      const file = join(out, 'incidents.jsonl');
      const toFile = await runCli(['export', '--since', since, '--out', file, ...viaBot], env);
      expect(toFile.code, toFile.stderr).toBe(0);
      expect(toFile.stdout).toContain(`Exported 2 incident(s) opened from ${since} to ${file}`);
      expect(toFile.stdout).toContain('through the running bot');
      expect(readFileSync(file, 'utf8')).toBe(throughBot.stdout);
      expect(existsSync(`${file}.partial`)).toBe(false);

      if (!postgres) {
        await bot.close();
        closed = true;
      }
      const direct = { DATA_DIR: bot.dataDir, ...database };
      const fromDatabase = await runCli(['export', '--since', since], direct);
      expect(fromDatabase.code, fromDatabase.stderr).toBe(0);
      expect(fromDatabase.stdout).toBe(throughBot.stdout);

      const older = await runCli(['export', '--since', '30d', '--until', daysAgo(5)], direct);
      expect(older.code, older.stderr).toBe(0);
      expect(lines(older.stdout).map((line) => (JSON.parse(line) as IncidentExport).incident.title)).toEqual(['Range alert 1']);
    });

    it('says what is wrong with how it was asked, and with where the data is', { timeout: 120_000 }, async () => {
      const env = { DATA_DIR: bot.dataDir };
      const noSince = await runCli(['export'], env);
      expect(noSince.code).toBe(2);
      expect(noSince.stderr).toContain('--since 7d');
      const badSince = await runCli(['export', '--since', 'last tuesday'], env);
      expect(badSince.code).toBe(2);
      expect(badSince.stderr).toContain('--since must be a duration such as 24h or 7d');
      const backwards = await runCli(['export', '--since', '1d', '--until', '7d'], env);
      expect(backwards.code).toBe(2);
      expect(backwards.stderr).toContain('--until must be after --since');
      const nowhere = await runCli(['export', '--since', '7d'], { DATA_DIR: join(out, 'no-such-data') });
      expect(nowhere.code).toBe(1);
      expect(nowhere.stderr).toContain('There is no database in DATA_DIR');
      expect(nowhere.stdout).toBe('');
      const noFolder = await runCli(['export', '--since', '7d', '--out', join(out, 'missing', 'incidents.jsonl')], env);
      expect(noFolder.code).toBe(1);
      expect(noFolder.stderr).toContain('ENOENT');
      expect(noFolder.stderr).toContain('--out must name a file in a folder you can write');
      expect(noFolder.stderr).not.toMatch(/^\s+at /m);
    });

    it('leaves no file behind when the answer breaks off part way, and shows a refusal as the bot said it', { timeout: 120_000 }, async () => {
      // A bot (or a proxy before it) that dies after one and a half documents, or refuses the token.
      const server = createServer((request, response) => {
        if (request.headers.authorization !== `Bearer ${API_TOKEN}`) {
          response.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized', message: 'Send the read token' }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/x-ndjson' });
        response.write('{"format":"incident-bot.incident","incident":{"number":1}}\n{"format":"incident-bot.inc');
        setTimeout(() => response.socket?.destroy(), 50);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        const file = join(out, 'broken.jsonl');
        const broken = await runCli(['export', '--since', '7d', '--url', url, '--out', file], { DATA_DIR: bot.dataDir, API_TOKEN });
        expect(broken.code).toBe(1);
        expect(broken.stderr).toContain('The export stopped part way');
        expect(broken.stderr).toContain('no file was written');
        expect(existsSync(file)).toBe(false);
        expect(existsSync(`${file}.partial`)).toBe(false);

        const refused = await runCli(['export', '--since', '7d', '--url', url], { DATA_DIR: bot.dataDir, API_TOKEN: 'some-other-token-0123456789' });
        expect(refused.code).toBe(1);
        expect(refused.stderr).toContain('The bot refused (401): Send the read token');
        expect(refused.stdout).toBe('');
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';

const ONCALL = [
  'people:',
  '  alice: { name: Alice Archer, slack: U0ALICE001, email: alice@example.com }',
  '  bob: { name: Bob Baker, slack: U0BOB00001 }',
  '  carol: { name: Carol Chen, slack: U0CAROL001 }',
  'teams:',
  '  db: { name: Databases, members: [alice, bob], schedules: [db-primary], escalation_policy: db }',
  '  web: { name: Web, members: [carol] }',
  'schedules:',
  '  db-primary:',
  '    timezone: UTC',
  '    layers:',
  '      - { participants: [alice], rotation: daily, handoff: "00:00", start: 2026-01-01 }',
  'escalation_policies:',
  '  db:',
  '    levels:',
  '      - { targets: [{ schedule: db-primary }], delay: 5m }',
  '      - { targets: [{ team: db }], delay: 10m }',
  'routes:',
  '  - id: db',
  '    match: { labels: { service: db } }',
  '    team: db',
].join('\n');

interface TimelineEvent {
  kind: string;
  text: string;
  actor: { type: string; name: string };
}

for (const kind of databaseKinds()) {
  describe(`write API: ack, mitigate, resolve and notes without chat [${kind}]`, () => {
    let dir: string;
    let fake: FakeSlack;
    let bot: TestBot;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'write-api-'));
      writeFileSync(join(dir, 'oncall.yaml'), ONCALL);
      fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
      // No API_TOKEN or API_WRITE_TOKEN: both are generated into DATA_DIR, as on a new install.
      bot = await startTestBot(kind, { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ONCALL_FILE: join(dir, 'oncall.yaml') });
    });
    afterAll(async () => {
      await bot?.destroy();
      await fake?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const write = (path: string, body?: unknown, token: string | undefined = bot.apiTokens.write) =>
      fetch(`${bot.url}${path}`, {
        method: 'POST',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), 'user-agent': 'write-test/1.0' },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
    const read = (path: string) => readJson(fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }));
    const timeline = async (number: number) => (await read(`/api/incidents/${number}/timeline`)).events as TimelineEvent[];
    const card = (channelId: string) => JSON.stringify(fake.state.messages(channelId)[0]?.blocks ?? []);
    const audit = (action: string) => bot.database.prisma.auditEntry.findMany({ where: { action, platform: 'api' }, orderBy: { id: 'asc' } });
    const escalationJobs = (number: number) => bot.database.prisma.job.count({ where: { subject: `incident:${number}`, kind: 'escalation.step', status: 'pending' } });
    const open = async (title: string) => {
      const response = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title, severity: 'critical', service: 'db', fingerprint: title }),
      });
      expect(response.status).toBe(200);
      return Number(/^INC-(\d+)$/.exec((await readJson(response)).alerts[0].incident)![1]);
    };

    it('acknowledges as a person of oncall.yaml: timeline, card, escalation and audit as from chat', async () => {
      const number = await open('replica lag above 60s');
      const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith(`inc-${number}-`) && fake.state.messages(c.id).length > 0));
      await eventually('the card with its Acknowledge button', () => card(channel.id).includes('"action_id":"incident.ack"'));
      // Level 1 has paged Alice; level 2 waits for its turn as a job.
      await eventually('the page to Alice', () => fake.state.channels.find((c) => c.is_im && c.members.includes('U0ALICE001') && fake.state.messages(c.id).length > 0));
      await eventually('the next escalation step waiting', async () => (await escalationJobs(number)) === 1);

      const response = await write(`/api/incidents/${number}/ack`, { as: 'alice' });
      expect(response.status).toBe(200);
      const answer = await readJson(response);
      expect(answer.message).toBe(`INC-${number} acknowledged by Alice Archer. Escalation stops here.`);
      expect(answer.incident).toMatchObject({ number, id: `INC-${number}`, status: 'acknowledged' });

      const ack = (await timeline(number)).find((event) => event.kind === 'status.acknowledged')!;
      expect(ack.actor).toMatchObject({ type: 'person', name: 'Alice Archer' });
      expect(await escalationJobs(number)).toBe(0);
      await eventually('the card edited: acknowledged, no Acknowledge button', () => card(channel.id).includes('acknowledged') && !card(channel.id).includes('"action_id":"incident.ack"'));
      const alice = await bot.database.prisma.person.findUniqueOrThrow({ where: { handle: 'alice' } });
      expect(await audit('incident.ack')).toEqual([
        expect.objectContaining({ actorId: alice.id, actorName: 'Alice Archer', result: 'ok', args: expect.objectContaining({ incident: number, as: 'alice', via: 'API write token from 127.0.0.1 (write-test/1.0)' }) }),
      ]);

      const again = await write(`/api/incidents/${number}/ack`, { as: 'bob' });
      expect(again.status).toBe(409);
      expect((await readJson(again)).message).toBe(`INC-${number} is already acknowledged`);
      expect((await timeline(number)).filter((event) => event.kind === 'status.acknowledged')).toHaveLength(1);

      // The email of a listed person names them too.
      const mitigated = await write(`/api/incidents/${number}/mitigate`, { as: 'ALICE@example.com' });
      expect(mitigated.status).toBe(200);
      expect((await readJson(mitigated)).incident.status).toBe('mitigated');
    });

    it('holds a named person to their roles: only the team, its commander or an admin resolves', async () => {
      const number = await open('primary disk 95% full');
      const refused = await write(`/api/incidents/${number}/resolve`, { as: 'carol', summary: 'not mine to close' });
      expect(refused.status).toBe(403);
      expect((await readJson(refused)).message).toContain(`Only Databases responders, the incident commander or an admin may resolve INC-${number}. Carol Chen is not a member of Databases in oncall.yaml.`);
      expect((await read(`/api/incidents/${number}`)).status).toBe('triggered');
      expect((await audit('incident.resolve')).at(-1)).toMatchObject({ actorName: 'Carol Chen', result: 'refused' });

      const resolved = await write(`/api/incidents/${number}/resolve`, { as: 'bob', summary: 'cleaned up old WAL segments' });
      expect(resolved.status).toBe(200);
      expect((await readJson(resolved)).incident).toMatchObject({ status: 'resolved', summary: 'cleaned up old WAL segments' });
      expect(await escalationJobs(number)).toBe(0);
    });

    it('acts as the write token itself when nobody is named, and takes notes with their postmortem tag', async () => {
      const number = await open('checkout latency p99 above 2s');
      const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith(`inc-${number}-`) && fake.state.messages(c.id).length > 0));
      const noted = await write(`/api/incidents/${number}/notes`, { text: 'rootcause: connection pool sized for the old replica count' });
      expect(noted.status).toBe(201);
      expect(await readJson(noted)).toEqual({ message: `Noted on the timeline of INC-${number} (tagged rootcause for the postmortem).`, tag: 'rootcause' });
      // A bare POST (curl -X POST) is a resolve with no summary.
      const resolved = await write(`/api/incidents/${number}/resolve`);
      expect(resolved.status).toBe(200);
      expect((await readJson(resolved)).message).toBe(`INC-${number} resolved by API write token.`);
      const events = await timeline(number);
      expect(events.find((event) => event.kind === 'note')).toMatchObject({ text: 'rootcause: connection pool sized for the old replica count', actor: { type: 'source', name: 'API write token' } });
      expect(events.find((event) => event.kind === 'status.resolved')).toMatchObject({ actor: { type: 'source', name: 'API write token' } });
      await eventually('the card says resolved', () => card(channel.id).toLowerCase().includes('resolved'));
      expect((await audit('incident.resolve')).at(-1)).toMatchObject({ actorId: null, actorName: 'API write token from 127.0.0.1 (write-test/1.0)', result: 'ok' });
      expect((await audit('incident.note')).at(-1)).toMatchObject({ result: 'ok', args: expect.objectContaining({ incident: number, text: 'rootcause: connection pool sized for the old replica count' }) });
      // The write token reads too: one credential for a tool that does both.
      expect((await fetch(`${bot.url}/api/incidents/${number}`, { headers: { authorization: `Bearer ${bot.apiTokens.write}` } })).status).toBe(200);
    });

    it('says what is wrong with a request, and changes nothing', async () => {
      const number = await open('queue depth above 10k');
      // Paging adds its own events meanwhile; what a refused write would have added is these.
      const changes = async () => (await timeline(number)).filter((event) => event.kind === 'note' || event.kind.startsWith('status.'));

      const anonymous = await write(`/api/incidents/${number}/ack`, { as: 'alice' }, '');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="incident-bot"');
      expect((await readJson(anonymous)).message).toBe(
        'No Authorization header: send the write API token as "Authorization: Bearer <token>" (the token is API_WRITE_TOKEN, or when that is unset the one the bot generated into DATA_DIR/api-write-token).',
      );
      const wrong = await write(`/api/incidents/${number}/ack`, {}, 'not-a-token-the-bot-knows');
      expect(wrong.status).toBe(401);
      expect((await readJson(wrong)).message).toMatch(/^The Bearer token is not the one this bot expects: send the write API token/);

      const readOnly = await write(`/api/incidents/${number}/ack`, {}, bot.apiTokens.read);
      expect(readOnly.status).toBe(403);
      expect((await readJson(readOnly)).message).toBe(
        'This is the read API token; POST /api/incidents/:number/ack changes an incident and needs the write token: API_WRITE_TOKEN, or when that is unset the one the bot generated into DATA_DIR/api-write-token',
      );

      const missing = await write('/api/incidents/9999/resolve', { summary: 'x' });
      expect(missing.status).toBe(404);
      expect((await readJson(missing)).message).toBe('There is no incident INC-9999');

      const nobody = await write(`/api/incidents/${number}/ack`, { as: 'zed' });
      expect(nobody.status).toBe(422);
      expect(await readJson(nobody)).toMatchObject({ message: 'Nobody in oncall.yaml is "zed"', problems: [{ path: 'as', message: expect.stringContaining('handle (the key under people:) or the email') }] });

      const typo = await write(`/api/incidents/${number}/resolve`, { summery: 'typo in the field name' });
      expect(typo.status).toBe(422);
      expect(JSON.stringify((await readJson(typo)).problems)).toContain('summery');

      const empty = await write(`/api/incidents/${number}/notes`, { text: '   ' });
      expect(empty.status).toBe(422);
      expect((await readJson(empty)).problems).toEqual([{ path: 'text', message: 'must not be empty' }]);

      const tooLong = await write(`/api/incidents/${number}/notes`, { text: 'x'.repeat(4001) });
      expect(tooLong.status).toBe(422);
      expect((await readJson(tooLong)).problems).toEqual([{ path: 'text', message: 'must be at most 4000 characters' }]);

      const notJson = await write(`/api/incidents/${number}/notes`, '{"text": ');
      expect(notJson.status).toBe(400);
      expect((await readJson(notJson)).error).toBe('invalid_json');

      const badNumber = await write('/api/incidents/INC-x/ack', {});
      expect(badNumber.status).toBe(422);
      expect((await readJson(badNumber)).problems[0].path).toBe('number');

      expect(await changes()).toEqual([]);
      expect((await read(`/api/incidents/${number}`)).status).toBe('triggered');
      const results = (await bot.database.prisma.auditEntry.findMany({ where: { platform: 'api', args: { path: ['incident'], equals: number } } })).map((row) => row.result);
      expect(results.sort()).toEqual(['invalid', 'invalid', 'invalid', 'invalid', 'invalid']);
      expect(await audit('incident.resolve')).toContainEqual(expect.objectContaining({ result: 'failed', detail: 'There is no incident INC-9999', args: expect.objectContaining({ incident: 9999 }) }));
      expect((await audit('incident.note')).map((row) => row.detail)).toContain('text: must be at most 4000 characters');
    });
  });
}

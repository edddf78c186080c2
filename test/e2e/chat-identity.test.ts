import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { DEFAULT_SLACK_USERS, startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const API_TOKEN = 'api-token-identity-0123456789';

const ONCALL = [
  'people:',
  '  alice: { name: Alice Archer, slack: U0ALICE001, email: alice@example.com, roles: [admin] }',
  '  carol: { name: Carol Chen, email: carol@example.com, roles: [admin] }',
  '  dave: { name: Dave Diaz, email: dave@example.com, roles: [admin] }',
].join('\n');

const USERS = [
  ...DEFAULT_SLACK_USERS,
  // Someone who set alice's address on a second account (Slack confirms it: it is a real inbox they reach, or an SSO quirk).
  { id: 'U0MALLORY1', name: 'mallory', real_name: 'Mallory Moss', email: 'alice@example.com', tz: 'UTC' },
  { id: 'U0DAVE0001', name: 'dave', real_name: 'Dave Diaz', email: 'dave@example.com', is_email_confirmed: false, tz: 'UTC' },
];

interface AuditRow {
  action: string;
  result: string;
  actorName: string;
  args: { userId: string };
  detail: string | null;
}

for (const kind of databaseKinds()) {
  describe(`chat identity by email [${kind}]`, () => {
    let fake: FakeSlack;
    let bot: TestBot;
    let slack: SlackRequestSender;
    let dir: string;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'chat-identity-'));
      writeFileSync(join(dir, 'oncall.yaml'), ONCALL);
      fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, users: USERS });
      bot = await startTestBot(kind, { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, API_TOKEN, ONCALL_FILE: join(dir, 'oncall.yaml') });
      slack = fake.requestsTo(`${bot.url}/slack/events`);
    }, 120_000);
    afterAll(async () => {
      await bot?.destroy();
      await fake?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const command = async (user: string, text: string, channel = 'C0GENERAL1') => {
      const sent = await slack.slashCommand({ command: '/incident', text, user_id: user, channel_id: channel });
      const reply = await eventually(`the answer to ${user}: /incident ${text}`, () => fake.state.responses.find((r) => r.url === sent.response_url));
      return JSON.stringify(reply.body);
    };
    const incident = (number: number) => readJson(fetch(`${bot.url}/api/incidents/${number}`, { headers: { authorization: `Bearer ${API_TOKEN}` } })) as Promise<{ status: string; severity: string }>;
    const identityAudit = async () =>
      ((await readJson(fetch(`${bot.url}/api/audit?action=identity.link`, { headers: { authorization: `Bearer ${API_TOKEN}` } }))) as { entries: AuditRow[] }).entries;
    const directMessages = (user: string) =>
      fake.state.channels.filter((c) => c.is_im && c.members.includes(user)).flatMap((c) => fake.state.messages(c.id).map((m) => JSON.stringify([m.text, m.blocks])));
    let channelId: string;

    it('a second Slack account with an admin`s email does not become that admin: the id in oncall.yaml wins', async () => {
      expect(await command('U0ALICE001', 'declare sev2 Checkout is down')).toContain('declared');
      const channel = await eventually('the incident channel', () => fake.state.channels.find((c) => c.name.startsWith('inc-1-') && fake.state.messages(c.id).length > 0));
      channelId = channel.id;
      await eventually('the incident card', () => fake.state.messages(channelId).length > 0);

      const answer = await command('U0MALLORY1', 'resolve nothing to see', channelId);
      expect(answer).toContain('Mallory Moss is not listed in oncall.yaml');
      expect((await incident(1)).status).not.toBe('resolved');
      const refused = await eventually('the audited refusal', async () => (await identityAudit()).find((e) => e.args.userId === 'U0MALLORY1'));
      expect(refused).toMatchObject({ result: 'refused', actorName: 'Alice Archer' });
      expect(refused.detail).toContain('already has the Slack account U0ALICE001');
      expect(directMessages('U0MALLORY1')).toEqual([]);

      // Alice is still alice, and still the only holder of her roles.
      expect(await command('U0ALICE001', 'sev 1', channelId)).not.toContain('not listed');
      await eventually('sev 1', async () => (await incident(1)).severity === 'SEV1');
    });

    it('an email Slack has not confirmed links nobody', async () => {
      const answer = await command('U0DAVE0001', 'resolve', channelId);
      expect(answer).toContain('Dave Diaz is not listed in oncall.yaml');
      const refused = await eventually('the audited refusal', async () => (await identityAudit()).find((e) => e.args.userId === 'U0DAVE0001'));
      expect(refused).toMatchObject({ result: 'refused', actorName: 'Dave Diaz' });
      expect(refused.detail).toContain('does not say this account confirmed');
      expect((await incident(1)).status).not.toBe('resolved');
    });

    it('a confirmed email links a listed person who has no Slack id: audited, told by DM, kept across a reload', async () => {
      expect(await command('U0CAROL001', 'resolve fixed by Carol', channelId)).not.toContain('not listed');
      await eventually('resolved by carol', async () => (await incident(1)).status === 'resolved');
      const linked = await eventually('the audited link', async () => (await identityAudit()).find((e) => e.args.userId === 'U0CAROL001'));
      expect(linked).toMatchObject({ result: 'ok', actorName: 'Carol Chen' });
      const notice = await eventually('the DM to carol', () => directMessages('U0CAROL001').find((m) => m.includes('was linked')));
      expect(notice).toContain('U0CAROL001');
      expect(notice).toContain('If this was not you, tell an admin');

      await bot.reload();
      expect(await command('U0CAROL001', 'declare sev3 Second one')).toContain('declared');
      const links = (await identityAudit()).filter((e) => e.args.userId === 'U0CAROL001');
      expect(links).toHaveLength(1);
      expect(directMessages('U0CAROL001').filter((m) => m.includes('was linked'))).toHaveLength(1);
    });
  });
}

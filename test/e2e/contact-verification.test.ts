import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { startSmtpInbox } from '../support/smtp-inbox.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const TOKEN = 'xoxb-verification-test';
const SECRET = 'verification-signing-secret';
const unfold = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

describe('verifying contact methods before pages use them (Slack, a real SMTP server)', () => {
  let fake: FakeSlack;
  let slack: SlackRequestSender;
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
    inbox = await startSmtpInbox();
    dir = mkdtempSync(join(tmpdir(), 'verification-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, slack: U0ALICE001, email: alice@example.com, phone: "+15550100001", notify: { high: [{ via: chat }, { via: email }] } }',
        '  bob: { name: Bob Baker, slack: U0BOB00001, email: bob@example.com }',
        'escalation_policies:',
        '  first: { levels: [{ targets: [{ person: alice }], delay: 1h }] }',
        'default_route: { escalation_policy: first }',
      ].join('\n'),
    );
    bot = await startTestBot('pglite', {
      SLACK_BOT_TOKEN: TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.apiUrl,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      SMTP_URL: inbox.url,
      EMAIL_FROM: 'Incident Bot <pager@example.com>',
    });
    slack = fake.requestsTo(`${bot.url}/slack/events`);
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    await inbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const oncall = async (user: string, text: string) => {
    const delivery = await slack.slashCommand({ command: '/oncall', text, user_id: user });
    expect(delivery.status).toBe(200);
    const reply = await eventually('the answer', () => fake.state.responses.find((r) => r.url === delivery.response_url));
    expect(reply.response_type).toBe('ephemeral');
    return JSON.stringify(reply.body);
  };
  const fire = async (title: string) => {
    return fireGenericAlert(bot, { title, severity: 'critical', fingerprint: title });
  };

  it('pages only by chat while email is unverified, and says so in /oncall contact', async () => {
    const n = await fire('Checkout down');
    await eventually('the page', async () => (await bot.database.prisma.page.count({ where: { incidentId: n } })) === 1);
    expect(await bot.database.prisma.notification.count({ where: { page: { incidentId: n } } })).toBe(0);
    const contact = await oncall('U0ALICE001', 'contact');
    expect(contact).toContain('email: alice@example.com (not verified');
    expect(contact).toContain('sms: +15550100001 (not verified');
    expect(contact).toContain('no provider is configured for it yet');
    expect(contact).toContain('High urgency: chat, email');
    await bot.incidents.acknowledge(n, { kind: 'bot' });
  });

  it('/oncall verify emails a code and a link; the code, typed back, verifies the address; a wrong code is refused', async () => {
    const sent = await oncall('U0ALICE001', 'verify');
    expect(sent).toContain('email: a test with a code is on its way to alice@example.com');
    expect(sent).toContain('sms: no provider is configured for it yet');
    const mail = await eventually('the test email', () => inbox.mails.find((m) => m.to.includes('alice@example.com')));
    const code = /verification code is (\d{6})/.exec(unfold(mail.raw))![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    expect(await oncall('U0ALICE001', `verify ${wrong}`)).toContain('That code is not one the bot sent you');
    // Bob cannot use Alice's code.
    expect(await oncall('U0BOB00001', `verify ${code}`)).toContain('That code is not one the bot sent you');
    expect(await oncall('U0ALICE001', `verify ${code}`)).toContain('Pages can now reach you by email at alice@example.com');
    expect(await oncall('U0ALICE001', 'contact')).toContain('email: alice@example.com (verified');
    // A used code does not work twice.
    expect(await oncall('U0ALICE001', `verify ${code}`)).toContain('That code is not one the bot sent you');
  });

  it('then pages by email too', async () => {
    const n = await fire('Payments down');
    const mail = await eventually('the page email', () => inbox.mails.find((m) => m.to.includes('alice@example.com') && m.raw.includes(`INC-${n}`)));
    expect(mail.raw).toContain(`INC-${n} SEV1`);
  });

  it('/oncall test-page pages you by chat and every verified method; only an admin may test someone else', async () => {
    const answer = await oncall('U0ALICE001', 'test-page');
    expect(answer).toContain('Test page to Alice Archer');
    expect(answer).toContain('email: sent to alice@example.com');
    expect(answer).toContain('sms: not verified, so not tested');
    const mail = await eventually('the test page email', () => inbox.mails.find((m) => m.to.includes('alice@example.com') && m.raw.includes('Test page from Alice Archer')));
    expect(mail.raw).toContain('Nothing is wrong');
    await eventually('the test page DM', () => fake.state.channels.find((c) => c.is_im && c.members.includes('U0ALICE001') && JSON.stringify(fake.state.messages(c.id)).includes('Test page from Alice Archer')));
    expect(await oncall('U0BOB00001', 'test-page <@U0ALICE001|alice>')).toContain('Only admins may send a test page to someone else');
  });

  it('the link in the test email confirms without typing, once', async () => {
    const sent = await oncall('U0BOB00001', 'verify');
    expect(sent).toContain('email: a test with a code is on its way to bob@example.com');
    const mail = await eventually('Bob`s test email', () => inbox.mails.find((m) => m.to.includes('bob@example.com')));
    const link = /(https?:\/\/[^\s"]+\/ack\/[A-Za-z0-9_-]{43})/.exec(unfold(mail.raw))![1]!.replace(/^https?:\/\/[^/]+/, bot.url);
    expect(await (await fetch(link)).text()).toContain('Confirm email for paging');
    expect(await bot.database.prisma.contactVerification.count({ where: { via: 'email', address: 'bob@example.com', verifiedAt: { not: null } } })).toBe(0);
    const confirmed = await fetch(link, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' });
    expect(confirmed.status).toBe(200);
    expect(await bot.database.prisma.contactVerification.count({ where: { via: 'email', address: 'bob@example.com', verifiedAt: { not: null } } })).toBe(1);
    expect((await fetch(link, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' })).status).toBe(410);
    expect(await oncall('U0BOB00001', 'verify')).toContain('Nothing to verify');
  });
});

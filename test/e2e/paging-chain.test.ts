import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATION_JOB } from '../../src/engine/job-kinds.js';
import { markVerified } from '../support/mark-verified.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { DEFAULT_SLACK_USERS, startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { startFakeTwilio } from '../support/fake-twilio.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { fallDueNow } from '../support/job-time.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const SLACK_TOKEN = 'xoxb-chain-test';
const SIGNING_SECRET = 'chain-signing-secret';
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH = 'twilio-auth-token-for-chain';
const IVY = { slack: 'U0IVY00001', phone: '+15550100011' };


describe('one page, every way in turn: a Slack DM, then an SMS, then a call answered with a key press', () => {
  let slack: FakeSlack;
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    slack = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SIGNING_SECRET, users: [...DEFAULT_SLACK_USERS, { id: IVY.slack, name: 'ivy', real_name: 'Ivy Moreau', email: 'ivy@example.com', tz: 'Europe/Paris' }] });
    twilio = await startFakeTwilio({ accountSid: SID, authToken: AUTH });
    dir = mkdtempSync(join(tmpdir(), 'paging-chain-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        `  ivy: { name: Ivy Moreau, slack: ${IVY.slack}, phone: "${IVY.phone}", notify: { high: [{ via: chat }, { via: sms, after: 2m }, { via: voice, after: 5m }] } }`,
        'escalation_policies:',
        '  ivy: { levels: [{ targets: [{ person: ivy }], delay: 1h }] }',
        'default_route: { escalation_policy: ivy }',
      ].join('\n'),
    );
    const port = await freePort();
    bot = await startTestBot('pglite', {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: AUTH,
      TWILIO_FROM_NUMBER: '+15005550006',
      TWILIO_API_URL: twilio.url,
    });
    await markVerified(bot.database.prisma, 'ivy', { sms: IVY.phone, voice: IVY.phone });
  });
  afterAll(async () => {
    await bot?.destroy();
    await twilio?.close();
    await slack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const timeline = async (n: number) => (await bot.database.prisma.timelineEvent.findMany({ where: { incidentId: n }, orderBy: { id: 'asc' } })).map((e) => e.text);
  /** The next planned notification's time comes: the test moves it, instead of waiting minutes. */
  const nextNotificationFallsDue = async () => {
    const [next] = await bot.database.prisma.job.findMany({ where: { kind: NOTIFICATION_JOB, status: 'pending' }, orderBy: { dueAt: 'asc' }, take: 1 });
    await bot.database.prisma.job.update({ where: { id: next!.id }, data: { dueAt: new Date(Date.now() - 1_000) } });
    bot.worker.wake();
  };

  it('goes chat, SMS, voice at the times the person set, and key 1 on the call acknowledges and stops the rest', async () => {
    const n = await fireGenericAlert(bot, { title: 'Primary database unreachable', severity: 'critical', fingerprint: 'chain-1' });
    const dm = await eventually('the Slack DM', () => slack.state.channels.find((c) => c.is_im && c.members.includes(IVY.slack) && slack.state.messages(c.id).length > 0));
    expect(JSON.stringify(slack.state.messages(dm.id)[0]!.blocks)).toContain(`INC-${n}`);
    expect(await timeline(n)).toContain('Paging Ivy Moreau (level 1), then sms +2m, voice +5m');
    expect(twilio.messages).toHaveLength(0);

    await nextNotificationFallsDue();
    const sms = await eventually('the SMS', () => twilio.messages.find((m) => m.body.includes(`INC-${n}`)));
    expect(sms.to).toBe(IVY.phone);
    await eventually('the SMS on the timeline', async () => (await timeline(n)).includes('SMS to Ivy Moreau sent'));
    expect(twilio.calls).toHaveLength(0);

    await nextNotificationFallsDue();
    const call = await eventually('the call', () => twilio.calls.find((c) => c.twiml.includes(`INC-${n}`)));
    expect(call.to).toBe(IVY.phone);
    const pressed = await twilio.press(call.sid, '1');
    expect(await pressed.text()).toContain(`INC-${n} acknowledged. Escalation stopped. Goodbye.`);
    expect((await bot.database.prisma.incident.findUniqueOrThrow({ where: { id: n } })).status).toBe('acknowledged');
    const ack = await bot.database.prisma.timelineEvent.findFirstOrThrow({ where: { incidentId: n, kind: 'status.acknowledged' } });
    expect(ack.actorName).toBe('Ivy Moreau');

    // Nothing is left to go: a later escalation step or notification would find the page answered.
    await fallDueNow(bot.database);
    bot.worker.wake();
    await eventually('the queue drained', async () => (await bot.database.prisma.job.count({ where: { status: 'pending', dueAt: { lte: new Date() } } })) === 0);
    expect(twilio.messages.filter((m) => m.body.includes(`INC-${n}`))).toHaveLength(1);
    expect(twilio.calls.filter((c) => c.twiml.includes(`INC-${n}`))).toHaveLength(1);
    expect(slack.state.messages(dm.id).filter((m) => JSON.stringify(m.blocks ?? m.text).includes(`INC-${n}`)).length).toBe(1);
  });
});

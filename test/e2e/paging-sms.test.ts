import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { markVerified } from '../support/mark-verified.js';
import { startFakeTwilio } from '../support/fake-twilio.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { readJson } from '../support/read-json.js';
import { startSmtpInbox } from '../support/smtp-inbox.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH = 'twilio-auth-token-for-tests';


describe('paging by SMS through a strict Twilio stand-in, with signed delivery receipts', () => {
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: SID, authToken: AUTH });
    inbox = await startSmtpInbox();
    dir = mkdtempSync(join(tmpdir(), 'paging-sms-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  erin: { name: Erin Diaz, phone: "+15550100003", email: erin@example.com, notify: { high: [{ via: sms }, { via: email, after: 20m }] } }',
        '  finn: { name: Finn Moss, phone: "+15005550001", email: finn@example.com, notify: { high: [{ via: sms }, { via: email, after: 20m }] } }',
        '  gus: { name: Gus Hale, phone: "+15550100004", email: gus@example.com, notify: { high: [{ via: voice }, { via: email, after: 20m }] } }',
        'escalation_policies:',
        '  erin: { levels: [{ targets: [{ person: erin }], delay: 1h }] }',
        '  finn: { levels: [{ targets: [{ person: finn }], delay: 1h }] }',
        '  gus: { levels: [{ targets: [{ person: gus }], delay: 1h }] }',
        'routes:',
        '  - { id: finn, match: { labels: { service: finn } }, escalation_policy: finn }',
        '  - { id: gus, match: { labels: { service: gus } }, escalation_policy: gus }',
        'default_route: { escalation_policy: erin }',
      ].join('\n'),
    );
    const port = await freePort();
    bot = await startTestBot('pglite', {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: AUTH,
      TWILIO_FROM_NUMBER: '+15005550006',
      TWILIO_API_URL: twilio.url,
      // Erin gets more texts here than the default limit allows in 10 minutes (test/integration/paging/phone-rate-limit.test.ts).
      PAGE_RATE_LIMIT: 'off',
      SMTP_URL: inbox.url,
      EMAIL_FROM: 'pager@example.com',
    });
    await markVerified(bot.database.prisma, 'erin', { sms: '+15550100003', email: 'erin@example.com' });
    await markVerified(bot.database.prisma, 'finn', { sms: '+15005550001', email: 'finn@example.com' });
    await markVerified(bot.database.prisma, 'gus', { voice: '+15550100004', email: 'gus@example.com' });
  });
  afterAll(async () => {
    await bot?.destroy();
    await twilio?.close();
    await inbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let count = 0;
  const fire = async (service: string) => {
    count++;
    const title = `Payments API “5xx” above 5% in eu-west-1 for the last ten minutes ${count}`;
    return fireGenericAlert(bot, { title, severity: 'critical', service, fingerprint: `sms-${count}` });
  };
  const timeline = async (n: number) =>
    ((await readJson(fetch(`${bot.url}/api/incidents/${n}/timeline`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }))).events as { kind: string; text: string }[]).map((e) => e.text);

  it('sends one GSM-7 segment from the configured number, asks for receipts, and records the delivered one', async () => {
    const n = await fire('payments');
    const sms = await eventually('the SMS', () => twilio.messages.find((m) => m.body.includes(`INC-${n}`)));
    expect(sms).toMatchObject({ to: '+15550100003', from: '+15005550006', statusCallback: `${bot.url}/twilio/status` });
    expect(sms.body.length).toBeLessThanOrEqual(160);
    expect(sms.body).toContain('"5xx"');
    await eventually('sent on the timeline', async () => (await timeline(n)).includes('SMS to Erin Diaz sent'));
    expect((await twilio.report(sms.sid, 'delivered')).status).toBe(204);
    await eventually('delivered on the timeline', async () => (await timeline(n)).includes('SMS to Erin Diaz delivered'));
  });

  it('refuses a forged receipt and one without a signature, and changes nothing', async () => {
    const n = await fire('payments');
    const sms = await eventually('the SMS', () => twilio.messages.find((m) => m.body.includes(`INC-${n}`)));
    await eventually('sent', async () => (await timeline(n)).includes('SMS to Erin Diaz sent'));
    expect((await twilio.report(sms.sid, 'failed', { forge: true })).status).toBe(403);
    const unsigned = await fetch(`${bot.url}/twilio/status`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `MessageSid=${sms.sid}&MessageStatus=failed` });
    expect(unsigned.status).toBe(401);
    expect((await bot.database.prisma.notification.findFirstOrThrow({ where: { providerId: sms.sid } })).status).toBe('sent');
  });

  it('an undelivered SMS moves the page on to email at once, and says so', async () => {
    const n = await fire('payments');
    const sms = await eventually('the SMS', () => twilio.messages.find((m) => m.body.includes(`INC-${n}`)));
    await eventually('sent', async () => (await timeline(n)).includes('SMS to Erin Diaz sent'));
    await twilio.report(sms.sid, 'undelivered', { errorCode: '30003' });
    await eventually('the failure', async () => (await timeline(n)).some((t) => t === 'SMS to Erin Diaz failed: Twilio says undelivered (error 30003); email goes now'));
    await eventually('the email, twenty minutes early', () => inbox.mails.find((m) => m.to.includes('erin@example.com') && m.raw.includes(`INC-${n}`)));
  });

  it('a number Twilio refuses (21211) fails at once and moves on, with Twilio`s reason', async () => {
    const n = await fire('finn');
    const failed = await eventually('the failure', async () => (await timeline(n)).find((t) => t.startsWith('SMS to Finn Moss failed')));
    expect(failed).toContain("21211 The 'To' number +15005550001 is not a valid phone number.");
    await eventually('the email', () => inbox.mails.find((m) => m.to.includes('finn@example.com') && m.raw.includes(`INC-${n}`)));
  });

  it('acknowledges by SMS reply ("ack" or "ack 42"), answers in TwiML, and helps with anything else', async () => {
    const n = await fire('payments');
    await eventually('the SMS', () => twilio.messages.find((m) => m.body.includes(`INC-${n}`)));
    const reply = async (from: string, body: string) => {
      const response = await twilio.text(`${bot.url}/twilio/sms`, from, body);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/xml');
      return /<Message>(.*)<\/Message>/.exec(await response.text())![1]!;
    };
    expect(await reply('+15550100003', 'hello?')).toBe('Reply &quot;ack&quot; to acknowledge your latest page, &quot;ack 42&quot; for INC-42, &quot;ack all&quot; for every open one, or &quot;esc 42&quot; to escalate INC-42 now.');
    expect(await reply('+15550199999', 'ack')).toBe('This number is not on any on-call list.');
    expect(await reply('+15550100003', 'ack 99999')).toBe('You were not paged for INC-99999.');
    expect((await twilio.text(`${bot.url}/twilio/sms`, '+15550100003', 'ack', { forge: true })).status).toBe(403);
    expect(await reply('+15550100003', `ACK INC-${n}`)).toBe(`INC-${n} acknowledged. Escalation stopped.`);
    const incident = await readJson(fetch(`${bot.url}/api/incidents/${n}`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }));
    expect(incident.status).toBe('acknowledged');
    expect(await bot.database.prisma.auditEntry.findFirstOrThrow({ where: { platform: 'sms', action: 'incident.ack' } })).toMatchObject({ actorName: 'Erin Diaz', result: 'ok' });
    expect(await reply('+15550100003', `ack ${n}`)).toBe(`INC-${n} is already acknowledged`);
    // "esc": the next escalation step runs now instead of in an hour (here the policy's end).
    const m = await fire('payments');
    await eventually('the SMS', () => twilio.messages.find((msg) => msg.body.includes(`INC-${m}`)));
    expect(await reply('+15550100003', `esc ${m}`)).toBe(`INC-${m}: escalating to the next level now.`);
    await eventually('the policy ran out, an hour early', async () => (await timeline(m)).some((t) => t.startsWith('Escalation policy')));
    expect(await timeline(m)).toContain('Erin Diaz asked by SMS to escalate now');
  });

  it('calls, reads the page and takes a key press: 1 acknowledges; a call nobody answers moves the page on', async () => {
    const n = await fire('gus');
    const call = await eventually('the call', () => twilio.calls.find((c) => c.twiml.includes(`INC-${n}`)));
    expect(call).toMatchObject({ to: '+15550100004', from: '+15005550006', statusCallback: `${bot.url}/twilio/status` });
    expect(call.twiml).toContain(`<Gather numDigits="1" timeout="10" action="${bot.url}/twilio/voice" method="POST">`);
    expect(call.twiml).toContain('Press 1 to acknowledge. Press 2 to escalate.');
    const pressed = await twilio.press(call.sid, '1');
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain(`<Say>INC-${n} acknowledged. Escalation stopped. Goodbye.</Say>`);
    expect((await readJson(fetch(`${bot.url}/api/incidents/${n}`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }))).status).toBe('acknowledged');

    const m = await fire('gus');
    const unanswered = await eventually('the second call', () => twilio.calls.find((c) => c.twiml.includes(`INC-${m}`)));
    await eventually('the call on the timeline', async () => (await timeline(m)).includes('Voice call to Gus Hale sent'));
    expect((await twilio.endCall(unanswered.sid, 'no-answer')).status).toBe(204);
    await eventually('no answer on the timeline', async () => (await timeline(m)).includes('Voice call to Gus Hale failed: Twilio says no-answer; email goes now'));
    await eventually('the email', () => inbox.mails.find((mail) => mail.to.includes('gus@example.com') && mail.raw.includes(`INC-${m}`)));
  });

  it('a Twilio rate limit delays the SMS without losing it', async () => {
    twilio.failNext(429);
    const n = await fire('payments');
    const job = await eventually('the retry', async () => (await bot.database.prisma.job.findFirst({ where: { kind: 'page.notify', status: 'pending', lastError: { contains: '20429' } } })) ?? undefined);
    expect(job.attempts).toBe(0);
    await bot.database.prisma.job.update({ where: { id: job.id }, data: { dueAt: new Date(Date.now() - 1000) } });
    bot.worker.wake();
    await eventually('the SMS', () => twilio.messages.find((m) => m.body.includes(`INC-${n}`)));
    expect(twilio.messages.filter((m) => m.body.includes(`INC-${n}`))).toHaveLength(1);
  });
});

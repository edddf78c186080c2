import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeTwilio } from '../support/fake-twilio.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { runCli } from '../support/run-cli.js';
import { startSmtpInbox } from '../support/smtp-inbox.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const SID = 'AC0123456789abcdef0123456789abcdef';
const AUTH = 'twilio-auth-token-verification-cli';
const unfold = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');

/** A team without chat: contact methods verified from the CLI, then paged by SMS and email (a real SMTP server, Twilio's stand-in). */
describe('incident-bot oncall contact and verify: paging beyond chat on a team without chat', () => {
  let bot: TestBot;
  let dir: string;
  let env: Record<string, string>;
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    twilio = await startFakeTwilio({ accountSid: SID, authToken: AUTH });
    dir = mkdtempSync(join(tmpdir(), 'verify-cli-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  bruno: { name: Bruno Keller, email: bruno@example.com, phone: "+15550100002", notify: { high: [{ via: sms }, { via: email }] } }',
        'escalation_policies:',
        '  first: { levels: [{ targets: [{ person: bruno }], delay: 1h }] }',
        'default_route: { escalation_policy: first }',
      ].join('\n'),
    );
    bot = await startTestBot('pglite', {
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      SMTP_URL: inbox.url,
      EMAIL_FROM: 'Incident Bot <pager@example.com>',
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: AUTH,
      TWILIO_FROM_NUMBER: '+15005550006',
      TWILIO_API_URL: twilio.url,
    });
    env = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(dir, 'oncall.yaml'), PORT: new URL(bot.url).port };
  }, 60_000);
  afterAll(async () => {
    await bot?.destroy();
    await inbox?.close();
    await twilio?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends the tests, confirms the SMS with its code, and the next page reaches the person by SMS; notify-preview agrees', { timeout: 90_000 }, async () => {
    const before = await runCli(['oncall', 'contact', 'bruno'], env);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stdout).toContain('sms: *********002 (not verified)');
    expect(before.stdout).toContain('email: b***@example.com (not verified)');
    // Masked: this answer goes to the read token, and a phone number or push topic is not its business.
    expect(before.stdout).not.toContain('+15550100002');
    // While the bot holds embedded storage the preview asks it, rather than take every method as verified.
    const unverified = await runCli(['oncall', 'notify-preview', 'bruno'], env);
    expect(unverified.stderr).not.toContain('Every method is shown as verified');
    expect(unverified.stdout).toMatch(/sms .*not verified/);

    const sent = await runCli(['oncall', 'verify', 'bruno'], env);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toContain('sms: a test with a code is on its way to *********002');
    expect(sent.stdout).toContain('email: a test with a code is on its way to b***@example.com');
    const sms = await eventually('the test SMS', () => twilio.messages.find((m) => m.to === '+15550100002' && /verification code is \d{6}/.test(m.body)));
    const code = /verification code is (\d{6})/.exec(sms.body)![1]!;
    expect(sms.body).toContain(`incident-bot oncall verify <you> ${code}`);
    await eventually('the test email', () => inbox.mails.find((m) => m.to.includes('bruno@example.com') && /verification code is \d{6}/.test(unfold(m.raw))));

    const wrong = await runCli(['oncall', 'verify', 'bruno', code === '000000' ? '111111' : '000000'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('The bot refused (422): That code is not one the bot sent Bruno Keller');
    const confirmed = await runCli(['oncall', 'verify', 'bruno', code], env);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    expect(confirmed.stdout.trim()).toBe('Pages can now reach Bruno Keller by sms at *********002.');
    expect((await runCli(['oncall', 'contact', 'bruno'], env)).stdout).toContain('sms: *********002 (verified)');
    expect((await runCli(['oncall', 'notify-preview', 'bruno'], env)).stdout).not.toMatch(/sms .*not verified/);

    const n = await fireGenericAlert(bot, { title: 'Checkout down', severity: 'critical' });
    const page = await eventually('the page by SMS', () => twilio.messages.find((m) => m.to === '+15550100002' && m.body.includes(`INC-${n}`)));
    expect(page.body).toContain('Checkout down');

    // The audit trail has each request, never the code.
    const audit = await bot.database.prisma.auditEntry.findMany({ where: { action: 'api.contact.verify' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.result, (a.args as { confirm: boolean }).confirm])).toEqual([
      ['ok', false],
      ['invalid', true],
      ['ok', true],
    ]);
    expect(JSON.stringify(audit.map((a) => [a.args, a.detail]))).not.toContain(code);
  });

  it('sends tests at most three times in a row per person: each send texts them and replaces their codes', { timeout: 60_000 }, async () => {
    const answers: number[] = [];
    for (let i = 0; i < 2; i++) answers.push((await fetch(`${bot.url}/api/people/bruno/contact-methods/verify`, { method: 'POST', headers: { authorization: `Bearer ${bot.apiTokens.write}`, 'content-type': 'application/json' }, body: '{}' })).status);
    // The first test above was one send: two more, then the limit.
    expect(answers).toEqual([202, 202]);
    const limited = await runCli(['oncall', 'verify', 'bruno'], env);
    expect(limited.code).toBe(1);
    expect(limited.stderr).toContain('The bot refused (429): Tests were sent to Bruno Keller a moment ago');
  });

  it('names a person oncall.yaml does not list, refuses the read token, and says what a code must be', { timeout: 60_000 }, async () => {
    const nobody = await runCli(['oncall', 'contact', 'mallory'], env);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('Nobody in oncall.yaml is "mallory"');
    const read = await fetch(`${bot.url}/api/people/bruno/contact-methods/verify`, { method: 'POST', headers: { authorization: `Bearer ${bot.apiTokens.read}`, 'content-type': 'application/json' }, body: '{}' });
    expect(read.status).toBe(403);
    const letters = await runCli(['oncall', 'verify', 'bruno', 'abc'], env);
    expect(letters.code).toBe(1);
    expect(letters.stderr).toContain('code: must be the six digits of the code the test carried');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markVerified } from '../support/mark-verified.js';
import { eventually } from '../support/eventually.js';
import { fallDueNow } from '../support/job-time.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { readJson } from '../support/read-json.js';
import { startSmtpInbox } from '../support/smtp-inbox.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/** The acknowledge link in a page email's text part (quoted-printable may fold it: unfold first). */
function ackLinkIn(raw: string): string {
  const unfolded = raw.replace(/=\r?\n/g, '');
  return /(https?:\/\/[^\s"]+\/ack\/[A-Za-z0-9_-]{43})/.exec(unfolded)![1]!;
}

describe('paging by email: a real SMTP server, the one-time link clicked over HTTP', () => {
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    inbox = await startSmtpInbox({ user: 'pager@example.com', password: 'smtp-password-1' });
    dir = mkdtempSync(join(tmpdir(), 'paging-email-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  bruno:',
        '    name: Bruno Keller',
        '    email: bruno@example.com',
        '    notify: { high: [{ via: email }] }',
        '  ann:',
        '    name: Ann Lee',
        '    email: ann@gone.example.com',
        '    ntfy_topic: ann-pages',
        '    notify: { high: [{ via: email }, { via: push, after: 30m }] }',
        '  cleo:',
        '    name: Cleo Park',
        '    email: cleo@example.com',
        '    notify: { high: [{ via: email, after: 10m }] }',
        'escalation_policies:',
        '  bruno: { levels: [{ targets: [{ person: bruno }], delay: 1h }] }',
        '  ann: { levels: [{ targets: [{ person: ann }], delay: 1h }] }',
        '  cleo: { levels: [{ targets: [{ person: cleo }], delay: 1h }] }',
        'routes:',
        '  - { id: ann, match: { labels: { service: ann } }, escalation_policy: ann }',
        '  - { id: cleo, match: { labels: { service: cleo } }, escalation_policy: cleo }',
        'default_route: { escalation_policy: bruno }',
      ].join('\n'),
    );
    bot = await startTestBot('pglite', { ONCALL_FILE: join(dir, 'oncall.yaml'), SMTP_URL: inbox.url, EMAIL_FROM: 'Incident Bot <pager@example.com>' });
    // Verification of contact methods arrives with its own commands; here the methods are taken as verified.
    await markVerified(bot.database.prisma, 'bruno', { email: 'bruno@example.com' });
    await markVerified(bot.database.prisma, 'ann', { email: 'ann@gone.example.com', push: 'ann-pages' });
    await markVerified(bot.database.prisma, 'cleo', { email: 'cleo@example.com' });
  });
  afterAll(async () => {
    await bot?.destroy();
    await inbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let alerts = 0;
  const fire = async (service: string) => {
    alerts++;
    return fireGenericAlert(bot, { title: `Checkout errors ${alerts}`, severity: 'critical', service, fingerprint: `paging-${alerts}` });
  };
  const incident = (n: number) => readJson(fetch(`${bot.url}/api/incidents/${n}`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }));
  const timeline = async (n: number) =>
    (await readJson(fetch(`${bot.url}/api/incidents/${n}/timeline`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }))).events as { kind: string; text: string; actor: { name: string } }[];
  const onBot = (link: string) => link.replace(/^https?:\/\/[^/]+/, bot.url);
  const mailTo = (address: string, n: number) => eventually(`the page email to ${address}`, () => inbox.mails.find((m) => m.to.includes(address) && m.raw.includes(`INC-${n}`)));

  it('emails the page with a link that shows what it will do, and acknowledges only when its button is pressed', async () => {
    const n = await fire('checkout');
    const mail = await mailTo('bruno@example.com', n);
    expect(mail.raw).toContain(`Subject: INC-${n} SEV1: Checkout errors`);
    const link = ackLinkIn(mail.raw);
    expect(link.startsWith(`http://localhost:${bot.port}/ack/`)).toBe(true);
    await eventually('the timeline says it went', async () => (await timeline(n)).some((e) => e.kind === 'page.notified' && e.text === 'Email to Bruno Keller sent'));

    // Opening the link (a person, or a mail scanner fetching every link) changes nothing.
    const shown = await fetch(onBot(link));
    expect(shown.status).toBe(200);
    expect(await shown.text()).toContain(`Acknowledge INC-${n}?`);
    expect((await incident(n)).status).toBe('triggered');

    const pressed = await fetch(onBot(link), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' });
    expect(pressed.status).toBe(200);
    const thanks = await pressed.text();
    expect(thanks).toContain(`INC-${n} acknowledged`);
    // Where to follow it: its console page (there may be no chat channel).
    expect(thanks).toContain(`/ui/incidents/${n}`);
    expect((await incident(n)).status).toBe('acknowledged');
    const ack = (await timeline(n)).find((e) => e.kind === 'status.acknowledged')!;
    expect(ack.actor.name).toBe('Bruno Keller');
    const audit = await bot.database.prisma.auditEntry.findFirstOrThrow({ where: { action: 'incident.ack', actorName: 'Bruno Keller' } });
    expect(audit).toMatchObject({ platform: 'http', result: 'ok', args: { incident: n, via: 'email link' } });

    const again = await fetch(onBot(link), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('This link was already used');
  });

  it('acknowledges once when the button is pressed twice at the same moment', async () => {
    const n = await fire('checkout');
    const link = onBot(ackLinkIn((await mailTo('bruno@example.com', n)).raw));
    const press = () => fetch(link, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' }).then((r) => r.status);
    const statuses = await Promise.all([press(), press(), press()]);
    expect(statuses.sort()).toEqual([200, 410, 410]);
    expect((await timeline(n)).filter((e) => e.kind === 'status.acknowledged')).toHaveLength(1);
  });

  it('refuses a link that is not one, without a stack trace', async () => {
    expect((await fetch(`${bot.url}/ack/${'x'.repeat(43)}`)).status).toBe(404);
    expect((await fetch(`${bot.url}/ack/short`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' })).status).toBe(404);
  });

  it('a bounced address fails at once, says so on the timeline, and the person`s next method goes now', async () => {
    inbox.refuse('ann@gone.example.com', 550, 'No such user here');
    const n = await fire('ann');
    const failed = await eventually('the failure on the timeline', async () => (await timeline(n)).find((e) => e.kind === 'page.notify-failed' && e.text.startsWith('Email to Ann Lee failed')));
    expect(failed.text).toContain('550');
    expect(failed.text).toContain('push goes now');
    // Push was planned for 30 minutes later; it ran at once (and, with no push provider set up yet, says so).
    const push = await eventually('the push attempt', async () => (await timeline(n)).find((e) => e.text.startsWith('Push notification to Ann Lee failed')));
    expect(push.text).toContain('no push provider is configured');
    expect(await bot.database.prisma.notification.findMany({ where: { page: { incidentId: n } }, orderBy: { id: 'asc' }, select: { via: true, status: true } })).toEqual([
      { via: 'email', status: 'failed' },
      { via: 'push', status: 'failed' },
    ]);
  });

  it('an acknowledgement stops the notifications still to come', async () => {
    const n = await fire('cleo');
    await eventually('the page', async () => (await bot.database.prisma.notification.count({ where: { page: { incidentId: n } } })) === 1);
    const write = await fetch(`${bot.url}/api/incidents/${n}/ack`, { method: 'POST', headers: { authorization: `Bearer ${bot.apiTokens.write}`, 'content-type': 'application/json' }, body: '{}' });
    expect(write.status).toBe(200);
    // Its ten minutes pass: the email's job runs and sends nothing.
    await fallDueNow(bot.database, 'page.notify');
    bot.worker.wake();
    await eventually('the notification cancelled', async () => (await bot.database.prisma.notification.findFirstOrThrow({ where: { page: { incidentId: n } } })).status === 'cancelled');
    expect(inbox.mails.filter((m) => m.to.includes('cleo@example.com'))).toHaveLength(0);
  });
});

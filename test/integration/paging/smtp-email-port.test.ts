import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactSendError } from '../../../src/paging/contact-port.js';
import { smtpEmailPort } from '../../../src/paging/email/smtp-email-port.js';
import { startSmtpInbox } from '../../support/smtp-inbox.js';

describe('email over SMTP, against a real SMTP server', () => {
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let port: ReturnType<typeof smtpEmailPort>;
  beforeAll(async () => {
    inbox = await startSmtpInbox({ user: 'pager@example.com', password: 'smtp-secret-1' });
    port = smtpEmailPort({ smtpUrl: inbox.url, from: 'Incident Bot <pager@example.com>' });
  });
  afterAll(async () => {
    port?.close();
    await inbox?.close();
  });

  it('logs in and delivers a text and HTML email with the one-time link, escaped', async () => {
    const { providerId } = await port.send('bruno@example.com', {
      subject: 'INC-7 SEV1: Checkout <5xx> above 5%',
      text: 'INC-7 SEV1 triggered: Checkout <5xx> above 5%\nTeam: payments',
      actionUrl: 'https://bot.example.com/ack/abc123',
      actionLabel: 'Acknowledge INC-7',
    });
    expect(providerId).toMatch(/^<.+>$/);
    const mail = inbox.mails.at(-1)!;
    expect(mail.from).toBe('pager@example.com');
    expect(mail.to).toEqual(['bruno@example.com']);
    expect(mail.raw).toContain('Subject: INC-7 SEV1: Checkout <5xx> above 5%');
    expect(mail.raw).toContain('Acknowledge INC-7: https://bot.example.com/ack/abc123');
    expect(mail.raw).toContain('href=3D"https://bot.example.com/ack/abc123"');
    expect(mail.raw).toContain('Checkout &lt;5xx&gt; above 5%');
  });

  it('says a refused mailbox (5xx) is final and a busy server (4xx) worth trying again', async () => {
    inbox.refuse('gone@example.com', 550, 'No such user');
    inbox.refuse('later@example.com', 451, 'Try again later');
    const gone = await port.send('gone@example.com', { subject: 's', text: 't' }).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(ContactSendError);
    expect((gone as ContactSendError).retryHint.retryable).toBe(false);
    expect((gone as ContactSendError).message).toContain('550');
    const later = await port.send('later@example.com', { subject: 's', text: 't' }).catch((error: unknown) => error);
    expect((later as ContactSendError).retryHint.retryable).toBe(true);
  });

  it('says a wrong password is final (no retry fixes it) and an unreachable server worth trying again', async () => {
    const wrong = smtpEmailPort({ smtpUrl: inbox.url.replace('smtp-secret-1', 'nope'), from: 'pager@example.com' });
    const refused = await wrong.send('bruno@example.com', { subject: 's', text: 't' }).catch((error: unknown) => error);
    wrong.close();
    expect((refused as ContactSendError).retryHint.retryable).toBe(false);
    const down = smtpEmailPort({ smtpUrl: 'smtp://127.0.0.1:1', from: 'pager@example.com', timeoutMs: 2_000 });
    const unreachable = await down.send('bruno@example.com', { subject: 's', text: 't' }).catch((error: unknown) => error);
    down.close();
    expect(unreachable).toBeInstanceOf(ContactSendError);
    expect((unreachable as ContactSendError).retryHint.retryable).toBe(true);
  });
});

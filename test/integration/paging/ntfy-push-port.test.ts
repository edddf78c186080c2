import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactSendError } from '../../../src/paging/contact-port.js';
import { ntfyPushPort } from '../../../src/paging/push/ntfy-push-port.js';
import { startFakeNtfy } from '../../support/fake-ntfy.js';

describe('push through ntfy, against a stand-in that answers as ntfy does', () => {
  let ntfy: Awaited<ReturnType<typeof startFakeNtfy>>;
  beforeAll(async () => {
    ntfy = await startFakeNtfy({ token: 'tk_ntfy-test-token' });
  });
  afterAll(() => ntfy?.close());

  it('publishes at the highest priority with an Acknowledge button that POSTs the one-time link', async () => {
    const port = ntfyPushPort({ url: ntfy.url, token: 'tk_ntfy-test-token' });
    const { providerId } = await port.send('bruno-pages', { subject: 'INC-7 SEV1: Checkout down', text: 'You are paged.', actionUrl: 'https://bot.example.com/ack/tok', actionLabel: 'Acknowledge INC-7' });
    expect(providerId).toMatch(/^msg\d+$/);
    expect(ntfy.published.at(-1)).toMatchObject({
      topic: 'bruno-pages',
      title: 'INC-7 SEV1: Checkout down',
      priority: 5,
      actions: [{ action: 'http', label: 'Acknowledge INC-7', url: 'https://bot.example.com/ack/tok', method: 'POST' }],
    });
  });

  it('says a rate limit is worth waiting out, a refused token final, and a server error worth retrying', async () => {
    const port = ntfyPushPort({ url: ntfy.url, token: 'tk_ntfy-test-token' });
    ntfy.failNext(429);
    const limited = (await port.send('bruno-pages', { subject: 's', text: 't' }).catch((e: unknown) => e)) as ContactSendError;
    expect(limited).toBeInstanceOf(ContactSendError);
    expect(limited.retryHint).toEqual({ retryable: true, retryAfterMs: 60_000 });
    expect(limited.message).toContain('42901');
    ntfy.failNext(500);
    expect(((await port.send('bruno-pages', { subject: 's', text: 't' }).catch((e: unknown) => e)) as ContactSendError).retryHint.retryable).toBe(true);
    const wrong = ntfyPushPort({ url: ntfy.url, token: 'tk_wrong' });
    const refused = (await wrong.send('bruno-pages', { subject: 's', text: 't' }).catch((e: unknown) => e)) as ContactSendError;
    expect(refused.retryHint.retryable).toBe(false);
    expect(refused.message).toBe('the ntfy server answered 401: 40101 unauthorized');
    const down = ntfyPushPort({ url: 'http://127.0.0.1:1', timeoutMs: 2_000 });
    expect(((await down.send('x', { subject: 's', text: 't' }).catch((e: unknown) => e)) as ContactSendError).retryHint.retryable).toBe(true);
  });
});

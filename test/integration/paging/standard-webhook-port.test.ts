import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactSendError } from '../../../src/paging/contact-port.js';
import { standardWebhookPort } from '../../../src/paging/webhook/standard-webhook-port.js';
import { ManualClock } from '../../../src/time/clock.js';

const SECRET = 'whsec_cGFnZS13ZWJob29rLXNlY3JldC1mb3ItdGVzdHMtMQ==';

describe('page webhooks signed as Standard Webhooks says, to a receiver that verifies them', () => {
  const received: { headers: IncomingHttpHeaders; body: string; verified: unknown }[] = [];
  const answers: number[] = [];
  let url: string;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified: unknown;
      try {
        // The specification's own library, as a receiver would use it: throws on a bad signature or an old timestamp.
        verified = new Webhook(SECRET).verify(body, request.headers as Record<string, string>);
      } catch (error) {
        response.writeHead(401).end(String(error));
        return;
      }
      received.push({ headers: request.headers, body, verified });
      response.writeHead(answers.shift() ?? 204).end();
    });
  });
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pager`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('signs what it sends so the receiver`s library accepts it, and the signature is the HMAC the specification defines', async () => {
    const port = standardWebhookPort({ secret: SECRET, now: () => new Date() });
    await port.send(url, { subject: 'INC-7 SEV1: Checkout down', text: 'You are paged.', actionUrl: 'https://bot.example.com/ack/t', actionLabel: 'Acknowledge INC-7' }, { key: 'notification:7' });
    const got = received.at(-1)!;
    expect(got.verified).toEqual({ type: 'page', timestamp: expect.any(String), data: { subject: 'INC-7 SEV1: Checkout down', text: 'You are paged.', action_url: 'https://bot.example.com/ack/t', action_label: 'Acknowledge INC-7' } });
    const id = String(got.headers['webhook-id']);
    const ts = String(got.headers['webhook-timestamp']);
    const expected = createHmac('sha256', Buffer.from(SECRET.slice(6), 'base64')).update(`${id}.${ts}.${got.body}`).digest('base64');
    expect(got.headers['webhook-signature']).toBe(`v1,${expected}`);
  });

  it('keeps the id of one notification across retries, so the receiver can drop a copy', async () => {
    const port = standardWebhookPort({ secret: SECRET, now: () => new Date() });
    await port.send(url, { subject: 's', text: 't' }, { key: 'notification:8' });
    await port.send(url, { subject: 's', text: 't' }, { key: 'notification:8' });
    await port.send(url, { subject: 's', text: 't' }, { key: 'notification:9' });
    const ids = received.slice(-3).map((r) => r.headers['webhook-id']);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('is refused by the receiver when the timestamp is stale (a replay), and says which answers are final', async () => {
    const stale = standardWebhookPort({ secret: SECRET, now: () => new ManualClock('2020-01-01T00:00:00Z').now() });
    const replay = (await stale.send(url, { subject: 's', text: 't' }).catch((e: unknown) => e)) as ContactSendError;
    expect(replay.message).toBe('the webhook answered 401');
    expect(replay.retryHint.retryable).toBe(false);
    const port = standardWebhookPort({ secret: SECRET, now: () => new Date() });
    answers.push(503, 410);
    expect(((await port.send(url, { subject: 's', text: 't' }).catch((e: unknown) => e)) as ContactSendError).retryHint.retryable).toBe(true);
    expect(((await port.send(url, { subject: 's', text: 't' }).catch((e: unknown) => e)) as ContactSendError).retryHint.retryable).toBe(false);
  });
});

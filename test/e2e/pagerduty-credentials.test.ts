import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

// Two integrations, each with its own routing key (as two PagerDuty services would have).
const KEY_A = 'a7c1e09f3b5d4e2a8c6f0b1d3e5a7c9f';
const KEY_B = 'b2d4f6a8c0e1f3a5c7e9b1d3f5a7c9e0';
const API_TOKEN = 'api-token-0123456789abcdef';

const trigger = (routingKey: string, dedupKey: string, summary = `alert ${dedupKey}`) => ({
  routing_key: routingKey,
  event_action: 'trigger',
  dedup_key: dedupKey,
  payload: { summary, source: 'db-3.prod.example', severity: 'critical' },
});
const event = (routingKey: string, action: 'acknowledge' | 'resolve', dedupKey: string) => ({ routing_key: routingKey, event_action: action, dedup_key: dedupKey });

/** A PagerDuty-looking event whose payload is one array nested as deep as `bytes` allows. */
function deeplyNested(bytes: number, routingKey: string): string {
  const head = `{"routing_key":"${routingKey}","event_action":"trigger","dedup_key":"deep","payload":`;
  const depth = Math.floor((bytes - head.length - 1) / 2);
  return head + '['.repeat(depth) + ']'.repeat(depth) + '}';
}

for (const kind of databaseKinds()) {
  describe(`PagerDuty routing keys as credentials [${kind}]`, () => {
    let bot: TestBot;
    const dir = mkdtempSync(join(tmpdir(), 'pagerduty-keys-'));
    beforeAll(async () => {
      const oncall = join(dir, 'oncall.yaml');
      writeFileSync(oncall, `pagerduty_routing_keys:\n  ${KEY_A}: default\n  ${KEY_B}: default\n`);
      bot = await startTestBot(kind, { ONCALL_FILE: oncall, API_TOKEN });
    });
    afterAll(async () => {
      await bot?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Sent as PagerDuty senders do: the routing key in the body, no Authorization header. */
    const send = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${bot.url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const withToken = (body: unknown) => send(body, { authorization: `Bearer ${bot.webhookToken}` });
    const statusOf = async (dedupKey: string) => {
      const alert = await bot.database.prisma.alert.findUniqueOrThrow({ where: { source_fingerprint: { source: 'pagerduty', fingerprint: dedupKey } }, include: { incident: true } });
      return { alert: alert.status, incident: alert.incident?.status };
    };

    it('lets a routing key act only on the alerts that came in with it', async () => {
      // Opened with the webhook token (the admin credential): no routing key may touch it.
      expect((await withToken(trigger('unconfigured-routing-key', 'by-token'))).status).toBe(202);
      const foreignResolve = await send(event(KEY_A, 'resolve', 'by-token'));
      expect(foreignResolve.status).toBe(202); // dropped, as PagerDuty drops another key's events
      expect(await readJson(foreignResolve)).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'by-token' });
      expect(await statusOf('by-token')).toEqual({ alert: 'firing', incident: 'triggered' });

      // Opened with key A: key B can neither acknowledge, resolve nor re-trigger it.
      expect((await send(trigger(KEY_A, 'by-a'))).status).toBe(202);
      expect((await send(event(KEY_B, 'acknowledge', 'by-a'))).status).toBe(202);
      expect((await send(event(KEY_B, 'resolve', 'by-a'))).status).toBe(202);
      expect(await statusOf('by-a')).toEqual({ alert: 'firing', incident: 'triggered' });
      const hijack = await send(trigger(KEY_B, 'by-a', 'rewritten by B'));
      expect(hijack.status).toBe(409);
      expect(await readJson(hijack)).toMatchObject({
        status: 'invalid event',
        message: 'dedup_key "by-a" belongs to an alert that came in with another routing key; a routing key acts only on its own alerts, so send this event with another dedup_key',
      });
      const untouched = await bot.database.prisma.alert.findUniqueOrThrow({ where: { source_fingerprint: { source: 'pagerduty', fingerprint: 'by-a' } } });
      expect(untouched.title).toBe('alert by-a');

      // Key A itself acts on its alert as before.
      expect((await send(event(KEY_A, 'acknowledge', 'by-a'))).status).toBe(202);
      expect(await statusOf('by-a')).toEqual({ alert: 'firing', incident: 'acknowledged' });
      expect((await send(event(KEY_A, 'resolve', 'by-a'))).status).toBe(202);
      expect((await statusOf('by-a')).alert).toBe('resolved');

      // The webhook token, in the header or as the routing key, acts on every alert.
      expect((await send(event(bot.webhookToken, 'acknowledge', 'by-token'))).status).toBe(202);
      expect((await statusOf('by-token')).incident).toBe('acknowledged');
      expect((await send(trigger(KEY_B, 'by-b'))).status).toBe(202);
      expect((await withToken(event('any-key-at-all', 'resolve', 'by-b'))).status).toBe(202);
      expect(await statusOf('by-b')).toEqual({ alert: 'resolved', incident: 'resolved' });
    });

    it('keeps no routing key or token in the stored payloads: a masked key and, for routing keys, a hash', async () => {
      expect((await send(trigger(KEY_A, 'stored-a'))).status).toBe(202);
      expect((await send(trigger(bot.webhookToken, 'stored-token'))).status).toBe(202);
      const rows = await bot.database.prisma.alert.findMany({ where: { source: 'pagerduty', fingerprint: { in: ['stored-a', 'stored-token'] } }, orderBy: { fingerprint: 'asc' } });
      expect(rows.map((row) => [row.fingerprint, (row.raw as { routing_key: string }).routing_key, row.routingKeyHash])).toEqual([
        ['stored-a', `${KEY_A.slice(0, 4)}…`, createHash('sha256').update(KEY_A).digest('hex')],
        ['stored-token', `${bot.webhookToken.slice(0, 4)}…`, null],
      ]);
      const text = (rows: unknown) => JSON.stringify(rows, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
      const everything = text(await bot.database.prisma.alert.findMany());
      const timeline = text(await bot.database.prisma.timelineEvent.findMany());
      for (const secret of [KEY_A, KEY_B, bot.webhookToken]) {
        expect(everything).not.toContain(secret);
        expect(timeline).not.toContain(secret);
      }
    });

    it('refuses a large body sent without the webhook token in a header before reading it, in PagerDuty shape', async () => {
      const expected = {
        status: 'invalid event',
        error: 'payload_too_large',
        message:
          'A PagerDuty event sent without the webhook token in an Authorization header may be at most 65536 bytes (64 KiB); send larger events with "Authorization: Bearer <webhook token>"',
      };
      // An attacker's 1 MB of nesting, with no key or with a real one: 413 from the declared length.
      for (const key of ['not-a-key', KEY_A]) {
        const response = await send(deeplyNested(1_000_000, key));
        expect(response.status).toBe(413);
        expect(response.headers.get('connection')).toBe('close');
        expect(await readJson(response)).toMatchObject(expected);
      }
      // Sent in chunks without a length, it is cut off at 64 KiB all the same.
      const chunked = await sendChunked(bot.url, deeplyNested(1_000_000, 'not-a-key'));
      expect(chunked.status).toBe(413);
      expect(JSON.parse(chunked.body)).toMatchObject(expected);
      expect(await bot.database.prisma.alert.count({ where: { fingerprint: 'deep' } })).toBe(0);

      // A real event of 100 KB: fine with the webhook token in the header, too big with only a key.
      const big = { ...trigger(KEY_A, 'big-details'), payload: { ...trigger(KEY_A, 'x').payload, custom_details: { log: 'x'.repeat(100_000) } } };
      expect((await send(big)).status).toBe(413);
      expect((await withToken(big)).status).toBe(202);
      // Just under the limit, with only a key: accepted.
      const justUnder = { ...big, dedup_key: 'just-under', payload: { ...big.payload, custom_details: { log: 'x'.repeat(60_000) } } };
      expect((await send(justUnder)).status).toBe(202);
    });

    it('answers an unknown key as PagerDuty does (400, "Invalid routing key") without looking further, and checks the key the event really carries', async () => {
      const unknown = await send(trigger('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'unknown-key'));
      expect(unknown.status).toBe(400);
      const answer = await readJson(unknown);
      expect(answer).toMatchObject({ status: 'invalid event', message: 'Event object is invalid', errors: ['Invalid routing key', expect.stringContaining('routing_key')] });
      expect(JSON.stringify(answer)).not.toContain('f0e1d2c3');
      // JSON.parse keeps the last of two routing_key fields: that is the one that must be a credential.
      const twice = `{"routing_key":"${KEY_A}","event_action":"resolve","dedup_key":"by-token","routing_key":"f0e1d2c3b4a5968778695a4b3c2d1e0f"}`;
      expect(await readJson(await send(twice))).toMatchObject({ errors: ['Invalid routing key', expect.any(String)] });
      expect((await send('{"routing_key": ')).status).toBe(400);
    });
  });
}

/** POSTs a body in chunks with no Content-Length (Transfer-Encoding: chunked). */
function sendChunked(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${url}/v2/enqueue`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
    });
    // The server may close the connection while we are still writing: that is the point.
    request.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    for (let at = 0; at < body.length; at += 16 * 1024) request.write(body.slice(at, at + 16 * 1024));
    request.end();
  });
}

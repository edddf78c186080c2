import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

// The limits live in the HTTP layer, in memory, the same on either storage: embedded storage only.
const ROUTING_KEY = 'Rrate0123456789abcdef0123456789ab';

function poster(bot: () => TestBot) {
  return (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${bot().url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bot().webhookToken}`, ...headers },
      body: JSON.stringify(body),
    });
}

async function metricValue(bot: TestBot, line: RegExp): Promise<number> {
  const text = await (await fetch(`${bot.url}/metrics`)).text();
  const found = text.split('\n').find((l) => line.test(l));
  return found ? Number(found.split(' ').pop()) : 0;
}

function expectRetryAfter(response: Response): number {
  const header = response.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  // "1/m" refills one request a minute: the wait is whole seconds, rounded up, at most 60.
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
  return seconds;
}

describe('webhook rate limit per token', () => {
  let bot: TestBot;
  const post = poster(() => bot);
  beforeAll(async () => {
    bot = await startTestBot('pglite', { WEBHOOK_RATE_LIMIT: '1/m burst 3', WEBHOOK_RATE_LIMIT_PER_ADDRESS: 'off' });
    writeFileSync(join(bot.dataDir, 'oncall.yaml'), `pagerduty_routing_keys:\n  ${ROUTING_KEY}: default\n`);
  });
  afterAll(async () => {
    await bot?.destroy();
  });

  it('answers 429 with Retry-After once the token has spent its burst, across routes, and stores nothing refused', async () => {
    for (let i = 0; i < 3; i++) expect((await post('/webhooks/generic', { title: `allowed ${i}`, fingerprint: `allowed-${i}` })).status).toBe(200);

    const refused = await post('/webhooks/alertmanager', sharedFixture('alertmanager/firing.json'));
    expect(refused.status).toBe(429);
    const seconds = expectRetryAfter(refused);
    const body = await readJson(refused);
    expect(body).toEqual({
      error: 'rate_limited',
      message: `Too many requests with this token (limit 1/m burst 3); retry after ${seconds} s`,
      retry_after_seconds: seconds,
    });
    expect(JSON.stringify(body)).not.toContain(bot.webhookToken);

    const titles = (await bot.database.prisma.alert.findMany({ select: { title: true } })).map((a) => a.title).sort();
    expect(titles).toEqual(['allowed 0', 'allowed 1', 'allowed 2']);
  });

  it('answers PagerDuty senders in PagerDuty shape, and limits the webhook token used as a routing key too', async () => {
    const viaBearer = await post('/v2/enqueue', sharedFixture('pagerduty/trigger.json'));
    expect(viaBearer.status).toBe(429);
    const seconds = expectRetryAfter(viaBearer);
    expect(await readJson(viaBearer)).toMatchObject({ status: 'throttle exceeded', errors: [expect.stringContaining('with this token')], retry_after_seconds: seconds });

    const asRoutingKey = { ...(sharedFixture('pagerduty/trigger.json') as object), routing_key: bot.webhookToken };
    const viaRoutingKey = await post('/webhooks/pagerduty', asRoutingKey, { authorization: '' });
    expect(viaRoutingKey.status).toBe(429);
  });

  it('gives each PagerDuty routing key its own allowance', async () => {
    const own = { ...(sharedFixture('pagerduty/trigger.json') as object), routing_key: ROUTING_KEY, dedup_key: 'own-key' };
    // The bot reloads oncall.yaml when it changes; wait until it knows the key (until then an
    // unknown key is PagerDuty's 400 "Invalid routing key").
    let response = await post('/v2/enqueue', own, { authorization: '' });
    for (let i = 0; i < 40 && response.status === 400; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      response = await post('/v2/enqueue', own, { authorization: '' });
    }
    expect(response.status).toBe(202);
  });

  it('does not spend any allowance on a wrong token: that is the address limit\'s job', async () => {
    for (let i = 0; i < 5; i++) expect((await post('/webhooks/generic', { title: 'x' }, { authorization: 'Bearer wrong-token-wrong-token' })).status).toBe(401);
  });

  it('counts refusals in /metrics by route and limit', async () => {
    expect(await metricValue(bot, /^incident_bot_webhook_rate_limited_total\{route="\/webhooks\/alertmanager",limit="token"\}/)).toBe(1);
    expect(await metricValue(bot, /^incident_bot_webhook_rate_limited_total\{route="\/v2\/enqueue",limit="token"\}/)).toBe(1);
    expect(await metricValue(bot, /^incident_bot_http_requests_total\{method="POST",route="\/webhooks\/pagerduty",status="429"\}/)).toBe(1);
  });
});

describe('webhook rate limit per address', () => {
  let bot: TestBot;
  const post = poster(() => bot);
  beforeAll(async () => {
    bot = await startTestBot('pglite', { WEBHOOK_RATE_LIMIT: 'off', WEBHOOK_RATE_LIMIT_PER_ADDRESS: '1/m burst 5' });
  });
  afterAll(async () => {
    await bot?.destroy();
  });

  it('throttles token guessing before the token is checked, then everyone from that address, in each dialect', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await post('/webhooks/grafana', {}, { authorization: `Bearer guess-${i}-0123456789abcdef` })).status).toBe(401);
    }
    const guess = await post('/webhooks/grafana', {}, { authorization: 'Bearer guess-5-0123456789abcdef' });
    expect(guess.status).toBe(429);
    expectRetryAfter(guess);
    expect((await readJson(guess)).message).toContain('from this address');

    const rightToken = await post('/webhooks/generic', { title: 'from a throttled address' });
    expect(rightToken.status).toBe(429);
    const pagerDuty = await post('/webhooks/pagerduty', sharedFixture('pagerduty/trigger.json'));
    expect(pagerDuty.status).toBe(429);
    expect((await readJson(pagerDuty)).status).toBe('throttle exceeded');
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says a proxy is in front', async () => {
    const spoofed = await post('/webhooks/generic', { title: 'spoofed' }, { 'x-forwarded-for': '198.51.100.7' });
    expect(spoofed.status).toBe(429);
  });

  it('leaves health, metrics and other routes alone', async () => {
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${bot.url}/metrics`)).status).toBe(200);
    expect(await metricValue(bot, /^incident_bot_webhook_rate_limited_total\{route="\/webhooks\/grafana",limit="address"\}/)).toBe(1);
  });
});

describe('webhook rate limit per address behind a proxy (TRUST_PROXY=1)', () => {
  let bot: TestBot;
  const post = poster(() => bot);
  beforeAll(async () => {
    bot = await startTestBot('pglite', { WEBHOOK_RATE_LIMIT: 'off', WEBHOOK_RATE_LIMIT_PER_ADDRESS: '1/m burst 2', TRUST_PROXY: '1' });
  });
  afterAll(async () => {
    await bot?.destroy();
  });

  const from = (address: string, n: number) => post('/webhooks/generic', { title: `from ${address} #${n}`, fingerprint: `${address}-${n}` }, { 'x-forwarded-for': `10.9.9.9, ${address}` });

  it('limits the client the proxy names, not the proxy', async () => {
    expect((await from('203.0.113.5', 1)).status).toBe(200);
    expect((await from('203.0.113.5', 2)).status).toBe(200);
    expect((await from('203.0.113.5', 3)).status).toBe(429);
    expect((await from('203.0.113.6', 1)).status).toBe(200);
  });

  it('limits IPv6 senders by their /64, so one host cannot rotate through its addresses', async () => {
    expect((await from('2001:db8:0:1::1', 1)).status).toBe(200);
    expect((await from('2001:db8:0:1::2', 1)).status).toBe(200);
    expect((await from('2001:db8:0:1:ffff::3', 1)).status).toBe(429);
    expect((await from('2001:db8:0:2::1', 1)).status).toBe(200);
  });
});

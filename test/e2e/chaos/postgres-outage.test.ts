import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotProcess, type BotProcess } from '../../support/bot-process.js';
import { eventually } from '../../support/eventually.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack/index.js';
import { postgresBinDir, startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';

const TOKEN = 'chaos-outage-webhook-token';
const SLACK_TOKEN = 'xoxb-chaos-outage';
const SLACK_SECRET = 'chaos-outage-signing-secret';
const OUTAGE_MS = 20_000;
// Alice is paged at once; Bob when this has passed, which is while the database is down.
const STEP_DELAY_S = 8;

const ONCALL = [
  'people:',
  '  alice: { name: Alice, slack: U0ALICE001 }',
  '  bob: { name: Bob, slack: U0BOB00001 }',
  'escalation_policies:',
  '  fast:',
  '    repeat: 0',
  '    levels:',
  `      - { targets: [{ person: alice }], delay: ${STEP_DELAY_S}s }`,
  `      - { targets: [{ person: bob }], delay: 600s }`,
  // Only INC-1 escalates, so each page below has one cause.
  'routes:',
  '  - id: timed',
  '    match: { labels: { timer: "yes" } }',
  '    escalation_policy: fast',
].join('\n');

describe.skipIf(!postgresBinDir())('chaos: PostgreSQL stopped for 20 s under a running bot [private postgres]', () => {
  let dir: string;
  let server: PrivatePostgres;
  let fake: FakeSlack;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chaos-outage-'));
    writeFileSync(join(dir, 'oncall.yaml'), ONCALL);
    mkdirSync(join(dir, 'playbooks'));
    [server, fake] = await Promise.all([startPrivatePostgres(), startFakeSlack({ token: SLACK_TOKEN, signingSecret: SLACK_SECRET })]);
  });
  afterAll(async () => {
    await bot?.kill();
    await fake?.close();
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const alert = (url: string, title: string, labels: Record<string, string> = {}) =>
    fetch(`${url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title, labels, fingerprint: title.toLowerCase().replace(/\W+/g, '-') }),
      signal: AbortSignal.timeout(15_000),
    });
  const readyz = async (url: string) => (await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(15_000) })).status;
  const query = async <Row,>(text: string, params: unknown[] = []): Promise<Row[]> => {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as Row[];
    } finally {
      await client.end();
    }
  };
  const pagesOf = async (incident: number) =>
    (await query<{ who: string }>(`SELECT p.level || ':' || pe.name AS who FROM pages p JOIN people pe ON pe.id = p.person_id WHERE p.incident_id = $1 ORDER BY p.id`, [incident])).map(
      (r) => r.who,
    );
  const channelsOf = (incident: number) => fake.state.channels.filter((c) => c.name.startsWith(`inc-${incident}-`));
  const dmsTo = (user: string) => fake.state.channels.filter((c) => c.is_im && c.members.includes(user)).flatMap((c) => fake.state.messages(c.id));

  it('answers 503 with Retry-After while the database is away, then recovers by itself with its timer and chat jobs intact', async () => {
    bot = await startBotProcess({
      DATABASE_URL: server.url,
      WEBHOOK_TOKEN: TOKEN,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      // No playbooks: each incident channel then holds exactly its card.
      PLAYBOOKS_DIR: join(dir, 'playbooks'),
      DATA_DIR: join(dir, 'data'),
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: fake.apiUrl,
    });
    const { url } = bot;

    // INC-1 opens: Alice is paged now; Bob's step is a durable timer due in STEP_DELAY_S.
    expect((await alert(url, 'Primary database CPU', { timer: 'yes' })).status).toBe(200);
    await eventually('INC-1 channel and card', () => channelsOf(1).length === 1 && fake.state.messages(channelsOf(1)[0]!.id).length > 0);
    await eventually('Alice paged by DM', () => dmsTo('U0ALICE001').length === 1);

    // INC-2 and INC-3 open while Slack rate-limits: their channel jobs wait, pending, past the outage start.
    fake.failNext('conversations.list', { status: 429, retryAfter: 4, times: 4 });
    for (const title of ['Checkout latency', 'Queue backlog']) expect((await alert(url, title)).status).toBe(200);
    const waiting = () =>
      query<{ kind: string; subject: string }>(
        `SELECT DISTINCT kind, subject FROM jobs WHERE status = 'pending' AND due_at > now() AND kind IN ('escalation.step', 'incident.sync') ORDER BY kind, subject`,
      );
    await eventually('the timer and both rate-limited channel jobs pending', async () => (await waiting()).length === 3);
    expect(await waiting()).toEqual([
      { kind: 'escalation.step', subject: 'incident:1' },
      { kind: 'incident.sync', subject: 'incident:2' },
      { kind: 'incident.sync', subject: 'incident:3' },
    ]);
    expect(channelsOf(2).length + channelsOf(3).length).toBe(0);

    const channelsBefore = fake.state.channels.filter((c) => !c.is_im).length;
    await server.stop();
    const outageStarted = Date.now();

    // While it is away: every webhook is refused with 503 and Retry-After (nothing stored, the
    // sender retries), readiness says not ready, and the process stays up.
    const refusals: { status: number; retryAfter: string | null; error: string }[] = [];
    const readiness: number[] = [];
    while (Date.now() - outageStarted < OUTAGE_MS - 3_000) {
      const response = await alert(url, `During outage ${refusals.length}`);
      refusals.push({ status: response.status, retryAfter: response.headers.get('retry-after'), error: ((await response.json()) as { error: string }).error });
      readiness.push(await readyz(url));
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(refusals.length).toBeGreaterThanOrEqual(5);
    expect(new Set(refusals.map((r) => JSON.stringify({ ...r, retryAfter: Number(r.retryAfter) > 0 })))).toEqual(
      new Set([JSON.stringify({ status: 503, retryAfter: true, error: 'unavailable' })]),
    );
    expect(new Set(readiness)).toEqual(new Set([503]));
    expect(bot.child.exitCode, bot.output()).toBeNull();
    // Nothing reached chat meanwhile: the jobs that came due could not be claimed.
    expect(fake.state.channels.filter((c) => !c.is_im).length).toBe(channelsBefore);
    expect(dmsTo('U0BOB00001')).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));

    await server.start();
    const restartedAt = Date.now();
    // It comes back by itself: no restart of the bot, no operator.
    await eventually('readyz 200 again', async () => (await readyz(url)) === 200, 30_000, 250);
    const recoveredAfterMs = Date.now() - restartedAt;
    expect((await alert(url, 'After the outage')).status).toBe(200);

    // The timer that came due during the outage fires once; the waiting chat jobs run once.
    await eventually('Bob paged by DM', () => dmsTo('U0BOB00001').length >= 1, 30_000);
    await eventually('a channel and a card for INC-2, INC-3 and INC-4', () =>
      [2, 3, 4].every((n) => channelsOf(n).length === 1 && fake.state.messages(channelsOf(n)[0]!.id).length > 0), 30_000);
    // Let any duplicate show itself before counting.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await pagesOf(1)).toEqual(['1:Alice', '2:Bob']);
    expect(dmsTo('U0BOB00001')).toHaveLength(1);
    expect(dmsTo('U0ALICE001')).toHaveLength(1);
    for (const n of [1, 2, 3, 4]) {
      expect(channelsOf(n), `INC-${n} channels`).toHaveLength(1);
      // One card (edited in place, never posted twice); INC-1's channel also notes each page once.
      const texts = fake.state.messages(channelsOf(n)[0]!.id).map((m) => m.text ?? '');
      expect(texts.filter((t) => t.startsWith(`INC-${n} `)), `INC-${n} cards`).toHaveLength(1);
      expect(texts.filter((t) => !t.startsWith(`INC-${n} `))).toEqual(n === 1 ? ['Paging Alice', 'Paging Bob'] : []);
    }
    // Nothing written during the outage (every webhook was refused), nothing given up on.
    expect((await query<{ n: number }>(`SELECT count(*)::int AS n FROM incidents`))[0]!.n).toBe(4);
    expect(await query(`SELECT kind, subject, last_error FROM jobs WHERE status = 'dead'`)).toEqual([]);
    const escalated = await query<{ kind: string }>(`SELECT kind FROM timeline_events WHERE incident_id = 1 AND kind LIKE 'escalation.%' ORDER BY id`);
    console.info(`readyz 200 ${recoveredAfterMs} ms after PostgreSQL started; INC-1 escalation timeline:`, escalated.map((e) => e.kind));
    expect(bot.child.exitCode).toBeNull();
    await bot.stop();
    bot = undefined;
  }, 120_000);
});

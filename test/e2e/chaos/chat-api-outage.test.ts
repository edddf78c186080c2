import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotProcess, type BotProcess } from '../../support/bot-process.js';
import { eventually } from '../../support/eventually.js';
import { startFailingProxy, type FailingProxy } from '../../support/failing-http-proxy.js';
import { startFakeSlack, type FakeSlack } from '../../support/fake-slack/index.js';
import { createPostgresDatabase, databaseKinds } from '../../support/test-database.js';

const TOKEN = 'chaos-chat-outage-webhook-token';
const SLACK_TOKEN = 'xoxb-chaos-chat-outage';
const SLACK_SECRET = 'chaos-chat-outage-signing-secret';
const OUTAGE_MS = 30_000;
const RETRY_AFTER_S = 5;
const INCIDENTS = 5;
// Waits between tries are capped at 30 s through the first quarter hour of failures, so the last
// wait ends at most 30 s after Slack is back; the rest is margin for a loaded machine.
const RECOVERY_LIMIT_MS = 50_000;

// Runs on PostgreSQL when there is one (the chat path is the same on both stores).
const kind = databaseKinds().includes('postgres') ? 'postgres' : 'pglite';

interface JobFailureLog {
  jobId: string;
  subject: string;
  attempt: number;
  error: string;
  retryInMs: number;
  /** When the job is due again, as the bot stored it (the database's clock). */
  retryAt: number;
  at: number;
}

function jobFailures(output: string): JobFailureLog[] {
  const failures: JobFailureLog[] = [];
  for (const line of output.split('\n')) {
    if (!line.includes('"job failed; will retry"')) continue;
    const entry = JSON.parse(line) as Omit<JobFailureLog, 'at' | 'retryAt'> & { time: string | number; retryAt: string };
    failures.push({
      jobId: entry.jobId,
      subject: entry.subject,
      attempt: entry.attempt,
      error: entry.error,
      retryInMs: entry.retryInMs,
      retryAt: new Date(entry.retryAt).getTime(),
      at: new Date(entry.time).getTime(),
    });
  }
  return failures;
}

describe(`chaos: the Slack API failing with 500 and 429 for half a minute [${kind}]`, () => {
  let dir: string;
  let fake: FakeSlack;
  let proxy: FailingProxy;
  let database: { url: string; drop(): Promise<void> } | undefined;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chaos-chat-'));
    writeFileSync(join(dir, 'oncall.yaml'), 'people:\n  alice: { name: Alice, slack: U0ALICE001 }\n');
    mkdirSync(join(dir, 'playbooks'));
    fake = await startFakeSlack({ token: SLACK_TOKEN, signingSecret: SLACK_SECRET });
    proxy = await startFailingProxy(fake.url);
    if (kind === 'postgres') database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await bot?.kill();
    await proxy?.close();
    await fake?.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const incidentChannels = () => fake.state.channels.filter((c) => c.name.startsWith('inc-'));
  const channelsOf = (n: number) => fake.state.channels.filter((c) => c.name.startsWith(`inc-${n}-`));

  it('delays channels and cards while failing, then gives every incident exactly one channel and one card', async () => {
    bot = await startBotProcess({
      ...(database ? { DATABASE_URL: database.url } : {}),
      WEBHOOK_TOKEN: TOKEN,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      PLAYBOOKS_DIR: join(dir, 'playbooks'),
      DATA_DIR: join(dir, 'data'),
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: `${proxy.url}/api/`,
    });
    const callsBefore = fake.calls.length;
    const { endsAt } = proxy.failFor(OUTAGE_MS, { retryAfterSeconds: RETRY_AFTER_S });

    // Alerts keep coming while it fails; ingestion does not wait for chat.
    for (let i = 1; i <= INCIDENTS; i++) {
      const response = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `Chat outage alert ${i}`, fingerprint: `chat-outage-${i}` }),
      });
      expect(response.status).toBe(200);
      if (i < INCIDENTS) await new Promise((resolve) => setTimeout(resolve, 3_000));
    }
    // Nothing gets through while failing: judged by when each call reached Slack, not by when this
    // test looks (on a busy machine the look may come after the window has closed).
    while (Date.now() < endsAt) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, endsAt - Date.now() + 1)));
    const duringOutage = fake.calls.slice(callsBefore).filter((c) => c.at.getTime() < endsAt);
    expect(duringOutage.map((c) => c.method), 'calls that reached Slack while failing').toEqual([]);
    const failed = proxy.calls.filter((c) => c.failedByProxy);
    expect(new Set(failed.map((c) => c.status))).toEqual(new Set([500, 429]));

    await eventually(
      `a channel with a card for each of the ${INCIDENTS} incidents`,
      () => Array.from({ length: INCIDENTS }, (_, i) => i + 1).every((n) => channelsOf(n).length > 0 && fake.state.messages(channelsOf(n)[0]!.id).length > 0),
      RECOVERY_LIMIT_MS,
      200,
    );
    const recoveredAfterMs = Date.now() - endsAt;
    // Let a duplicate show itself before counting.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(incidentChannels()).toHaveLength(INCIDENTS);
    for (let n = 1; n <= INCIDENTS; n++) {
      expect(channelsOf(n), `INC-${n} channels`).toHaveLength(1);
      expect(fake.state.messages(channelsOf(n)[0]!.id).map((m) => m.text), `INC-${n} messages`).toEqual([expect.stringMatching(new RegExp(`^INC-${n} `))]);
    }
    expect(fake.callsTo('conversations.create').filter((c) => c.response.ok === true)).toHaveLength(INCIDENTS);

    // A 429's Retry-After is what the job waits, and it costs no attempt; a 500 backs off.
    const failures = jobFailures(bot.output());
    const rateLimited = failures.filter((f) => f.error.endsWith('ratelimited'));
    expect(rateLimited.length).toBeGreaterThan(0);
    expect(new Set(rateLimited.map((f) => f.retryInMs))).toEqual(new Set([RETRY_AFTER_S * 1000]));
    const waits: { after: 'ratelimited' | 'http_500'; dueAt: number; triedAt: number; nextDueAt: number; nextToldMs: number; attemptsUsed: number }[] = [];
    const byJob = new Map<string, JobFailureLog[]>();
    for (const failure of failures) byJob.set(failure.jobId, [...(byJob.get(failure.jobId) ?? []), failure]);
    for (const attempts of byJob.values()) {
      for (let i = 1; i < attempts.length; i++) {
        const [before, after] = [attempts[i - 1]!, attempts[i]!];
        waits.push({
          after: before.error.endsWith('ratelimited') ? 'ratelimited' : 'http_500',
          dueAt: before.retryAt,
          triedAt: after.at,
          nextDueAt: after.retryAt,
          nextToldMs: after.retryInMs,
          attemptsUsed: after.attempt - before.attempt,
        });
      }
    }
    const afterRateLimit = waits.filter((w) => w.after === 'ratelimited');
    expect(afterRateLimit.length).toBeGreaterThan(0);
    // Judged by the due times the bot stored, not by measured durations. No job was tried again
    // before it was due (its next failure is logged after that try, which the worker claims only
    // once the due time has passed); and each due time is at least the wait the job was told
    // after the try that failed, which began no sooner than the previous due time.
    for (const wait of waits) {
      expect(wait.triedAt).toBeGreaterThanOrEqual(wait.dueAt);
      expect(wait.nextDueAt - wait.dueAt).toBeGreaterThanOrEqual(wait.nextToldMs);
    }
    expect(new Set(afterRateLimit.map((w) => w.attemptsUsed))).toEqual(new Set([0]));
    const longestBackoff = Math.max(...failures.filter((f) => !f.error.endsWith('ratelimited')).map((f) => f.retryInMs));
    expect(longestBackoff).toBeLessThanOrEqual(30_000);
    const mostAttempts = Math.max(...failures.map((f) => f.attempt));
    console.info(
      `[${kind}] ${failed.length} calls failed in ${OUTAGE_MS / 1000} s (${failures.length} job failures, ${rateLimited.length} rate limits); ` +
        `every incident had its channel and card ${recoveredAfterMs} ms after the failures stopped; longest back-off ${longestBackoff} ms; most attempts used ${mostAttempts}`,
    );
    await bot.stop();
    bot = undefined;
  }, 200_000);
});

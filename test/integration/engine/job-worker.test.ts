import { beforeEach, expect, it } from 'vitest';
import { enqueueJobs, claimDueJobs, claimStatement, CLAIM_LOCK_AND_PLAN } from '../../../src/engine/job-store.js';
import { JobWorker } from '../../../src/engine/job-worker.js';
import { ChatApiError } from '../../../src/chat/chat-port.js';
import { RetryLaterError, type ClaimedJob, type JobHandler } from '../../../src/engine/job.js';
import { createLogger } from '../../../src/logging.js';
import { sql } from '../../../src/db/sql.js';
import { describeEachDatabase } from '../../support/test-database.js';

const log = createLogger('silent');

describeEachDatabase('job engine', (db) => {
  const prisma = () => db().database.prisma;
  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE jobs RESTART IDENTITY');
  });

  const worker = (handlers: Record<string, JobHandler>, id: string, leaseMs = 30_000) =>
    new JobWorker(db().database, new Map(Object.entries(handlers)), log, { workerId: id, leaseMs, pollMs: 20 });

  it('runs each due job once across competing workers, and deletes it when done', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, Array.from({ length: 60 }, (_, i) => ({ kind: 'count', payload: { i } }))));
    const seen: number[] = [];
    const handler: JobHandler = async (job) => {
      seen.push(job.payload.i as number);
    };
    const workers = [worker({ count: handler }, 'a'), worker({ count: handler }, 'b'), worker({ count: handler }, 'c')];
    await Promise.all(workers.map(async (w) => { while ((await w.runOnce()) > 0); }));
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(await prisma().job.count()).toBe(0);
  });

  it('never runs two jobs of one kind about one subject at once, while other subjects go ahead', async () => {
    await db().database.transaction((tx) =>
      enqueueJobs(tx, [
        { kind: 'incident.sync', subject: 'incident:1' },
        { kind: 'incident.sync', subject: 'incident:1' },
        { kind: 'incident.sync', subject: 'incident:2' },
        { kind: 'other', subject: 'incident:1' },
      ]),
    );
    const first = await db().database.transaction((tx) => claimDueJobs(tx, 'a', 10, 30_000));
    expect(first.map((j) => `${j.kind} ${j.subject}`).sort()).toEqual(['incident.sync incident:1', 'incident.sync incident:2', 'other incident:1']);
    // The second sync of incident 1 waits while the first holds its lease, on any worker.
    expect(await db().database.transaction((tx) => claimDueJobs(tx, 'b', 10, 30_000))).toEqual([]);
    await db().database.sql.query(sql`DELETE FROM jobs WHERE id = ${String(first.find((j) => j.subject === 'incident:1' && j.kind === 'incident.sync')!.id)}::bigint`);
    expect((await db().database.transaction((tx) => claimDueJobs(tx, 'b', 10, 30_000))).map((j) => j.subject)).toEqual(['incident:1']);
  });

  it('claims the earliest jobs of a large backlog by walking the due index, whatever the table statistics say', async () => {
    // A storm leaves thousands of jobs due in a table the planner has never analyzed: it once
    // sorted them all on every claim, under the claim lock (20 to 30 ms a claim at 20,000).
    await db().database.sql.query(sql`INSERT INTO jobs (kind, subject, due_at) SELECT 'backlog', 'incident:' || g, now() - g * interval '1 second' FROM generate_series(1, 5000) AS g`);
    const plan = await db().database.transaction(async (tx) => {
      await tx.query(CLAIM_LOCK_AND_PLAN);
      const [row] = await tx.query<Record<string, unknown>>(sql`EXPLAIN (FORMAT JSON) ${claimStatement('w', 10, 30_000)}`);
      return Object.values(row!)[0];
    });
    const scans: { 'Node Type': string; Alias?: string }[] = [];
    const walk = (node: Record<string, unknown>) => {
      if (node['Relation Name'] === 'jobs') scans.push(node as { 'Node Type': string; Alias?: string });
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk(((typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: Record<string, unknown> }[])[0]!.Plan);
    expect(scans.find((scan) => scan.Alias === 'j')?.['Node Type']).toBe('Index Scan');
    expect(scans.find((scan) => scan.Alias === 'busy')?.['Node Type']).toBe('Index Scan');

    const claimed = await db().database.transaction((tx) => claimDueJobs(tx, 'w', 10, 30_000));
    expect(claimed.map((job) => job.subject).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `incident:${4991 + i}`));
  });

  it('does not run a job before it is due by the database clock', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'later', delayMs: 60_000 }]));
    expect(await claimDueJobs(db().database.sql, 'w', 10, 30_000)).toEqual([]);
  });

  it('coalesces pending jobs with one key, keeping the earliest due time', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'sync', coalesceKey: 'k', delayMs: 60_000 }]));
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'sync', coalesceKey: 'k' }, { kind: 'sync', coalesceKey: 'k' }]));
    const jobs = await prisma().job.findMany();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.dueAt.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
  });

  it('queues a fresh job when a change arrives while the coalesced one runs', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'sync', coalesceKey: 'k' }]));
    const [claimed] = await claimDueJobs(db().database.sql, 'w', 10, 30_000);
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'sync', coalesceKey: 'k' }]));
    expect(claimed).toBeDefined();
    expect(await prisma().job.count()).toBe(2);
  });

  it('retries a failing job with back-off and keeps it as dead after its last attempt', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'flaky', maxAttempts: 2 }]));
    const w = worker({ flaky: async () => { throw new Error('chat API said 500'); } }, 'w');
    await w.runOnce();
    let job = await prisma().job.findFirstOrThrow();
    expect(job).toMatchObject({ status: 'pending', attempts: 1, lastError: 'chat API said 500', lockedBy: null });
    expect(job.dueAt.getTime()).toBeGreaterThan(Date.now());
    await prisma().job.update({ where: { id: job.id }, data: { dueAt: new Date(Date.now() - 1000) } });
    await w.runOnce();
    job = await prisma().job.findFirstOrThrow();
    expect(job).toMatchObject({ status: 'dead', attempts: 2 });
    await prisma().job.update({ where: { id: job.id }, data: { dueAt: new Date(Date.now() - 1000) } });
    expect(await w.runOnce()).toBe(0);
  });

  it('waits as long as a rate limit says, without using up an attempt', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'limited' }]));
    const w = worker({ limited: async () => { throw new RetryLaterError('429', 7_000); } }, 'w');
    const before = Date.now();
    await w.runOnce();
    const job = await prisma().job.findFirstOrThrow();
    expect(job.attempts).toBe(0);
    expect(job.dueAt.getTime() - before).toBeGreaterThanOrEqual(6_000);
  });

  it("reads any provider's retry hint: a Retry-After is waited out at no attempt's cost, a refusal is final at once", async () => {
    // The engine knows no provider: it reads the hint the error carries (here a chat platform's).
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'limited', maxAttempts: 5 }, { kind: 'refused', maxAttempts: 5 }, { kind: 'busy', maxAttempts: 5 }]));
    const w = worker(
      {
        limited: async () => { throw new ChatApiError('discord', 'POST /channels/:channel/messages', 'ratelimited', { retryable: true, retryAfterMs: 7_000, status: 429 }); },
        refused: async () => { throw new ChatApiError('slack', 'chat.postMessage', 'channel_not_found', { retryable: false }); },
        busy: async () => { throw new ChatApiError('slack', 'chat.postMessage', 'http_500', { retryable: true, status: 500 }); },
      },
      'w',
    );
    await w.runOnce();
    const jobs = await db().database.sql.query<{ kind: string; status: string; attempts: number; wait_ms: number }>(sql`
      SELECT kind, status, attempts, extract(epoch FROM due_at - now()) * 1000 AS wait_ms FROM jobs ORDER BY kind`);
    const byKind = Object.fromEntries(jobs.map((job) => [job.kind, job]));
    expect(byKind.limited).toMatchObject({ status: 'pending', attempts: 0 });
    // due_at and now() are the database's clock: the wait is at least what the platform said, less this statement's own time.
    expect(Number(byKind.limited!.wait_ms)).toBeGreaterThan(6_000);
    expect(byKind.refused).toMatchObject({ status: 'dead', attempts: 1 });
    expect(byKind.busy).toMatchObject({ status: 'pending', attempts: 1 });
  });

  it('lets another worker take over the job of one that died holding it', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'page' }]));
    const [held] = await claimDueJobs(db().database.sql, 'crashed', 10, 300);
    expect(held).toBeDefined();
    const ran: ClaimedJob[] = [];
    const survivor = worker({ page: async (job) => void ran.push(job) }, 'survivor');
    expect(await survivor.runOnce()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await survivor.runOnce()).toBe(1);
    expect(ran[0]!.attempts).toBe(2);
    expect(await prisma().job.count()).toBe(0);
  });

  it('marks a job of an unknown kind dead instead of looping on it', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'mystery', maxAttempts: 1 }]));
    await worker({}, 'w').runOnce();
    expect(await prisma().job.findFirstOrThrow()).toMatchObject({ status: 'dead', lastError: 'no handler for job kind "mystery"' });
  });

  it('the running loop picks up a job within a poll interval of it becoming due', async () => {
    let ranAt = 0;
    const w = worker({ tick: async () => void (ranAt = Date.now()) }, 'loop');
    w.start();
    try {
      const enqueuedAt = Date.now();
      await db().database.transaction((tx) => enqueueJobs(tx, [{ kind: 'tick', delayMs: 300 }]));
      while (!ranAt && Date.now() - enqueuedAt < 5_000) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(250);
    } finally {
      await w.stop();
    }
  });

  it('takes a backlog in growing rounds, each one transaction of its kind', async () => {
    await db().database.transaction((tx) => enqueueJobs(tx, Array.from({ length: 150 }, (_, i) => ({ kind: 'step', subject: `incident:${i}` }))));
    const rounds: number[] = [];
    const step: JobHandler = Object.assign(async () => void rounds.push(1), { batch: async (jobs: ClaimedJob[]) => void rounds.push(jobs.length) });
    const w = new JobWorker(db().database, new Map([['step', step]]), log, { workerId: 'backlog', pollMs: 20, batchSize: 10 });
    w.start();
    try {
      const started = Date.now();
      while (rounds.reduce((a, b) => a + b, 0) < 150 && Date.now() - started < 10_000) await new Promise((resolve) => setTimeout(resolve, 10));
      // 10 + 20 + 40 + 80: four rounds where claims of 10 took fifteen.
      expect(rounds).toEqual([10, 20, 40, 80]);
    } finally {
      await w.stop();
    }
    expect(await prisma().job.count()).toBe(0);
  });
});

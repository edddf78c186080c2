import { jsonRecords, prepared, sql, type Sql, type SqlFragment } from '../db/sql.js';
import { DEFAULT_MAX_ATTEMPTS } from './backoff.js';
import type { ClaimedJob, JobSpec } from './job.js';

/** The columns of a job row as `jobRow` writes it and `insertJobs` reads it. */
export const JOB_ROW_COLUMNS = 'kind text, subject text, coalesce_key text, payload jsonb, due_at timestamptz, delay_ms double precision, fence int, max_attempts int';

/** A job as a row for `insertJobs`. */
export function jobRow(spec: JobSpec) {
  return {
    kind: spec.kind,
    subject: spec.subject ?? null,
    coalesce_key: spec.coalesceKey ?? null,
    payload: spec.payload ?? {},
    due_at: spec.dueAt?.toISOString() ?? null,
    delay_ms: spec.delayMs ?? 0,
    fence: spec.fence ?? null,
    max_attempts: spec.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  };
}

/**
 * Inserts the job rows a query yields (its columns named as `jobRow`'s), coalescing into pending
 * jobs with the same key. Due times are computed by the database clock.
 */
export function insertJobs(rows: SqlFragment): SqlFragment {
  return sql`
    INSERT INTO jobs (kind, subject, coalesce_key, payload, due_at, fence, max_attempts)
    SELECT j.kind, j.subject, j.coalesce_key, j.payload, COALESCE(j.due_at, now() + j.delay_ms * interval '1 millisecond'), j.fence, j.max_attempts
    FROM (${rows}) j
    ON CONFLICT (coalesce_key) DO UPDATE SET due_at = LEAST(jobs.due_at, EXCLUDED.due_at)`;
}

/**
 * Writes jobs in the caller's transaction, so a job exists if and only if the change that
 * asked for it was committed. Fixed text, rows as one JSON parameter: one plan per connection
 * however many jobs.
 */
export async function enqueueJobs(tx: Sql, specs: readonly JobSpec[]): Promise<void> {
  if (specs.length === 0) return;
  await tx.query(prepared('jobs.enqueue', jobsInsert(specs)));
}

/** The INSERT of `specs` (coalesced) into the jobs, of fixed text: alone, or as a part of a larger statement. */
export function jobsInsert(specs: readonly JobSpec[]): SqlFragment {
  return insertJobs(sql`SELECT r.* FROM ${jsonRecords(coalesce(specs).map(jobRow), JOB_ROW_COLUMNS)} ORDER BY e.ord`);
}

const due = (spec: JobSpec) => spec.dueAt?.getTime() ?? Date.now() + (spec.delayMs ?? 0);

/**
 * One spec per coalesce key (the earliest), since one INSERT may not touch a row twice; keyed
 * ones in key order, so two transactions coalescing into the same jobs lock them in one order.
 */
function coalesce(specs: readonly JobSpec[]): JobSpec[] {
  const byKey = new Map<string, JobSpec>();
  const out: JobSpec[] = [];
  for (const spec of specs) {
    if (!spec.coalesceKey) {
      out.push(spec);
      continue;
    }
    const kept = byKey.get(spec.coalesceKey);
    if (!kept || due(spec) < due(kept)) byKey.set(spec.coalesceKey, spec);
  }
  const keys = [...byKey.keys()].sort();
  return [...out, ...keys.map((key) => byKey.get(key)!)];
}

/** Cancels pending jobs about a subject (e.g. reminders of a resolved incident). */
export async function cancelJobs(tx: Sql, subject: string, kinds: string[]): Promise<number> {
  const deleted = await tx.query(sql`
    DELETE FROM jobs WHERE subject = ${subject} AND kind = ANY(${kinds}::text[]) AND locked_by IS NULL RETURNING id`);
  return deleted.length;
}

interface JobRow {
  id: bigint;
  kind: string;
  subject: string | null;
  payload: Record<string, unknown>;
  due_at: Date;
  attempts: number;
  max_attempts: number;
  fence: number | null;
}

// Taken for the length of a claim: claims from all replicas take turns, so each sees the
// others' leases when it decides what may run.
const CLAIM_LOCK = 72707371;

// The planner's statistics of a queue table are always stale (thousands of rows come and go
// between two autovacuum runs, and never-analyzed is the usual state of a fresh database), and
// with them it sorted the whole backlog on every claim: 20 to 30 ms under the claim lock with
// 20,000 jobs due. These settings, for this transaction only, keep the one plan that costs the
// same whatever the backlog: walk the (status, due_at) index in order, look each candidate's
// subject up by its index, stop at the limit. (JIT off: a disabled plan's nominal cost would
// otherwise make PostgreSQL spend 300 ms compiling a query that runs in half a millisecond.)
export const CLAIM_LOCK_AND_PLAN = prepared('jobs.claim-lock', sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK}::bigint), set_config('jit', 'off', true),
    set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true),
    set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),
    set_config('enable_material', 'off', true), set_config('enable_seqscan', 'off', true)`);

/** The claim itself (exported so a test can read its plan). */
export function claimStatement(workerId: string, limit: number, leaseMs: number): SqlFragment {
  return sql`
    WITH candidates AS (
      SELECT j.id, j.kind, COALESCE(j.subject, j.id::text) AS subject, j.due_at FROM jobs j
      WHERE j.status = 'pending' AND j.due_at <= now() AND (j.locked_until IS NULL OR j.locked_until < now())
        AND NOT EXISTS (SELECT 1 FROM jobs busy WHERE busy.kind = j.kind AND busy.subject = j.subject AND busy.locked_until >= now())
      ORDER BY j.due_at LIMIT ${limit * 4}::int
      FOR UPDATE SKIP LOCKED
    ), firsts AS (
      SELECT DISTINCT ON (kind, subject) id, due_at FROM candidates ORDER BY kind, subject, due_at
    )
    UPDATE jobs SET locked_until = now() + ${leaseMs}::int * interval '1 millisecond', locked_by = ${workerId},
      attempts = attempts + 1, coalesce_key = NULL
    WHERE id IN (SELECT id FROM firsts ORDER BY due_at LIMIT ${limit}::int)
    RETURNING id, kind, subject, payload, due_at, attempts, max_attempts, fence`;
}

/**
 * Claims due jobs for one worker. SKIP LOCKED lets replicas claim side by side; the lease lets
 * another replica take over if this one dies. Jobs of one kind about one subject never run at
 * the same time (two syncs of one incident would both create its channel), so a subject with a
 * job under lease is passed over and a batch takes one job per kind and subject. Claiming clears
 * the coalesce key, so a change made while the job runs queues a fresh one.
 */
export async function claimDueJobs(db: Sql, workerId: string, limit: number, leaseMs: number): Promise<ClaimedJob[]> {
  await db.query(CLAIM_LOCK_AND_PLAN);
  const rows = await db.query<JobRow>(claimStatement(workerId, limit, leaseMs));
  return rows.map((row) => ({
    id: BigInt(row.id),
    kind: row.kind,
    subject: row.subject,
    payload: row.payload ?? {},
    dueAt: new Date(row.due_at),
    attempts: Number(row.attempts),
    maxAttempts: Number(row.max_attempts),
    fence: row.fence === null ? null : Number(row.fence),
    lockedBy: workerId,
  }));
}

/** Ends jobs that ran, in one statement (the worker gathers the jobs that finished together). */
export async function completeJobs(db: Sql, jobs: readonly ClaimedJob[], workerId: string): Promise<void> {
  if (jobs.length === 0) return;
  const ids = jobs.map((job) => String(job.id)).sort();
  // Planned with its values each time, not prepared: see `prepared` (the jobs table is small
  // until a storm makes it large, and then a plan cached while it was small scans it whole).
  await db.query(sql`DELETE FROM jobs WHERE id = ANY (${ids}::bigint[]) AND locked_by = ${workerId}`);
}

/**
 * Completes a job inside the transaction that does its work, so the work and the job's end
 * commit together: a crash in between can neither lose the work nor leave the job to run again.
 * False when the lease is no longer ours (another worker took the job over): do nothing then.
 */
export async function completeJobsWithin(tx: Sql, jobs: readonly ClaimedJob[]): Promise<ClaimedJob[]> {
  if (jobs.length === 0) return [];
  const ordered = [...jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  // Planned with its values each time, not prepared: see completeJobs.
  const deleted = await tx.query<{ id: string }>(sql`
    DELETE FROM jobs j USING unnest(${ordered.map((job) => String(job.id))}::bigint[], ${ordered.map((job) => job.lockedBy)}::text[]) AS c(id, locked_by)
    WHERE j.id = c.id AND j.locked_by = c.locked_by RETURNING j.id`);
  const ours = new Set(deleted.map((row) => String(row.id)));
  return jobs.filter((job) => ours.has(String(job.id)));
}

/** completeJobsWithin for one job: false when its lease is no longer ours. */
export async function completeJobWithin(tx: Sql, job: ClaimedJob): Promise<boolean> {
  const deleted = await tx.query(prepared('jobs.complete-within', sql`DELETE FROM jobs WHERE id = ${String(job.id)}::bigint AND locked_by = ${job.lockedBy} RETURNING id`));
  return deleted.length === 1;
}

/** Puts a failed job back for later, or marks it dead when it has used up its attempts; says when it is due again. */
export async function failJob(
  db: Sql,
  job: ClaimedJob,
  workerId: string,
  error: string,
  retryInMs: number,
  consumesAttempt: boolean,
  giveUp = false,
): Promise<{ outcome: 'retry' | 'dead'; retryAt?: Date }> {
  const attempts = consumesAttempt ? job.attempts : job.attempts - 1;
  const dead = giveUp || attempts >= job.maxAttempts;
  const [row] = await db.query<{ due_at: Date }>(sql`
    UPDATE jobs SET locked_until = NULL, locked_by = NULL, last_error = ${error.slice(0, 2000)}, attempts = ${attempts}::int,
      status = ${dead ? 'dead' : 'pending'}, due_at = now() + ${retryInMs}::int * interval '1 millisecond'
    WHERE id = ${String(job.id)}::bigint AND locked_by = ${workerId}
    RETURNING due_at`);
  // The due time as stored, by the database's clock (absent when the lease was no longer ours).
  return { outcome: dead ? 'dead' : 'retry', ...(row && !dead ? { retryAt: new Date(row.due_at) } : {}) };
}

export async function jobBacklog(db: Sql): Promise<{ kind: string; due: number; dead: number }[]> {
  const rows = await db.query<{ kind: string; due: number; dead: number }>(sql`
    SELECT kind, (count(*) FILTER (WHERE status = 'pending' AND due_at <= now()))::int AS due,
           (count(*) FILTER (WHERE status = 'dead'))::int AS dead
    FROM jobs GROUP BY kind`);
  return rows.map((row) => ({ kind: row.kind, due: Number(row.due), dead: Number(row.dead) }));
}

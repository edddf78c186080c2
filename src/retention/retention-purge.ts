import type { Database } from '../db/database.js';
import { sql, type Sql, type SqlFragment } from '../db/sql.js';
import { RETENTION_CATEGORIES, type CategoryPlan, type RetentionCategory } from './retention-plan.js';

/** Rows removed (or, for raw payloads, cleared) per kind. */
export type RetentionCounts = Record<RetentionCategory, number>;

/** Where a purge stopped when it ran out of batches: the kind it was at and, for alerts, the last id it looked at. */
export interface PurgeProgress {
  category: RetentionCategory;
  cursor: number;
}

export interface PurgeOptions {
  /** Rows per statement (incidents: a twentieth of it per transaction, each with its timeline). */
  batchSize?: number;
  /** Waited between batches, so that alerts queued behind the purge go first (PGlite has one connection). */
  pauseMs?: number;
  /** Stop after this many batches and say where (a job run stays short; the next run goes on). */
  maxBatches?: number;
  /** Where an earlier run stopped. */
  resume?: PurgeProgress;
}

export interface PurgeResult {
  counts: RetentionCounts;
  /** Set when the purge stopped at maxBatches with more to look at. */
  progress?: PurgeProgress;
}

export const DEFAULT_BATCH_SIZE = 500;

export function noCounts(): RetentionCounts {
  return Object.fromEntries(RETENTION_CATEGORIES.map((category) => [category, 0])) as RetentionCounts;
}

export function addCounts(a: Partial<RetentionCounts>, b: Partial<RetentionCounts>): RetentionCounts {
  return Object.fromEntries(RETENTION_CATEGORIES.map((category) => [category, (a[category] ?? 0) + (b[category] ?? 0)])) as RetentionCounts;
}

/** One batch: rows affected, whether there may be more, and for a walk by id the last id looked at. */
type BatchOutcome = { affected: number; more: boolean; cursor?: number };

interface CategoryRules {
  /** How many rows would go now. */
  count(cutoff: Date): SqlFragment;
  /** Removes at most one batch. Walks by id (alerts, which have no index on age) pass the cursor on; the rest end when a batch comes back short. */
  batch(database: Database, cutoff: Date, cursor: number, size: number): Promise<BatchOutcome>;
}

const at = (date: Date) => sql`${date.toISOString()}::timestamptz`;

/** Alerts have no index on their age: the purge walks them by id, a chunk per statement, so each statement reads one chunk whatever the table's size. */
async function alertChunk(database: Database, cursor: number, size: number, change: (chunk: SqlFragment) => SqlFragment): Promise<BatchOutcome> {
  const chunk = sql`SELECT id FROM alerts WHERE id > ${cursor}::int ORDER BY id LIMIT ${size}::int`;
  const [row] = await database.sql.query<{ last: number | null; affected: number }>(sql`
    WITH chunk AS (${chunk}), changed AS (${change(sql`SELECT id FROM chunk`)})
    SELECT (SELECT max(id) FROM chunk) AS last, (SELECT count(*) FROM changed)::int AS affected`);
  const last = row?.last === null || row?.last === undefined ? undefined : Number(row.last);
  return { affected: Number(row?.affected ?? 0), more: last !== undefined, cursor: last };
}

const rawPayloadIsOld = (cutoff: Date) => sql`a.raw IS NOT NULL AND a.last_received_at < ${at(cutoff)}`;

/**
 * A resolved alert goes once it ended and was last heard of before the cut-off, unless an
 * incident it belongs to is still open (its alert list is what responders are looking at).
 */
const resolvedAlertIsOld = (cutoff: Date) => sql`a.status = 'resolved' AND a.last_received_at < ${at(cutoff)} AND COALESCE(a.ends_at, a.last_received_at) < ${at(cutoff)}
  AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = a.incident_id AND i.status <> 'resolved')
  AND NOT EXISTS (SELECT 1 FROM incident_alerts ia JOIN incidents i ON i.id = ia.incident_id WHERE ia.alert_id = a.id AND i.status <> 'resolved')`;

const incidentIsOld = (cutoff: Date) => sql`i.status = 'resolved' AND i.resolved_at < ${at(cutoff)}`;

/** Rows chosen through an index on their age, a batch at a time: the ones removed are gone, so each batch starts again from the oldest. */
async function deleteOldest(database: Database, size: number, statement: SqlFragment): Promise<BatchOutcome> {
  const rows = await database.sql.query(statement);
  return { affected: rows.length, more: rows.length >= size };
}

/**
 * A batch of resolved incidents with everything that hangs off them, children first, in one
 * transaction (explicit deletes rather than the cascades, so that the order holds whatever a
 * later migration does to them). Alerts are kept by their own setting and only let go of the incident.
 */
async function deleteIncidents(database: Database, cutoff: Date, size: number): Promise<BatchOutcome> {
  return database.transaction(async (tx) => {
    const rows = await tx.query<{ id: number }>(sql`
      SELECT i.id FROM incidents i WHERE ${incidentIsOld(cutoff)} ORDER BY i.resolved_at, i.id LIMIT ${size}::int FOR UPDATE SKIP LOCKED`);
    if (rows.length === 0) return { affected: 0, more: false };
    const ids = rows.map((row) => Number(row.id));
    const these = sql`${ids}::int[]`;
    const subjects = ids.map((id) => `incident:${id}`);
    await tx.query(sql`DELETE FROM jobs WHERE subject = ANY (${subjects}::text[]) AND locked_by IS NULL`);
    await tx.query(sql`DELETE FROM noise_votes WHERE incident_id = ANY (${these})`);
    await tx.query(sql`UPDATE alerts SET incident_id = NULL WHERE incident_id = ANY (${these})`);
    await tx.query(sql`DELETE FROM incident_alerts WHERE incident_id = ANY (${these})`);
    await tx.query(sql`DELETE FROM timeline_events WHERE incident_id = ANY (${these})`);
    await tx.query(sql`DELETE FROM postmortems WHERE incident_id = ANY (${these})`);
    await tx.query(sql`DELETE FROM incident_roles WHERE incident_id = ANY (${these})`);
    await tx.query(sql`DELETE FROM notifications WHERE page_id IN (SELECT id FROM pages WHERE incident_id = ANY (${these}))`);
    await tx.query(sql`DELETE FROM pages WHERE incident_id = ANY (${these})`);
    await tx.query(sql`DELETE FROM playbook_step_states WHERE run_id IN (SELECT id FROM playbook_runs WHERE incident_id = ANY (${these}))`);
    await tx.query(sql`DELETE FROM playbook_runs WHERE incident_id = ANY (${these})`);
    await tx.query(sql`DELETE FROM chat_channel_invites WHERE chat_channel_id IN (SELECT id FROM chat_channels WHERE incident_id = ANY (${these}))`);
    await tx.query(sql`DELETE FROM chat_channels WHERE incident_id = ANY (${these})`);
    const deleted = await tx.query(sql`DELETE FROM incidents WHERE id = ANY (${these}) RETURNING id`);
    return { affected: deleted.length, more: rows.length >= size };
  });
}

const RULES: Record<RetentionCategory, CategoryRules> = {
  raw_payloads: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM alerts a WHERE ${rawPayloadIsOld(cutoff)}`,
    batch: (database, cutoff, cursor, size) =>
      alertChunk(database, cursor, size, (chunk) => sql`UPDATE alerts a SET raw = NULL WHERE a.id IN (${chunk}) AND ${rawPayloadIsOld(cutoff)} RETURNING a.id`),
  },
  resolved_alerts: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM alerts a WHERE ${resolvedAlertIsOld(cutoff)}`,
    batch: (database, cutoff, cursor, size) =>
      alertChunk(database, cursor, size, (chunk) => sql`DELETE FROM alerts a WHERE a.id IN (${chunk}) AND ${resolvedAlertIsOld(cutoff)} RETURNING a.id`),
  },
  incidents: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM incidents i WHERE ${incidentIsOld(cutoff)}`,
    batch: (database, cutoff, _cursor, size) => deleteIncidents(database, cutoff, Math.max(1, Math.floor(size / 20))),
  },
  audit_entries: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM audit_entries WHERE at < ${at(cutoff)}`,
    batch: (database, cutoff, _cursor, size) =>
      deleteOldest(database, size, sql`DELETE FROM audit_entries WHERE id IN (SELECT id FROM audit_entries WHERE at < ${at(cutoff)} ORDER BY at LIMIT ${size}::int) RETURNING id`),
  },
  processed_requests: {
    // A key that carries its own expiry is never forgotten before it (a redelivery would then apply twice).
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM processed_requests WHERE created_at < ${at(cutoff)} AND (expires_at IS NULL OR expires_at < ${at(cutoff)})`,
    batch: (database, cutoff, _cursor, size) =>
      deleteOldest(database, size, sql`DELETE FROM processed_requests WHERE key IN (
        SELECT key FROM processed_requests WHERE created_at < ${at(cutoff)} AND (expires_at IS NULL OR expires_at < ${at(cutoff)}) ORDER BY created_at LIMIT ${size}::int) RETURNING key`),
  },
  opsgenie_requests: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM opsgenie_requests WHERE processed_at < ${at(cutoff)}`,
    batch: (database, cutoff, _cursor, size) =>
      deleteOldest(database, size, sql`DELETE FROM opsgenie_requests WHERE id IN (SELECT id FROM opsgenie_requests WHERE processed_at < ${at(cutoff)} ORDER BY processed_at LIMIT ${size}::int) RETURNING id`),
  },
  expired_request_ids: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM processed_requests WHERE expires_at < ${at(cutoff)}`,
    batch: (database, cutoff, _cursor, size) =>
      deleteOldest(database, size, sql`DELETE FROM processed_requests WHERE key IN (SELECT key FROM processed_requests WHERE expires_at < ${at(cutoff)} ORDER BY expires_at LIMIT ${size}::int) RETURNING key`),
  },
  dead_jobs: {
    // A dead job's due time is when it gave up (failJob sets it then).
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM jobs WHERE status = 'dead' AND due_at < ${at(cutoff)}`,
    batch: (database, cutoff, _cursor, size) =>
      deleteOldest(database, size, sql`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE status = 'dead' AND due_at < ${at(cutoff)} ORDER BY due_at LIMIT ${size}::int) RETURNING id`),
  },
  expired_links: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM action_tokens WHERE expires_at < ${at(cutoff)}`,
    batch: (database, cutoff, _cursor, size) =>
      deleteOldest(database, size, sql`DELETE FROM action_tokens WHERE token_hash IN (SELECT token_hash FROM action_tokens WHERE expires_at < ${at(cutoff)} ORDER BY expires_at LIMIT ${size}::int) RETURNING token_hash`),
  },
  expired_web_sessions: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM web_sessions WHERE expires_at <= ${at(cutoff)}`,
    batch: (database, cutoff, _cursor, size) =>
      deleteOldest(database, size, sql`DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM web_sessions WHERE expires_at <= ${at(cutoff)} ORDER BY expires_at LIMIT ${size}::int) RETURNING id_hash`),
  },
  expired_web_sign_ins: {
    count: (cutoff) => sql`SELECT count(*)::int AS n FROM web_sign_ins WHERE expires_at <= ${at(cutoff)}`,
    batch: (database, cutoff, _cursor, size) =>
      deleteOldest(database, size, sql`DELETE FROM web_sign_ins WHERE state_hash IN (SELECT state_hash FROM web_sign_ins WHERE expires_at <= ${at(cutoff)} ORDER BY expires_at LIMIT ${size}::int) RETURNING state_hash`),
  },
};

/** How many rows of each kind the plan would remove now, removing nothing (a dry run). */
export async function countExpired(db: Sql, plan: readonly CategoryPlan[]): Promise<RetentionCounts> {
  const counts = noCounts();
  for (const step of plan) {
    if (!step.cutoff) continue;
    const [row] = await db.query<{ n: number }>(RULES[step.category].count(step.cutoff));
    counts[step.category] = Number(row?.n ?? 0);
  }
  return counts;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Removes what the plan says has been kept long enough, in small batches, each its own short
 * statement or transaction, pausing between them: on embedded storage (one connection) a batch
 * holds up an incoming alert for milliseconds, never for the length of the purge. A kind whose
 * cut-off is undefined (kept forever) is passed over.
 */
export async function purgeExpired(database: Database, plan: readonly CategoryPlan[], options: PurgeOptions = {}): Promise<PurgeResult> {
  const size = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const pauseMs = options.pauseMs ?? 5;
  const counts = noCounts();
  let batches = 0;
  const startAt = options.resume ? plan.findIndex((step) => step.category === options.resume!.category) : 0;
  for (let index = Math.max(0, startAt); index < plan.length; index++) {
    const step = plan[index]!;
    if (!step.cutoff) continue;
    const rules = RULES[step.category];
    let cursor = index === startAt && options.resume ? options.resume.cursor : 0;
    for (;;) {
      if (options.maxBatches !== undefined && batches >= options.maxBatches) return { counts, progress: { category: step.category, cursor } };
      const outcome = await rules.batch(database, step.cutoff, cursor, size);
      batches++;
      counts[step.category] += outcome.affected;
      await pause(pauseMs);
      if (!outcome.more) break;
      cursor = outcome.cursor ?? 0;
    }
  }
  return { counts };
}

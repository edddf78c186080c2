import type { Database } from '../db/database.js';
import { sql, type Sql } from '../db/sql.js';
import { NOTIFICATION_JOB, PHONE_DIGEST_JOB } from '../engine/job-kinds.js';
import type { JobHandler, JobSpec } from '../engine/job.js';
import { enqueueJobs } from '../engine/job-store.js';
import { BOT } from '../incidents/actor.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import { appendTimeline } from '../incidents/timeline.js';
import type { Clock } from '../time/clock.js';
import type { ContactMessage } from './contact-port.js';
import { NOTIFICATION_MAX_ATTEMPTS } from './page-notifications.js';
import { takePhoneSlot } from './phone-slots.js';

/** The job that sends a person's held texts and calls as one, once a phone slot frees. */
export function phoneDigestJob(personId: number, delayMs: number): JobSpec {
  return { kind: PHONE_DIGEST_JOB, subject: `person:${personId}`, coalesceKey: `phone-digest:${personId}`, payload: { personId }, delayMs: Math.max(0, delayMs) };
}

/** One page a digest speaks of. */
export interface DigestItem {
  incidentId: number | null;
  severity: number | null;
  title: string | null;
  /** The page's own text, for a page about no incident. */
  message: string;
}

/**
 * One text or call for many pages: how many, how to answer them all, then each (an SMS is cut
 * to one segment at the end, so the count and the answer come first). Pages of one incident
 * (its SMS and its call both held) count once.
 */
export function digestMessage(items: readonly DigestItem[], via: 'sms' | 'voice'): ContactMessage {
  const seen = new Set<string>();
  const unique = items.filter((item) => {
    const key = item.incidentId === null ? `page:${item.message}` : `incident:${item.incidentId}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  // By incident number, oldest first (pages about no incident last): the order people read a list in.
  unique.sort((a, b) => (a.incidentId ?? Number.MAX_SAFE_INTEGER) - (b.incidentId ?? Number.MAX_SAFE_INTEGER));
  const incidents = unique.filter((item) => item.incidentId !== null);
  const count = unique.length;
  const what = incidents.length === count
    ? `${count} ${count === 1 ? 'incident is' : 'incidents are'} paging you`
    : `${count} ${count === 1 ? 'page is' : 'pages are'} waiting for you`;
  const line = (item: DigestItem) =>
    item.incidentId === null ? `Page: ${oneLine(item.message)}` : `${incidentLabel(item.incidentId)} ${severityLabel(Number(item.severity))} ${oneLine(item.title ?? item.message)}`;
  if (via === 'voice') {
    const first = unique[0]!;
    return {
      subject: what,
      answerable: incidents.length > 0,
      text: count === 1 ? `${what}: ${line(first)}.` : `${what}. The first is ${line(first)}. Pressing 1 acknowledges all ${count}.`,
    };
  }
  const answer = incidents.length === 0 ? '' : count === 1 ? ` Reply "ack ${incidents[0]!.incidentId}" to acknowledge.` : ` Reply "ack all" to acknowledge all ${count}, or "ack ${incidents[0]!.incidentId}" for one.`;
  return { subject: what, answerable: incidents.length > 0, text: `${what}.${answer} ${unique.map(line).join('; ')}` };
}

interface HeldRow {
  id: number;
  via: 'sms' | 'voice';
  page_id: number;
  page_status: string;
  incident_id: number | null;
  incident_status: string | null;
  person_name: string;
}

/** Whether a page still wants the person: not acknowledged, and its incident (if any) still triggered. */
export function pageStillOpen(row: { page_status: string; incident_status: string | null }): boolean {
  return row.page_status !== 'acknowledged' && (row.incident_status === null || row.incident_status === 'triggered');
}

/**
 * When a person's phone slot frees: the texts and calls held for them meanwhile that still
 * matter (their incident not acknowledged or resolved) become one message, sent by a call if any
 * of them was a call (their rules had got that far) and otherwise by SMS. The others are folded
 * into it, and each of their incidents' timelines says so.
 */
export function phoneDigestHandler(deps: { database: Database; clock: Clock; limit: number }): JobHandler {
  return async (job) => {
    const personId = Number(job.payload.personId);
    const now = deps.clock.now();
    await deps.database.transaction(async (tx) => {
      const held = await heldFor(tx, personId);
      const live = held.filter(pageStillOpen);
      const dead = held.filter((row) => !pageStillOpen(row)).map((row) => Number(row.id));
      if (dead.length) await tx.query(sql`UPDATE notifications SET status = 'cancelled' WHERE id = ANY(${dead}::int[]) AND status = 'held'`);
      if (live.length === 0) return;
      const carrier = live.find((row) => row.via === 'voice') ?? live[0]!;
      const slot = await takePhoneSlot(tx, personId, Number(carrier.id), now, deps.limit);
      if (!slot.taken) {
        await enqueueJobs(tx, [phoneDigestJob(personId, slot.freeAt.getTime() - now.getTime())]);
        return;
      }
      const folded = live.filter((row) => row !== carrier);
      await tx.query(sql`UPDATE notifications SET status = 'pending' WHERE id = ${carrier.id}::int`);
      if (folded.length) {
        await tx.query(sql`UPDATE notifications SET status = 'folded', folded_into = ${carrier.id}::int WHERE id = ANY(${folded.map((row) => Number(row.id))}::int[])`);
      }
      const incidents = new Set(live.filter((row) => row.incident_id !== null).map((row) => Number(row.incident_id)));
      // The timeline's references to them, taken in id order as the escalation worker and the
      // intake lock several: in the texts' order they deadlocked with an escalation batch.
      await tx.query(sql`SELECT id FROM incidents WHERE id = ANY (${[...incidents].sort((a, b) => a - b)}::int[]) ORDER BY id FOR KEY SHARE`);
      const one = carrier.via === 'voice' ? 'one call' : 'one SMS';
      await appendTimeline(
        tx,
        live
          .filter((row) => row.incident_id !== null)
          .map((row) => ({
            incidentId: Number(row.incident_id),
            at: now,
            kind: 'page.folded',
            actor: BOT,
            text: `${row.via === 'voice' ? 'Voice call' : 'SMS'} to ${row.person_name} goes as ${one} about ${incidents.size} incidents (PAGE_RATE_LIMIT: ${deps.limit} texts and calls in 10 minutes)`,
            data: { notificationId: Number(row.id), carrier: Number(carrier.id) },
          })),
      );
      await enqueueJobs(tx, [{ kind: NOTIFICATION_JOB, subject: `notification:${carrier.id}`, payload: { notificationId: Number(carrier.id) }, maxAttempts: NOTIFICATION_MAX_ATTEMPTS }]);
    });
  };
}

async function heldFor(tx: Sql, personId: number): Promise<HeldRow[]> {
  return tx.query<HeldRow>(sql`
    SELECT n.id, n.via, n.page_id, p.status AS page_status, i.id AS incident_id, i.status AS incident_status, pe.name AS person_name
    FROM notifications n JOIN pages p ON p.id = n.page_id JOIN people pe ON pe.id = p.person_id LEFT JOIN incidents i ON i.id = p.incident_id
    WHERE p.person_id = ${personId}::int AND n.status = 'held'
    ORDER BY n.due_at, n.id
    FOR UPDATE OF n`);
}

/** The pages a notification carries: its own and those folded into it, the live ones first. */
export async function carriedPages(tx: Sql, notificationId: number): Promise<(DigestItem & { live: boolean; pageId: number })[]> {
  const rows = await tx.query<{ page_id: number; page_status: string; incident_id: number | null; incident_status: string | null; severity: number | null; title: string | null; message: string }>(sql`
    SELECT p.id AS page_id, p.status AS page_status, i.id AS incident_id, i.status AS incident_status, i.severity, i.title, p.message
    FROM notifications n JOIN pages p ON p.id = n.page_id LEFT JOIN incidents i ON i.id = p.incident_id
    WHERE n.id = ${notificationId}::int OR n.folded_into = ${notificationId}::int
    ORDER BY n.id = ${notificationId}::int DESC, n.due_at, n.id`);
  return rows.map((row) => ({
    pageId: Number(row.page_id),
    incidentId: row.incident_id === null ? null : Number(row.incident_id),
    severity: row.severity === null ? null : Number(row.severity),
    title: row.title,
    message: row.message,
    live: pageStillOpen(row),
  }));
}

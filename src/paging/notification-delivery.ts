import type { Database } from '../db/database.js';
import { sql, type Sql } from '../db/sql.js';
import type { Delivery } from '../delivery/delivery.js';
import { retryHintOf } from '../engine/retry-hint.js';
import type { ClaimedJob, JobHandler } from '../engine/job.js';
import { BOT } from '../incidents/actor.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import { appendTimeline } from '../incidents/timeline.js';
import type { Logger } from '../logging.js';
import { systemClock, type Clock } from '../time/clock.js';
import { createActionToken } from './action-tokens.js';
import type { ContactMessage, ContactPort } from './contact-port.js';
import { carriedPages, digestMessage, pageStillOpen, phoneDigestJob } from './phone-digest.js';
import { takePhoneSlot, PHONE_WINDOW_MS } from './phone-slots.js';
import { enqueueJobs } from '../engine/job-store.js';
import { formatDuration } from '../time/duration.js';

/** How long an acknowledge link in an email or a push works: past the longest escalation anyone runs. */
export const ACK_LINK_VALID_MS = 24 * 3_600_000;

const METHOD_NAME: Record<ContactPort['via'], string> = { email: 'Email', sms: 'SMS', voice: 'Voice call', push: 'Push notification', webhook: 'Webhook' };

interface NotificationRow {
  id: number;
  page_id: number;
  via: ContactPort['via'];
  address: string;
  status: string;
  page_status: string;
  person_id: number;
  person_name: string;
  incident_id: number | null;
  incident_status: string | null;
  title: string | null;
  severity: number | null;
  message: string;
}

/**
 * Sends one planned notification of a page when it falls due, through the delivery path under the
 * notification's key (a retried job never sends twice). A page whose incident was acknowledged
 * or resolved meanwhile is not sent: any acknowledgement stops every pending notification. A send
 * that cannot work (a bounced address, a refused number, no provider, or a provider still failing
 * on the last attempt) is recorded as failed and the person's next method goes at once. A text
 * or call past the person's PAGE_RATE_LIMIT (`phoneLimit`) is held, and goes with the others held
 * meanwhile as one message when a slot frees (phone-digest.ts).
 */
export function notificationHandler(deps: { database: Database; delivery: Delivery; publicUrl: () => string; log: Logger; clock?: Clock; phoneLimit?: number }): JobHandler {
  const clock = deps.clock ?? systemClock;
  return async (job: ClaimedJob) => {
    const id = Number(job.payload.notificationId);
    const [row] = await deps.database.sql.query<NotificationRow>(sql`
      SELECT n.id, n.page_id, n.via, n.address, n.status, p.status AS page_status, p.person_id, pe.name AS person_name, p.message,
             i.id AS incident_id, i.status AS incident_status, i.title, i.severity
      FROM notifications n JOIN pages p ON p.id = n.page_id JOIN people pe ON pe.id = p.person_id LEFT JOIN incidents i ON i.id = p.incident_id
      WHERE n.id = ${id}::int`);
    if (!row || row.status !== 'pending') return;
    const incidentId = row.incident_id === null ? null : Number(row.incident_id);
    const method = `${METHOD_NAME[row.via]} to ${row.person_name}`;
    const byPhone = row.via === 'sms' || row.via === 'voice';
    // A text or call may carry others folded into it: it goes while any of them still matters.
    const carried = byPhone ? await carriedPages(deps.database.sql, id) : [];
    const live = carried.filter((page) => page.live);
    if (byPhone ? live.length === 0 : !pageStillOpen(row)) {
      await deps.database.sql.query(sql`UPDATE notifications SET status = 'cancelled' WHERE id = ${id}::int AND status = 'pending'`);
      return;
    }
    if (byPhone && deps.phoneLimit !== undefined && (await holdPastLimit(row, method, deps.phoneLimit))) return;
    try {
      const sent = await deps.delivery.notifyOnce(`notification:${id}`, row.via, row.address, () => (carried.length > 1 ? Promise.resolve(digestMessage(live, row.via as 'sms' | 'voice')) : message(row)));
      await deps.database.transaction(async (tx) => {
        await tx.query(sql`
          UPDATE notifications SET status = 'sent', provider_id = ${sent.providerId}, sent_at = ${clock.now()}::timestamptz WHERE id = ${id}::int AND status = 'pending'`);
        if (incidentId !== null && !sent.already) {
          await appendTimeline(tx, [{ incidentId, at: clock.now(), kind: 'page.notified', actor: BOT, text: `${method} sent`, data: { notificationId: id, via: row.via } }]);
        }
      });
    } catch (error) {
      const hint = retryHintOf(error);
      const lastTry = job.attempts + 1 >= job.maxAttempts;
      if (hint?.retryable && !lastTry) throw error;
      if (!hint && !lastTry && !isGiveUp(error)) throw error;
      await failAndMoveOn(deps.database, row, incidentId, method, (error as Error).message, clock);
      deps.log.warn({ err: error, notification: id, via: row.via }, 'notification failed; the person`s next method goes now');
    }
  };

  /** Past the person's phone limit: held, with a digest due when a slot frees; true when held. */
  async function holdPastLimit(row: NotificationRow, method: string, limit: number): Promise<boolean> {
    const id = Number(row.id);
    const now = clock.now();
    return deps.database.transaction(async (tx) => {
      const slot = await takePhoneSlot(tx, Number(row.person_id), id, now, limit);
      if (slot.taken) return false;
      const [held] = await tx.query<{ id: number }>(sql`UPDATE notifications SET status = 'held' WHERE id = ${id}::int AND status = 'pending' RETURNING id`);
      if (!held) return true;
      // Whatever this one carried waits with it.
      await tx.query(sql`UPDATE notifications SET status = 'held', folded_into = NULL WHERE folded_into = ${id}::int AND status = 'folded'`);
      const waitMs = slot.freeAt.getTime() - now.getTime();
      await enqueueJobs(tx, [phoneDigestJob(Number(row.person_id), waitMs)]);
      if (row.incident_id !== null) {
        const text = `${method} held: ${limit} texts and calls in ${formatDuration(PHONE_WINDOW_MS)} is the limit (PAGE_RATE_LIMIT); it goes in ${formatDuration(waitMs)}, with any others waiting`;
        await appendTimeline(tx, [{ incidentId: Number(row.incident_id), at: now, kind: 'page.held', actor: BOT, text, data: { notificationId: id, via: row.via } }]);
      }
      return true;
    });
  }

  async function message(row: NotificationRow): Promise<ContactMessage> {
    const label = row.incident_id === null ? 'Page' : `${incidentLabel(Number(row.incident_id))} ${severityLabel(Number(row.severity))}`;
    const title = oneLine(row.title ?? row.message);
    // Email, push and webhooks carry a one-time link; SMS and voice are answered by reply and key press.
    const withLink = row.via === 'email' || row.via === 'push' || row.via === 'webhook';
    const token = withLink && row.incident_id !== null
      ? await deps.database.transaction((tx) => createActionToken(tx, { purpose: 'ack', personId: Number(row.person_id), pageId: Number(row.page_id), via: row.via, address: row.address, validForMs: ACK_LINK_VALID_MS }))
      : undefined;
    return {
      subject: oneLine(`${label}: ${title}`).slice(0, 78),
      // A page about an incident names it; a page about nothing (a test, /oncall page) is its message.
      answerable: row.incident_id !== null,
      text: row.incident_id === null ? oneLine(row.message) : `${label}: ${title}\nYou are paged for ${incidentLabel(Number(row.incident_id))}.`,
      ...(token ? { actionUrl: `${deps.publicUrl()}/ack/${token}`, actionLabel: `Acknowledge ${incidentLabel(Number(row.incident_id))}` } : {}),
    };
  }
}

function isGiveUp(error: unknown): boolean {
  return error instanceof Error && error.name === 'GiveUpError';
}

/** What the provider said later about a notification it took (a delivery receipt): recorded on the timeline; a failure moves the page on. */
export async function recordDeliveryStatus(database: Database, providerId: string, outcome: { delivered: true } | { delivered: false; reason: string }, clock: Clock): Promise<boolean> {
  const [row] = await database.sql.query<NotificationRow>(sql`
    SELECT n.id, n.page_id, n.via, n.address, n.status, p.status AS page_status, p.person_id, pe.name AS person_name, p.message,
           i.id AS incident_id, i.status AS incident_status, i.title, i.severity
    FROM notifications n JOIN pages p ON p.id = n.page_id JOIN people pe ON pe.id = p.person_id LEFT JOIN incidents i ON i.id = p.incident_id
    WHERE n.provider_id = ${providerId} ORDER BY n.id DESC LIMIT 1`);
  if (!row || row.status !== 'sent') return Boolean(row);
  const incidentId = row.incident_id === null ? null : Number(row.incident_id);
  const method = `${METHOD_NAME[row.via]} to ${row.person_name}`;
  if (!outcome.delivered) {
    await failAndMoveOn(database, row, incidentId, method, outcome.reason, clock, 'sent');
    return true;
  }
  await database.transaction(async (tx) => {
    const [updated] = await tx.query<{ id: number }>(sql`UPDATE notifications SET status = 'delivered' WHERE id = ${row.id}::int AND status = 'sent' RETURNING id`);
    if (updated && incidentId !== null) {
      await appendTimeline(tx, [{ incidentId, at: clock.now(), kind: 'page.delivered', actor: BOT, text: `${method} delivered`, data: { notificationId: Number(row.id), via: row.via } }]);
    }
  });
  return true;
}

async function failAndMoveOn(database: Database, row: NotificationRow, incidentId: number | null, method: string, reason: string, clock: Clock, from: 'pending' | 'sent' = 'pending'): Promise<void> {
  await database.transaction(async (tx: Sql) => {
    const [failed] = await tx.query<{ id: number }>(sql`UPDATE notifications SET status = 'failed', error = ${reason.slice(0, 500)} WHERE id = ${row.id}::int AND status = ${from} RETURNING id`);
    if (!failed) return;
    // The pages folded into a failed text or call did not reach the person either.
    const folded = await tx.query<{ id: number; page_id: number; incident_id: number | null }>(sql`
      UPDATE notifications n SET status = 'failed', error = ${reason.slice(0, 500)} FROM pages p
      WHERE n.folded_into = ${row.id}::int AND n.status = 'folded' AND p.id = n.page_id RETURNING n.id, n.page_id, p.incident_id`);
    const failedPages = [{ id: Number(row.id), pageId: Number(row.page_id), incidentId }, ...folded.map((f) => ({ id: Number(f.id), pageId: Number(f.page_id), incidentId: f.incident_id === null ? null : Number(f.incident_id) }))];
    for (const page of failedPages) {
      const [next] = await tx.query<{ id: number; via: string }>(sql`
        SELECT id, via FROM notifications WHERE page_id = ${page.pageId}::int AND status = 'pending' ORDER BY due_at, id LIMIT 1`);
      if (next) await tx.query(sql`UPDATE jobs SET due_at = now() WHERE subject = ${`notification:${Number(next.id)}`} AND status = 'pending' AND due_at > now()`);
      if (page.incidentId !== null) {
        const moving = next ? `; ${next.via} goes now` : '';
        await appendTimeline(tx, [{ incidentId: page.incidentId, at: clock.now(), kind: 'page.notify-failed', actor: BOT, text: `${method} failed: ${reason}${moving}`, data: { notificationId: page.id, via: row.via } }]);
      }
    }
  });
}

import { sql, type Sql } from '../db/sql.js';
import { NOTIFICATION_JOB } from '../engine/job-kinds.js';
import type { JobSpec } from '../engine/job.js';
import type { PersonConfig } from '../oncall/oncall-config.js';
import { CONTACT_VIAS, urgencyOf, type ContactAddresses, type ContactVia } from './contact-methods.js';
import { planNotifications } from './notification-plan.js';

/**
 * Tries of one notification before it counts as failed and the person's next method goes: with
 * the engine's back-off (1 s doubling to 30 s), about five to eight minutes of a provider failing.
 * A page is urgent: past that, the next way to reach the person is worth more than more waiting.
 */
export const NOTIFICATION_MAX_ATTEMPTS = 20;

/** A notification of a page beyond chat, as planned when the page is written. */
export interface PlannedContact {
  via: Exclude<ContactVia, 'chat'>;
  address: string;
  at: Date;
  heldFrom?: Date;
}

/** The address a method sends to, from oncall.yaml. */
export function addressOf(person: ContactAddresses, via: Exclude<ContactVia, 'chat'>): string | undefined {
  return { email: person.email, sms: person.phone, voice: person.phone, push: person.ntfyTopic, webhook: person.webhookUrl }[via];
}

/** The methods the person verified for the addresses oncall.yaml gives them now (a changed number is not verified). */
export async function verifiedMethods(tx: Sql, personId: number, person: ContactAddresses): Promise<Set<ContactVia>> {
  const rows = await tx.query<{ via: string; address: string }>(sql`
    SELECT via, address FROM contact_verifications WHERE person_id = ${personId}::int AND verified_at IS NOT NULL`);
  return verifiedAmong(rows, person);
}

/** Of the verifications stored for a person, the methods whose address is still theirs. */
export function verifiedAmong(rows: readonly { via: string; address: string }[], person: ContactAddresses): Set<ContactVia> {
  const verified = new Set<ContactVia>();
  for (const row of rows) {
    const via = row.via as ContactVia;
    if (via !== 'chat' && (CONTACT_VIAS as readonly string[]).includes(via) && addressOf(person, via) === row.address) verified.add(via);
  }
  return verified;
}

/** One person's part of a page: when the chat message goes, and each notification beyond chat. */
export interface PersonPagePlan {
  /** When the person's rules send the chat message (quiet hours applied); undefined: their rules have no chat step. */
  chatAt?: Date;
  contacts: PlannedContact[];
  /** Methods the person's rules would use that are not verified yet, so this page does not (said on the timeline). */
  unverified?: ContactVia[];
}

/**
 * What the person's rules plan for a page of this severity, starting `start`. Without a way
 * beyond chat configured (`beyondChat` false) only the chat step is planned, with no query.
 */
export async function planPersonPage(tx: Sql, personId: number, person: PersonConfig, severity: number, start: Date, beyondChat: boolean): Promise<PersonPagePlan> {
  const verified = beyondChat ? await verifiedMethods(tx, personId, person) : new Set<ContactVia>();
  const plan = planNotifications(person, urgencyOf(severity), start, verified);
  const chat = plan.notifications.find((n) => n.via === 'chat');
  const contacts = beyondChat
    ? plan.notifications.flatMap((n) => {
        if (n.via === 'chat') return [];
        const address = addressOf(person, n.via);
        return address ? [{ via: n.via, address, at: n.at, ...(n.heldFrom ? { heldFrom: n.heldFrom } : {}) }] : [];
      })
    : [];
  const unverified = beyondChat
    ? [...new Set(planNotifications(person, urgencyOf(severity), start, new Set(CONTACT_VIAS)).notifications.map((n) => n.via))].filter((via) => via !== 'chat' && !verified.has(via))
    : [];
  return { ...(chat ? { chatAt: chat.at } : {}), contacts, ...(unverified.length ? { unverified } : {}) };
}

/**
 * Writes the page's notifications and returns their jobs for the caller's transaction, each due
 * as long after the database's now as its time is after `now` (the bot's clock when it planned):
 * the job engine keeps time by the database, and the two clocks need not agree.
 */
export async function writeNotifications(tx: Sql, pageId: number, planned: readonly PlannedContact[], now: Date): Promise<JobSpec[]> {
  const jobs: JobSpec[] = [];
  for (const contact of planned) {
    const [row] = await tx.query<{ id: number }>(sql`
      INSERT INTO notifications (page_id, via, address, due_at, held_from)
      VALUES (${pageId}::int, ${contact.via}, ${contact.address}, ${contact.at}::timestamptz, ${contact.heldFrom ?? null}::timestamptz)
      RETURNING id`);
    const id = Number(row!.id);
    jobs.push({ kind: NOTIFICATION_JOB, subject: `notification:${id}`, payload: { notificationId: id }, delayMs: Math.max(0, contact.at.getTime() - now.getTime()), maxAttempts: NOTIFICATION_MAX_ATTEMPTS });
  }
  return jobs;
}

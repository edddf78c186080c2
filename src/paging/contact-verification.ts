import { createHash, randomInt, randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import { sql, type Sql } from '../db/sql.js';
import type { Delivery } from '../delivery/delivery.js';
import { CONTACT_VERIFY_JOB } from '../engine/job-kinds.js';
import type { ClaimedJob, JobHandler, JobSpec } from '../engine/job.js';
import type { Logger } from '../logging.js';
import { createActionToken } from './action-tokens.js';
import type { ContactVia } from './contact-methods.js';

/** How long a verification code or link works. */
export const VERIFICATION_VALID_MS = 30 * 60_000;

type Method = Exclude<ContactVia, 'chat'>;

// The person's id is part of what is hashed, so one code never matches another person's row.
const codeHash = (personId: number, code: string) => createHash('sha256').update(`${personId}:${code.trim()}`).digest('hex');

/** The job that sends one verification test: the code is made when it runs, and only its hash is stored. */
export function verificationJob(personId: number, via: Method, address: string): JobSpec {
  return { kind: CONTACT_VERIFY_JOB, subject: `person:${personId}:verify:${via}`, payload: { personId, via, address, request: randomUUID() }, maxAttempts: 5 };
}

/**
 * Sends the test message of a contact method: a six-digit code to type (`/oncall verify <code>`)
 * and, by email or push, a one-time link that confirms without typing. Sent through the delivery
 * path under the request's key; a new code replaces an older one for the same method.
 */
export function verificationSendHandler(deps: { database: Database; delivery: Delivery; publicUrl: () => string; log: Logger }): JobHandler {
  return async (job: ClaimedJob) => {
    const { personId, via, address, request } = job.payload as { personId: number; via: Method; address: string; request: string };
    const key = `verify:${request}`;
    await deps.delivery.notifyOnce(key, via, address, async () => {
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const token = await deps.database.transaction(async (tx) => {
        await tx.query(sql`
          INSERT INTO contact_verifications (person_id, via, address, code_hash, code_expires_at)
          VALUES (${personId}::int, ${via}, ${address}, ${codeHash(personId, code)}, now() + ${VERIFICATION_VALID_MS}::float8 * interval '1 millisecond')
          ON CONFLICT (person_id, via, address) DO UPDATE SET code_hash = EXCLUDED.code_hash, code_expires_at = EXCLUDED.code_expires_at`);
        return via === 'email' || via === 'push' ? createActionToken(tx, { purpose: 'verify', personId, pageId: null, via, address, validForMs: VERIFICATION_VALID_MS }) : undefined;
      });
      return {
        subject: 'Confirm this address for incident pages',
        text: `Your incident bot verification code is ${code}. Within 30 minutes, type /oncall verify ${code} in chat (without chat: incident-bot oncall verify <you> ${code}), and pages can reach you here by ${via}.`,
        ...(token ? { actionUrl: `${deps.publicUrl()}/ack/${token}`, actionLabel: 'Confirm' } : {}),
      };
    });
  };
}

/** Confirms the method whose test carried `code`, if it is the person's and still valid; returns which. */
export async function confirmVerificationCode(tx: Sql, personId: number, code: string): Promise<{ via: Method; address: string } | undefined> {
  if (!/^\d{6}$/.test(code.trim())) return undefined;
  const [row] = await tx.query<{ via: Method; address: string }>(sql`
    UPDATE contact_verifications SET verified_at = now(), code_hash = NULL, code_expires_at = NULL
    WHERE person_id = ${personId}::int AND code_hash = ${codeHash(personId, code)} AND code_expires_at > now()
    RETURNING via, address`);
  return row;
}

/** Each method's state for the person, by address: verified when, or a code waiting since. */
export async function verificationStates(db: Sql, personId: number): Promise<{ via: string; address: string; verifiedAt: Date | null; codePending: boolean }[]> {
  const rows = await db.query<{ via: string; address: string; verified_at: Date | null; pending: boolean }>(sql`
    SELECT via, address, verified_at, (code_hash IS NOT NULL AND code_expires_at > now()) AS pending FROM contact_verifications WHERE person_id = ${personId}::int`);
  return rows.map((row) => ({ via: row.via, address: row.address, verifiedAt: row.verified_at ? new Date(row.verified_at) : null, codePending: Boolean(row.pending) }));
}

import type { Database } from '../db/database.js';
import { enqueueJobs } from '../engine/job-store.js';
import type { PersonConfig } from '../oncall/oncall-config.js';
import { hasAddressFor, type ContactVia } from './contact-methods.js';
import { verificationJob, verificationStates } from './contact-verification.js';
import { addressOf } from './page-notifications.js';

export type VerifiableVia = Exclude<ContactVia, 'chat'>;
export const VERIFIABLE_VIAS: VerifiableVia[] = ['email', 'sms', 'voice', 'push', 'webhook'];

/** Each contact method oncall.yaml gives a person, and how far it is verified. */
export interface ContactMethodState {
  via: VerifiableVia;
  /** Masked (maskedAddress): this leaves the bot through the read API. */
  address: string;
  state: 'verified' | 'test sent' | 'not verified';
  /** No provider is configured for it (SMTP_URL, TWILIO_*, NTFY_URL): it can be neither tested nor used. */
  noProvider: boolean;
}

export async function contactMethodStates(database: Database, person: { id: number; config: PersonConfig }, canSend: (via: VerifiableVia) => boolean): Promise<ContactMethodState[]> {
  const stored = await verificationStates(database.sql, person.id);
  return VERIFIABLE_VIAS.flatMap((via) => {
    const address = addressOf(person.config, via);
    if (!address) return [];
    const row = stored.find((s) => s.via === via && s.address === address);
    return [{ via, address: maskedAddress(via, address), state: row?.verifiedAt ? 'verified' : row?.codePending ? 'test sent' : 'not verified', noProvider: !canSend(via) }];
  });
}

/**
 * An address as shown outside chat's private answer to its owner: enough to tell which one it is,
 * not enough to use it. A push topic or webhook URL is a secret (whoever holds it receives the
 * pages and their acknowledge links), an email or phone number personal data.
 */
export function maskedAddress(via: VerifiableVia, address: string): string {
  if (via === 'email') {
    const at = address.lastIndexOf('@');
    return at > 0 ? `${address[0]}***${address.slice(at)}` : '***';
  }
  if (via === 'sms' || via === 'voice') return `${'*'.repeat(Math.max(0, address.length - 3))}${address.slice(-3)}`;
  if (via === 'webhook') {
    try {
      return `${new URL(address).origin}/***`;
    } catch {
      return '***';
    }
  }
  return `${address.slice(0, 2)}***`;
}

/** What asking to verify a person's methods did: the tests sent, and the methods that could not be tested. */
export interface VerificationRequest {
  sent: { via: VerifiableVia; address: string }[];
  notTestable: { via: VerifiableVia; why: string }[];
}

/**
 * Sends a test with a code to each of the person's methods not yet verified (`/oncall verify`,
 * `incident-bot oncall verify`): through the job that sends it, so the delivery path keys it.
 */
export async function requestVerifications(database: Database, person: { id: number; config: PersonConfig }, canSend: (via: VerifiableVia) => boolean): Promise<VerificationRequest> {
  const states = await verificationStates(database.sql, person.id);
  const result: VerificationRequest = { sent: [], notTestable: [] };
  for (const via of VERIFIABLE_VIAS) {
    const address = addressOf(person.config, via);
    if (!address || !hasAddressFor(person.config, via)) continue;
    if (states.some((s) => s.via === via && s.address === address && s.verifiedAt)) continue;
    // A voice call carries the same code as an SMS to the same number: one test for both.
    if (via === 'voice' && result.sent.some((t) => t.via === 'sms')) continue;
    if (!canSend(via)) {
      result.notTestable.push({ via, why: 'no provider is configured for it yet, so it cannot be tested' });
      continue;
    }
    result.sent.push({ via, address });
  }
  if (result.sent.length) await database.transaction((tx) => enqueueJobs(tx, result.sent.map((t) => verificationJob(person.id, t.via, t.address))));
  return result;
}

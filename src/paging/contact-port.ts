import type { HintedError, RetryHint } from '../engine/retry-hint.js';
import type { ContactVia } from './contact-methods.js';

/** What a page or a verification says beyond chat: one text every method can carry. */
export interface ContactMessage {
  /** A subject line (email), a title (push); within 78 characters. */
  subject: string;
  /** Plain text: the SMS body, the email's text part, what a voice call reads. */
  text: string;
  /** A one-time link the person may open instead of replying (acknowledge, confirm). */
  actionUrl?: string;
  actionLabel?: string;
  /** A page the person can answer (acknowledge, escalate) by reply or key press; a test or verification is not. */
  answerable?: boolean;
}

/**
 * One way to reach a person beyond chat (email, SMS, a call, push, a webhook). Its errors are
 * ContactSendErrors, whose retry hint the job worker reads like a chat platform's.
 */
export interface ContactPort {
  readonly via: Exclude<ContactVia, 'chat'>;
  /** `key` is the delivery's idempotency key: the same on every retry of one send (a webhook's id). */
  send(address: string, message: ContactMessage, context?: { key: string }): Promise<{ providerId: string }>;
}

/** A provider refused or failed a send; `permanent` means this address will not work as it is. */
export class ContactSendError extends Error implements HintedError {
  readonly retryHint: RetryHint;

  constructor(
    message: string,
    readonly via: ContactVia,
    options: { retryable: boolean; retryAfterMs?: number; providerCode?: string; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'ContactSendError';
    this.retryHint = { retryable: options.retryable, retryAfterMs: options.retryAfterMs };
    this.providerCode = options.providerCode;
  }

  readonly providerCode?: string;
}

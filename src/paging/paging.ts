import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Delivery } from '../delivery/delivery.js';
import type { ContactPlanner } from '../engine/escalation-jobs.js';
import { CONTACT_VERIFY_JOB, NOTIFICATION_JOB, PHONE_DIGEST_JOB } from '../engine/job-kinds.js';
import { verificationSendHandler } from './contact-verification.js';
import type { JobHandler } from '../engine/job.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import type { Clock } from '../time/clock.js';
import type { ContactPort } from './contact-port.js';
import { smtpEmailPort } from './email/smtp-email-port.js';
import { ntfyPushPort } from './push/ntfy-push-port.js';
import { twilioSmsPort } from './sms/twilio-sms-port.js';
import { twilioVoicePort } from './sms/twilio-voice-port.js';
import { standardWebhookPort } from './webhook/standard-webhook-port.js';
import { notificationHandler } from './notification-delivery.js';
import { planPersonPage } from './page-notifications.js';
import { phoneDigestHandler } from './phone-digest.js';

/** The ways beyond chat that the settings configure: email with SMTP_URL, push with NTFY_URL, signed webhooks with PAGE_WEBHOOK_SECRET, SMS and voice calls with TWILIO_*. */
export function contactPorts(config: Config, clock: Clock, log: Logger): (ContactPort & { close?(): void })[] {
  const ports: (ContactPort & { close?(): void })[] = [];
  if (config.SMTP_URL && config.EMAIL_FROM) ports.push(smtpEmailPort({ smtpUrl: config.SMTP_URL, from: config.EMAIL_FROM }));
  if (config.NTFY_URL) ports.push(ntfyPushPort({ url: config.NTFY_URL, token: config.NTFY_TOKEN }));
  if (config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.TWILIO_FROM_NUMBER) {
    const publicUrl = config.PUBLIC_URL?.replace(/\/+$/, '');
    const twilio = {
      accountSid: config.TWILIO_ACCOUNT_SID,
      authToken: config.TWILIO_AUTH_TOKEN,
      fromNumber: config.TWILIO_FROM_NUMBER,
      apiUrl: config.TWILIO_API_URL ?? 'https://api.twilio.com',
      // Receipts, and a call's key presses, need an address Twilio can reach; without one a call only reads the page.
      statusCallbackUrl: () => (publicUrl ? `${publicUrl}/twilio/status` : undefined),
    };
    ports.push(twilioSmsPort(twilio), twilioVoicePort({ ...twilio, voiceUrl: () => (publicUrl ? `${publicUrl}/twilio/voice` : undefined) }));
  }
  if (config.PAGE_WEBHOOK_SECRET) ports.push(standardWebhookPort({ secret: config.PAGE_WEBHOOK_SECRET, now: () => clock.now() }));
  if (ports.length > 0 && !config.PUBLIC_URL) {
    log.warn(`PUBLIC_URL is unset: acknowledge links in page emails, pushes and webhooks point at http://localhost:${config.PORT}, which a phone cannot open${config.TWILIO_ACCOUNT_SID ? ', and Twilio cannot send receipts, replies or key presses' : ''}. Set PUBLIC_URL to the address people and providers reach the bot at.`);
  }
  return ports;
}

/**
 * Each paged person's plan from oncall.yaml as loaded now: when their chat message goes and, when
 * a way beyond chat is configured (`beyondChat`), their verified methods' notifications.
 */
export function contactPlanner(oncall: () => OncallConfig, beyondChat = true): ContactPlanner {
  return async (tx, person, severity, at) => {
    const configured = oncall().people[person.handle];
    return configured ? planPersonPage(tx, person.id, configured, severity, at, beyondChat) : { contacts: [] };
  };
}

/** `phoneLimit`: PAGE_RATE_LIMIT, texts and calls per person in 10 minutes (undefined: no limit). */
export function pagingJobHandlers(deps: { database: Database; delivery: Delivery; publicUrl: () => string; log: Logger; clock: Clock; phoneLimit?: number }): Map<string, JobHandler> {
  return new Map([
    [NOTIFICATION_JOB, notificationHandler(deps)],
    [CONTACT_VERIFY_JOB, verificationSendHandler(deps)],
    // Registered without a limit too: digests queued before the limit was turned off still go.
    [PHONE_DIGEST_JOB, phoneDigestHandler({ database: deps.database, clock: deps.clock, limit: deps.phoneLimit ?? Number.POSITIVE_INFINITY })],
  ]);
}

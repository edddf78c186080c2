import type { ContactMessage, ContactPort } from '../contact-port.js';
import { ContactSendError } from '../contact-port.js';
import { oneSegment } from './gsm7.js';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  /** https://api.twilio.com, or a Twilio-compatible provider's base. */
  apiUrl: string;
  /** Where Twilio posts delivery statuses (PUBLIC_URL/twilio/status); none when the bot has no public address. */
  statusCallbackUrl?: () => string | undefined;
  timeoutMs?: number;
}

/** Twilio's answers that no retry changes: a bad or unsubscribed number, a region not enabled, a refused account. */
const FINAL_CODES = new Set([21211, 21610, 21612, 21408, 21614, 20003, 20404]);

/**
 * SMS through Twilio's Messages API (2010-04-01, basic auth with the account SID and auth token).
 * The body is one segment: a page split in parts may arrive out of order. Twilio's error codes
 * become retry hints: 20429 (too many requests) and 5xx are retried, the codes above are final.
 */
export function twilioSmsPort(settings: TwilioSettings): ContactPort {
  const base = settings.apiUrl.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;
  return {
    via: 'sms',
    async send(number: string, message: ContactMessage) {
      const form = new URLSearchParams({ To: number, From: settings.fromNumber, Body: oneSegment(message.text) });
      const callback = settings.statusCallbackUrl?.();
      if (callback) form.set('StatusCallback', callback);
      let response: Response;
      try {
        response = await fetch(`${base}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          signal: AbortSignal.timeout(settings.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new ContactSendError(`could not reach Twilio: ${(error as Error).message}`, 'sms', { retryable: true, cause: error });
      }
      const body = (await response.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
      if (response.status === 201 || response.status === 200) {
        if (!body.sid) throw new ContactSendError('Twilio answered without a message sid', 'sms', { retryable: true });
        return { providerId: body.sid };
      }
      const code = body.code ?? response.status;
      const status = response.status;
      const retryable = !FINAL_CODES.has(code) && (status === 429 || status >= 500 || code === 20429);
      const after = Number(response.headers.get('retry-after'));
      throw new ContactSendError(`Twilio refused the SMS: ${code} ${body.message ?? ''}`.trim(), 'sms', {
        retryable,
        retryAfterMs: status === 429 ? (Number.isFinite(after) && after > 0 ? after * 1000 : 10_000) : undefined,
        providerCode: String(code),
      });
    },
  };
}

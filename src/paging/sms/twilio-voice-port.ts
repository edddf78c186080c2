import type { ContactMessage, ContactPort } from '../contact-port.js';
import { ContactSendError } from '../contact-port.js';
import type { TwilioSettings } from './twilio-sms-port.js';

const FINAL_CODES = new Set([21211, 21210, 21215, 21216, 20003, 20404]);
const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * Voice calls through Twilio's Calls API: the call reads the page twice and gathers one key
 * ("1 to acknowledge, 2 to escalate"), which Twilio posts to PUBLIC_URL/twilio/voice with the
 * call's sid; how the call ended (no answer, busy, failed) comes to /twilio/status.
 */
export function twilioVoicePort(settings: TwilioSettings & { voiceUrl: () => string | undefined }): ContactPort {
  const base = settings.apiUrl.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;
  return {
    via: 'voice',
    async send(number: string, message: ContactMessage) {
      const action = message.answerable ? settings.voiceUrl() : undefined;
      const say = `<Say>${xml(message.text)}</Say>`;
      const gather = action ? `<Gather numDigits="1" timeout="10" action="${xml(action)}" method="POST">${say}<Say>Press 1 to acknowledge. Press 2 to escalate.</Say></Gather>` : say;
      const form = new URLSearchParams({ To: number, From: settings.fromNumber, Twiml: `<Response>${gather}${say}</Response>` });
      const callback = settings.statusCallbackUrl?.();
      if (callback) {
        form.set('StatusCallback', callback);
        form.append('StatusCallbackEvent', 'completed');
      }
      let response: Response;
      try {
        response = await fetch(`${base}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Calls.json`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
          signal: AbortSignal.timeout(settings.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new ContactSendError(`could not reach Twilio: ${(error as Error).message}`, 'voice', { retryable: true, cause: error });
      }
      const body = (await response.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
      if ((response.status === 201 || response.status === 200) && body.sid) return { providerId: body.sid };
      const code = body.code ?? response.status;
      const status = response.status;
      throw new ContactSendError(`Twilio refused the call: ${code} ${body.message ?? ''}`.trim(), 'voice', {
        retryable: !FINAL_CODES.has(code) && (status === 429 || status >= 500 || code === 20429),
        retryAfterMs: status === 429 ? 10_000 : undefined,
        providerCode: String(code),
      });
    },
  };
}

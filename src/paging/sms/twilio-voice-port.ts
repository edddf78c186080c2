import type { ContactMessage, ContactPort } from '../contact-port.js';
import { escapeMarkup } from '../escape-markup.js';
import { createTwilioResource, type TwilioSettings } from './twilio-rest.js';

const FINAL_CODES = new Set([21211, 21210, 21215, 21216, 20003, 20404]);

/**
 * Voice calls through Twilio's Calls API: the call reads the page twice and, on a page the person
 * can answer, gathers one key ("1 to acknowledge, 2 to escalate"), which Twilio posts to
 * PUBLIC_URL/twilio/voice with the call's sid; how the call ended (no answer, busy, failed)
 * comes to /twilio/status.
 */
export function twilioVoicePort(settings: TwilioSettings & { voiceUrl: () => string | undefined }): ContactPort {
  return {
    via: 'voice',
    async send(number: string, message: ContactMessage) {
      const action = message.answerable ? settings.voiceUrl() : undefined;
      const say = `<Say>${escapeMarkup(message.text)}</Say>`;
      const gather = action ? `<Gather numDigits="1" timeout="10" action="${escapeMarkup(action)}" method="POST">${say}<Say>Press 1 to acknowledge. Press 2 to escalate.</Say></Gather>` : say;
      const form = new URLSearchParams({ To: number, From: settings.fromNumber, Twiml: `<Response>${gather}${say}</Response>` });
      const callback = settings.statusCallbackUrl?.();
      if (callback) {
        form.set('StatusCallback', callback);
        form.append('StatusCallbackEvent', 'completed');
      }
      return { providerId: await createTwilioResource(settings, 'Calls', form, 'voice', FINAL_CODES) };
    },
  };
}

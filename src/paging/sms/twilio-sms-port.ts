import type { ContactMessage, ContactPort } from '../contact-port.js';
import { oneSegment } from './gsm7.js';
import { createTwilioResource, type TwilioSettings } from './twilio-rest.js';

export type { TwilioSettings } from './twilio-rest.js';

/** Twilio's answers that no retry changes: a bad or unsubscribed number, a region not enabled, a refused account. */
const FINAL_CODES = new Set([21211, 21610, 21612, 21408, 21614, 20003, 20404]);

/** SMS through Twilio's Messages API. The body is one segment: a page split in parts may arrive out of order. */
export function twilioSmsPort(settings: TwilioSettings): ContactPort {
  return {
    via: 'sms',
    async send(number: string, message: ContactMessage) {
      const form = new URLSearchParams({ To: number, From: settings.fromNumber, Body: oneSegment(message.text) });
      const callback = settings.statusCallbackUrl?.();
      if (callback) form.set('StatusCallback', callback);
      return { providerId: await createTwilioResource(settings, 'Messages', form, 'sms', FINAL_CODES) };
    },
  };
}

import type { Database } from '../../db/database.js';
import type { RouteModule } from '../../http/server.js';
import type { Logger } from '../../logging.js';
import type { Clock } from '../../time/clock.js';
import { recordDeliveryStatus } from '../notification-delivery.js';
import { validTwilioSignature } from './twilio-signature.js';

/** Twilio's callbacks are a few hundred bytes of form fields. */
const TWILIO_BODY_LIMIT = 16 * 1024;

/** Message statuses that end a message, and what each means for the page. */
const FAILED = new Set(['failed', 'undelivered']);

/**
 * `POST /twilio/status`: Twilio's delivery receipts for the SMS pages it took. A request without
 * `X-Twilio-Signature` is refused before its body is read; the signature (which covers the form
 * fields, so the body must be read to check it) is then verified against the URL Twilio was given
 * (PUBLIC_URL), and a forged receipt changes nothing. Delivered is written on the timeline; failed
 * or undelivered moves the page on to the person's next method at once.
 */
export function twilioRoutes(deps: { database: Database; authToken: string; publicUrl: () => string; clock: Clock; log: Logger }): RouteModule {
  return (app) => {
    app.post(
      '/twilio/status',
      {
        bodyLimit: TWILIO_BODY_LIMIT,
        onRequest: async (request, reply) => {
          if (typeof request.headers['x-twilio-signature'] !== 'string') {
            await reply.status(401).send({ error: 'unauthorized', message: 'Twilio requests carry X-Twilio-Signature; this one has none.' });
          }
        },
      },
      async (request, reply) => {
        const params = Object.fromEntries(new URLSearchParams(typeof request.body === 'string' ? request.body : ''));
        const url = `${deps.publicUrl()}/twilio/status`;
        if (!validTwilioSignature(deps.authToken, url, params, request.headers['x-twilio-signature'] as string)) {
          deps.log.warn({ url }, 'refused a Twilio callback whose signature does not match (forged, or PUBLIC_URL differs from the address Twilio calls)');
          return reply.status(403).send({ error: 'forbidden', message: 'X-Twilio-Signature does not match this request.' });
        }
        const sid = params.MessageSid ?? params.SmsSid;
        const status = params.MessageStatus ?? params.SmsStatus;
        if (sid && status === 'delivered') await recordDeliveryStatus(deps.database, sid, { delivered: true }, deps.clock);
        else if (sid && status && FAILED.has(status)) {
          const reason = `Twilio says ${status}${params.ErrorCode ? ` (error ${params.ErrorCode})` : ''}`;
          await recordDeliveryStatus(deps.database, sid, { delivered: false, reason }, deps.clock);
        }
        return reply.status(204).send();
      },
    );
  };
}

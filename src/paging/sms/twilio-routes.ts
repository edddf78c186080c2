import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../../access/audit-log.js';
import type { Database } from '../../db/database.js';
import type { RouteModule } from '../../http/server.js';
import type { IncidentService } from '../../incidents/incident-service.js';
import type { Logger } from '../../logging.js';
import type { OncallConfig } from '../../oncall/oncall-config.js';
import type { Clock } from '../../time/clock.js';
import { recordDeliveryStatus } from '../notification-delivery.js';
import { answerKeyPress } from './key-press.js';
import { answerSmsReply } from './sms-replies.js';
import { validTwilioSignature } from './twilio-signature.js';
import { escapeMarkup } from '../escape-markup.js';

/** Twilio's callbacks are a few hundred bytes of form fields. */
const TWILIO_BODY_LIMIT = 16 * 1024;

/** Message statuses that end a message, and what each means for the page. */
const FAILED = new Set(['failed', 'undelivered', 'no-answer', 'busy', 'canceled']);


export interface TwilioRouteDeps {
  database: Database;
  authToken: string;
  publicUrl: () => string;
  clock: Clock;
  log: Logger;
  incidents: IncidentService;
  oncall: () => OncallConfig;
  audit: AuditLog;
}

/**
 * Twilio's requests to the bot: `POST /twilio/status` (delivery receipts of SMS pages) and
 * `POST /twilio/sms` (a person texting back "ack 42"). A request without `X-Twilio-Signature` is
 * refused before its body is read; the signature covers the form fields, so the body (16 KiB at
 * most) is read and checked against the URL Twilio was given (PUBLIC_URL). A forged request
 * changes nothing.
 */
export function twilioRoutes(deps: TwilioRouteDeps): RouteModule {
  const options = {
    bodyLimit: TWILIO_BODY_LIMIT,
    onRequest: async (request: FastifyRequest, reply: FastifyReply) => {
      if (typeof request.headers['x-twilio-signature'] !== 'string') {
        await reply.status(401).send({ error: 'unauthorized', message: 'Twilio requests carry X-Twilio-Signature; this one has none.' });
      }
    },
  };
  /** The form fields, if Twilio signed them for this path; otherwise the refusal is sent. */
  const signedForm = async (request: FastifyRequest, reply: FastifyReply, path: string): Promise<Record<string, string> | undefined> => {
    const params = Object.fromEntries(new URLSearchParams(typeof request.body === 'string' ? request.body : ''));
    const url = `${deps.publicUrl()}${path}`;
    if (validTwilioSignature(deps.authToken, url, params, request.headers['x-twilio-signature'] as string)) return params;
    deps.log.warn({ url }, 'refused a Twilio request whose signature does not match (forged, or PUBLIC_URL differs from the address Twilio calls)');
    await reply.status(403).send({ error: 'forbidden', message: 'X-Twilio-Signature does not match this request.' });
    return undefined;
  };

  return (app) => {
    app.post('/twilio/status', options, async (request, reply) => {
      const params = await signedForm(request, reply, '/twilio/status');
      if (!params) return reply;
      const sid = params.MessageSid ?? params.SmsSid ?? params.CallSid;
      const status = params.MessageStatus ?? params.SmsStatus ?? params.CallStatus;
      if (sid && (status === 'delivered' || status === 'completed')) await recordDeliveryStatus(deps.database, sid, { delivered: true }, deps.clock);
      else if (sid && status && FAILED.has(status)) {
        const reason = `Twilio says ${status}${params.ErrorCode ? ` (error ${params.ErrorCode})` : ''}`;
        await recordDeliveryStatus(deps.database, sid, { delivered: false, reason }, deps.clock);
      }
      return reply.status(204).send();
    });

    app.post('/twilio/voice', options, async (request, reply) => {
      const params = await signedForm(request, reply, '/twilio/voice');
      if (!params) return reply;
      const said = await answerKeyPress(deps, params.CallSid ?? '', params.Digits ?? '');
      for (const { personId, name, action, incident, result, detail } of said.audits) {
        await deps.audit.record({ actorId: personId, actorName: name, platform: 'voice', action, args: { incident, via: 'key press' }, result, detail });
      }
      return reply.status(200).type('text/xml').send(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${escapeMarkup(said.text)}</Say></Response>`);
    });

    app.post('/twilio/sms', options, async (request, reply) => {
      const params = await signedForm(request, reply, '/twilio/sms');
      if (!params) return reply;
      const answer = await answerSmsReply(deps, params.From ?? '', params.Body ?? '');
      for (const { personId, name, action, incident, result, detail } of answer.audits) {
        await deps.audit.record({ actorId: personId, actorName: name, platform: 'sms', action, args: { incident, via: 'sms reply' }, result, detail });
      }
      return reply.status(200).type('text/xml').send(`<?xml version="1.0" encoding="UTF-8"?><Response><Message>${escapeMarkup(answer.text)}</Message></Response>`);
    });
  };
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { enqueueJobs } from '../engine/job-store.js';
import { AppError } from '../errors.js';
import type { RouteModule } from '../http/server.js';
import { normalizeCloudWatch } from './cloudwatch.js';
import { jsonBody } from './json-body.js';
import { snsMessageSchema } from './sns-message.js';
import { SnsSignatureVerifier, SnsVerificationError, type SnsTrust } from './sns-signature.js';
import { confirmSubscriptionJob } from './sns-subscription.js';
import type { WebhookDeps, WebhookGuards } from './webhook-routes.js';
import { systemClock } from '../time/clock.js';

/**
 * Amazon SNS HTTP(S) subscriptions, for CloudWatch alarms. The subscription URL carries the webhook
 * token as basic auth (https://sns:<token>@bot.example.com/webhooks/cloudwatch), checked before the
 * body is read; then every message's signature is checked against Amazon's certificate.
 */
export function cloudWatchRoutes(deps: WebhookDeps & { snsTrust: SnsTrust }, guards: WebhookGuards & { requireToken(request: FastifyRequest, reply: FastifyReply): Promise<unknown> }): RouteModule {
  const clock = deps.clock ?? systemClock;
  const verifier = new SnsSignatureVerifier(deps.snsTrust);
  return (app) => {
    // SNS sends JSON as text/plain; charset=UTF-8.
    app.post('/webhooks/cloudwatch', { onRequest: [guards.limitByAddress, guards.requireToken], bodyLimit: 512 * 1024 }, async (request, reply) => {
      let message;
      try {
        message = snsMessageSchema.parse(jsonBody(request.body));
      } catch (error) {
        if (error instanceof ZodError) {
          throw new AppError('validation_failed', 'The body is not an Amazon SNS message', { problems: error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })) });
        }
        throw error;
      }
      const declared = request.headers['x-amz-sns-message-type'];
      if (declared !== undefined && declared !== message.Type) throw new AppError('bad_request', `x-amz-sns-message-type says ${String(declared).slice(0, 40)} but the message is a ${message.Type}`);
      try {
        await verifier.verify(message);
      } catch (error) {
        if (!(error instanceof SnsVerificationError)) throw error;
        deps.log.warn({ topicArn: message.TopicArn, messageId: message.MessageId, problem: error.message }, 'refused an SNS message whose signature does not check out');
        throw new AppError('forbidden', `The SNS message's signature was not accepted: ${error.message}`);
      }
      if (message.Type === 'SubscriptionConfirmation') {
        await deps.database.transaction((tx) => enqueueJobs(tx, [confirmSubscriptionJob(message.SubscribeURL!, message.TopicArn)]));
        deps.log.info({ topicArn: message.TopicArn }, 'SNS asks to confirm a subscription: confirming');
        return reply.status(200).send({ status: 'ok', confirming: message.TopicArn });
      }
      if (message.Type === 'UnsubscribeConfirmation') {
        deps.log.warn({ topicArn: message.TopicArn }, 'SNS says this endpoint was unsubscribed from a topic: its alarms no longer reach the bot');
        return reply.status(200).send({ status: 'ok', unsubscribed: message.TopicArn });
      }
      return guards.ingest(normalizeCloudWatch(message, clock.now()));
    });
  };
}

import { SNS_CONFIRM_JOB } from '../engine/job-kinds.js';
import { GiveUpError, type JobHandler, type JobSpec } from '../engine/job.js';
import type { Logger } from '../logging.js';
import { snsUrlProblem } from './sns-message.js';
import { httpsGet, type SnsTrust } from './sns-signature.js';

/** The job that confirms a subscription: SNS waits up to three days, so a failed try is retried. */
export function confirmSubscriptionJob(subscribeUrl: string, topicArn: string): JobSpec {
  return { kind: SNS_CONFIRM_JOB, subject: `sns:${topicArn}`.slice(0, 300), coalesceKey: `${SNS_CONFIRM_JOB}:${topicArn}`.slice(0, 300), payload: { subscribeUrl, topicArn }, maxAttempts: 10 };
}

/** Visits the SubscribeURL of a signed SubscriptionConfirmation, as SNS asks. */
export function confirmSubscriptionHandler(deps: { trust: SnsTrust; log: Logger }): JobHandler {
  return async (job) => {
    const { subscribeUrl, topicArn } = job.payload as { subscribeUrl: string; topicArn: string };
    const problem = snsUrlProblem(subscribeUrl, deps.trust.certHost);
    if (problem) throw new GiveUpError(`SubscribeURL ${problem}`);
    const answer = await httpsGet(subscribeUrl, deps.trust, 256 * 1024);
    if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) throw new GiveUpError(`SNS refused the confirmation of ${topicArn} (${answer.status})`);
    if (answer.status !== 200) throw new Error(`SNS answered ${answer.status} to the confirmation of ${topicArn}`);
    deps.log.info({ topicArn }, 'SNS subscription confirmed: CloudWatch alarms published to this topic now reach the bot');
  };
}

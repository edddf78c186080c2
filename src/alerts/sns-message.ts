import { z } from 'zod';

/** An Amazon SNS message as SNS POSTs it to an HTTP(S) subscription (the body is JSON sent as text/plain). */
export const snsMessageSchema = z
  .object({
    Type: z.enum(['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation']),
    MessageId: z.string().min(1).max(100),
    TopicArn: z.string().min(1).max(300),
    Subject: z.string().max(100).optional(),
    Message: z.string().max(262_144),
    Timestamp: z.string().min(1).max(40),
    SignatureVersion: z.enum(['1', '2']),
    Signature: z.string().min(1).max(2048),
    SigningCertURL: z.string().min(1).max(1024),
    Token: z.string().min(1).max(2048).optional(),
    SubscribeURL: z.string().min(1).max(4096).optional(),
    UnsubscribeURL: z.string().max(2048).optional(),
    MessageAttributes: z.unknown().optional(),
  })
  .superRefine((message, ctx) => {
    if (message.Type === 'Notification') return;
    for (const field of ['Token', 'SubscribeURL'] as const) {
      if (message[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `a ${message.Type} carries ${field}` });
    }
  });

export type SnsMessage = z.infer<typeof snsMessageSchema>;

/** The text SNS signs: named fields in this order, each as "Name\nvalue\n" (AWS SNS developer guide, "Verifying message signatures"). */
export function snsStringToSign(message: SnsMessage): string {
  const fields =
    message.Type === 'Notification'
      ? (['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'] as const)
      : (['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'] as const);
  return fields
    .filter((name) => message[name] !== undefined)
    .map((name) => `${name}\n${message[name]}\n`)
    .join('');
}

/** Amazon's own SNS hosts: sns.<region>.amazonaws.com (and .com.cn in China). */
const AMAZON_SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/**
 * Why a certificate or subscribe URL may not be fetched, or undefined when it may: it must be
 * https on Amazon's SNS host (or, in tests, on SNS_CERT_HOST), so that a forged message cannot make
 * the bot trust a key, or request a URL, of the sender's choosing.
 */
export function snsUrlProblem(text: string, allowedHost?: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'https:') return 'is not https';
  if (url.username || url.password) return 'carries credentials';
  const host = allowedHost ? url.host === allowedHost.toLowerCase() : AMAZON_SNS_HOST.test(url.hostname) && url.port === '';
  return host ? undefined : `is not on ${allowedHost ?? 'sns.<region>.amazonaws.com'}`;
}

import { createHash, randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { ContactMessage, ContactPort } from '../contact-port.js';
import { ContactSendError } from '../contact-port.js';

/** The body every page webhook carries. */
export interface PageWebhookBody {
  type: 'page';
  timestamp: string;
  data: { subject: string; text: string; action_url?: string; action_label?: string };
}

/**
 * Pages to any HTTP endpoint, signed as the Standard Webhooks specification says (webhook-id,
 * webhook-timestamp, webhook-signature: v1,<HMAC-SHA256>), so receivers verify them with any
 * of its libraries. The id stays the same on every retry of one notification, so a receiver can
 * drop a copy. 2xx is delivered; 429 and 5xx and the network are retried (Retry-After honoured);
 * any other answer is final (the endpoint refuses it) and the page moves on.
 */
export function standardWebhookPort(options: { secret: string; timeoutMs?: number; now: () => Date }): ContactPort {
  const signer = new Webhook(options.secret);
  return {
    via: 'webhook',
    async send(url: string, message: ContactMessage, context?: { key: string }) {
      const at = options.now();
      const id = `msg_${createHash('sha256').update(context?.key ?? randomUUID()).digest('hex').slice(0, 32)}`;
      const body: PageWebhookBody = {
        type: 'page',
        timestamp: at.toISOString(),
        data: { subject: message.subject, text: message.text, ...(message.actionUrl ? { action_url: message.actionUrl, action_label: message.actionLabel } : {}) },
      };
      const payload = JSON.stringify(body);
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': signer.sign(id, at, payload),
          },
          body: payload,
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new ContactSendError(`could not reach the webhook: ${(error as Error).message}`, 'webhook', { retryable: true, cause: error });
      }
      await response.body?.cancel().catch(() => {});
      if (response.status >= 200 && response.status < 300) return { providerId: id };
      const status = response.status;
      const after = Number(response.headers.get('retry-after'));
      throw new ContactSendError(`the webhook answered ${status}`, 'webhook', {
        retryable: status === 429 || status >= 500,
        retryAfterMs: status === 429 && Number.isFinite(after) && after > 0 ? after * 1000 : undefined,
        providerCode: String(status),
      });
    },
  };
}

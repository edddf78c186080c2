import type { ContactMessage, ContactPort } from '../contact-port.js';
import { ContactSendError } from '../contact-port.js';

/** Parses Retry-After (seconds or an HTTP date) into milliseconds. */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Push through a (self-hosted) ntfy server: a JSON publish at the highest priority, so the phone
 * rings through do-not-disturb where the person allowed ntfy to, with an Acknowledge button that
 * POSTs the one-time link. ntfy's answers become retry hints: 429 waits as told, other 4xx (a
 * wrong token, a topic the token may not write) are final, 5xx and the network are tried again.
 */
export function ntfyPushPort(options: { url: string; token?: string; timeoutMs?: number; now?: () => number }): ContactPort {
  const base = options.url.replace(/\/+$/, '');
  return {
    via: 'push',
    async send(topic: string, message: ContactMessage) {
      const body = {
        topic,
        title: message.subject,
        message: message.text,
        priority: 5,
        tags: ['rotating_light'],
        ...(message.actionUrl
          ? { click: message.actionUrl, actions: [{ action: 'http', label: message.actionLabel ?? 'Acknowledge', url: message.actionUrl, method: 'POST', clear: true }] }
          : {}),
      };
      let response: Response;
      try {
        response = await fetch(base, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new ContactSendError(`could not reach the ntfy server: ${(error as Error).message}`, 'push', { retryable: true, cause: error });
      }
      const text = await response.text();
      if (response.ok) {
        let id: unknown;
        try {
          id = (JSON.parse(text) as { id?: string }).id;
        } catch {
          id = undefined;
        }
        return { providerId: String(id ?? '') };
      }
      let detail = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { code?: number; error?: string };
        detail = `${parsed.code ?? response.status} ${parsed.error ?? ''}`.trim();
      } catch {
        // ntfy answers JSON; a proxy in front may not.
      }
      const status = response.status;
      throw new ContactSendError(`the ntfy server answered ${status}: ${detail}`, 'push', {
        retryable: status === 429 || status >= 500,
        retryAfterMs: status === 429 ? (retryAfterMs(response.headers.get('retry-after'), (options.now ?? Date.now)()) ?? 60_000) : undefined,
        providerCode: String(status),
      });
    },
  };
}

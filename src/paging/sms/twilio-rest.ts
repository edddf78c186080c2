import type { ContactVia } from '../contact-methods.js';
import { ContactSendError } from '../contact-port.js';

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  fromNumber: string;
  /** https://api.twilio.com, or a Twilio-compatible provider's base. */
  apiUrl: string;
  /** Where Twilio posts how a message or call ended (PUBLIC_URL/twilio/status); none when the bot has no public address. */
  statusCallbackUrl?: () => string | undefined;
  timeoutMs?: number;
}

/**
 * Creates a Twilio Message or Call (REST API 2010-04-01, basic auth with the account SID and auth
 * token) and returns its sid. Twilio's error codes become retry hints: 20429 (too many requests)
 * and 5xx are retried; `finalCodes` (a bad or unsubscribed number, a refused account) are not.
 */
export async function createTwilioResource(settings: TwilioSettings, resource: 'Messages' | 'Calls', form: URLSearchParams, via: Exclude<ContactVia, 'chat'>, finalCodes: ReadonlySet<number>): Promise<string> {
  const what = resource === 'Messages' ? 'the SMS' : 'the call';
  let response: Response;
  try {
    response = await fetch(`${settings.apiUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/${resource}.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      signal: AbortSignal.timeout(settings.timeoutMs ?? 15_000),
    });
  } catch (error) {
    throw new ContactSendError(`could not reach Twilio: ${(error as Error).message}`, via, { retryable: true, cause: error });
  }
  const body = (await response.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
  if ((response.status === 201 || response.status === 200) && body.sid) return body.sid;
  const code = body.code ?? response.status;
  const status = response.status;
  const after = Number(response.headers.get('retry-after'));
  throw new ContactSendError(`Twilio refused ${what}: ${code} ${body.message ?? ''}`.trim(), via, {
    retryable: !finalCodes.has(code) && (status === 429 || status >= 500 || code === 20429),
    retryAfterMs: status === 429 ? (Number.isFinite(after) && after > 0 ? after * 1000 : 10_000) : undefined,
    providerCode: String(code),
  });
}

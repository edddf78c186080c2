import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenSetting } from './access-tokens.js';

/**
 * Token from `Authorization: Bearer <token>` (what Alertmanager's and Grafana's `authorization`
 * settings send) or basic auth with the token as password (what tools with only
 * username/password fields can send).
 */
export function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (scheme.toLowerCase() === 'bearer') return value.trim();
  if (scheme.toLowerCase() === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return undefined;
}

/** The configured tokens' digests: they are compared on every webhook request, and rarely change. */
const expectedDigests = new Map<string, Buffer>();

/** Constant-time comparison; hashing first makes the lengths equal without leaking them. */
export function tokensEqual(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  let b = expectedDigests.get(expected);
  if (!b) {
    // Bounded: a reloaded setting leaves its old digest behind at most until the map is cleared.
    if (expectedDigests.size >= 32) expectedDigests.clear();
    b = hash('sha256', expected, 'buffer');
    expectedDigests.set(expected, b);
  }
  const a = hash('sha256', presented, 'buffer');
  return timingSafeEqual(a, b);
}

// The token settings a bearer check compares with: their names are what a 401 tells the caller to send.
const HOW_TO_SEND: Record<TokenSetting, string> = {
  WEBHOOK_TOKEN:
    'send the webhook token as "Authorization: Bearer <token>" or as the password of HTTP basic auth (the token is WEBHOOK_TOKEN, or when that is unset the one the bot generated into DATA_DIR/webhook-token)',
  API_TOKEN:
    'send the read API token (or the write token) as "Authorization: Bearer <token>" (the token is API_TOKEN, or when that is unset the one the bot generated into DATA_DIR/api-token)',
  API_WRITE_TOKEN:
    'send the write API token as "Authorization: Bearer <token>" (the token is API_WRITE_TOKEN, or when that is unset the one the bot generated into DATA_DIR/api-write-token)',
};

/**
 * Why a request was refused and how to send the token: whether the header was missing, in another
 * form, or carried another token. Nothing about the token itself (not its length, not its start).
 */
export function unauthorizedMessage(authorization: string | undefined, setting: TokenSetting): string {
  return `${credentialProblem(authorization)}: ${HOW_TO_SEND[setting]}.`;
}

function credentialProblem(authorization: string | undefined): string {
  if (!authorization?.trim()) return 'No Authorization header';
  const [scheme = '', value] = authorization.trim().split(/\s+/, 2);
  if (value && scheme.toLowerCase() === 'bearer') return 'The Bearer token is not the one this bot expects';
  if (value && scheme.toLowerCase() === 'basic' && Buffer.from(value, 'base64').toString('utf8').includes(':')) {
    return 'The basic auth password is not the token this bot expects';
  }
  return 'The Authorization header is neither "Bearer <token>" nor "Basic <base64 of user:token>"';
}

/** RFC 6750's challenge: which scheme to use, and whether a token was sent but refused. */
export function bearerChallenge(authorization: string | undefined): string {
  return authorization?.trim() ? 'Bearer realm="incident-bot", error="invalid_token"' : 'Bearer realm="incident-bot"';
}

/** The 401 every token-checked route answers with. */
export function refuseUnauthorized(request: FastifyRequest, reply: FastifyReply, setting: TokenSetting): FastifyReply {
  const authorization = request.headers.authorization;
  return reply
    .status(401)
    .header('WWW-Authenticate', bearerChallenge(authorization))
    .send({ error: 'unauthorized', message: unauthorizedMessage(authorization, setting) });
}

/** PagerDuty's events carry their credential as routing_key; the webhook token in a header also does. */
export function pagerDutyUnauthorizedMessage(authorization: string | undefined): string {
  const problem = credentialProblem(authorization);
  return `The event's routing_key is neither one of pagerduty_routing_keys in oncall.yaml nor the webhook token, and ${problem[0]!.toLowerCase()}${problem.slice(1)}: put a known routing_key in the event, or ${HOW_TO_SEND.WEBHOOK_TOKEN}.`;
}

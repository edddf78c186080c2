import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { presentedToken, refuseUnauthorized, tokensEqual } from './bearer-auth.js';

/** The two credentials of /api: reading, and changing incidents (which includes reading). */
export interface ApiTokens {
  read: string;
  write: string;
}

export type ApiScope = 'read' | 'write';

/**
 * The token check every /api route shares. The write token also reads, so one credential serves
 * a tool that does both; the read token on a route that changes something is a 403 that says
 * which token is needed, anything else a 401 that says how to send one.
 */
export function apiAuth(tokens: ApiTokens, scope: ApiScope, writeBecause = 'changes an incident') {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const presented = presentedToken(request);
    if (tokensEqual(presented, tokens.write)) return;
    if (tokensEqual(presented, tokens.read)) {
      if (scope === 'read') return;
      throw new AppError(
        'forbidden',
        `This is the read API token; ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]} ${writeBecause} and needs the write token: API_WRITE_TOKEN, or when that is unset the one the bot generated into DATA_DIR/api-write-token`,
      );
    }
    return refuseUnauthorized(request, reply, scope === 'write' ? 'API_WRITE_TOKEN' : 'API_TOKEN');
  };
}

/** Audit rows name an API caller by token and address: a token is shared by every tool that holds it. */
export function apiCaller(request: FastifyRequest, token = 'API token'): string {
  const agent = request.headers['user-agent'];
  return `${token} from ${request.ip}${agent ? ` (${String(agent).slice(0, 80)})` : ''}`;
}

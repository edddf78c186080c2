import type { FastifyRequest } from 'fastify';
import { apiCaller } from '../http/api-auth.js';
import { toAppError } from '../http/server.js';
import type { AuditLog } from './audit-log.js';
import { auditDetailOf, auditResultOf } from './audit-outcome.js';

/** Runs an API write and records it in the audit trail, refused or failed ones too, under the caller's name. */
export function auditedApiCall(audit: AuditLog) {
  return async <T>(request: FastifyRequest, action: string, args: Record<string, unknown>, work: () => Promise<T>): Promise<T> => {
    const caller = apiCaller(request, 'API write token');
    try {
      const result = await work();
      await audit.record({ actorId: null, actorName: caller, platform: 'api', action, args, result: 'ok' });
      return result;
    } catch (error) {
      const failure = toAppError(error as Error);
      await audit.record({ actorId: null, actorName: caller, platform: 'api', action, args, result: auditResultOf(failure), detail: auditDetailOf(failure) });
      throw error;
    }
  };
}

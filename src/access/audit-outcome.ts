import type { AppError } from '../errors.js';
import type { AuditResult } from './audit-log.js';

/** How a refused API call is recorded: refused (roles), failed (nothing to act on), invalid (a bad request), or error. */
export function auditResultOf(error: AppError): AuditResult {
  if (error.code === 'forbidden') return 'refused';
  if (error.code === 'not_found' || error.code === 'conflict') return 'failed';
  if (error.code === 'validation_failed' || error.code === 'invalid_json' || error.code === 'bad_request') return 'invalid';
  return 'error';
}

/** What the caller was told, as the audit row's detail. */
export function auditDetailOf(error: AppError): string {
  const problems = error.details.problems?.map((problem) => `${problem.path}: ${problem.message}`) ?? [];
  return problems.length ? problems.join('; ') : error.message;
}

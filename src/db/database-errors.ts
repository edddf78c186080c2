/** Classifies database failures the same way for PGlite, pg and Prisma's wrappers. */

const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08006']);
const UNAVAILABLE_MESSAGES = [
  /can't reach database/i,
  /connection terminated/i,
  /connection (?:refused|reset|ended)/i,
  /timeout exceeded when trying to connect/i,
  /server closed the connection/i,
  /database ?not ?reachable/i,
  /unable to start a transaction/i,
  /too many clients/i,
  /terminating connection/i,
  /the database system is (?:starting up|shutting down)/i,
  /pglite is closed/i,
  /database ".*" does not exist/i,
  /not currently accepting connections/i,
];
// Unique violations only arise from two replicas racing on one key; the retry sees the winner's row.
const RETRYABLE_CODES = new Set(['40001', '40P01', 'P2034', '23505', 'P2002']);

function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const record = current as { code?: unknown; cause?: unknown; originalCode?: unknown; meta?: { code?: unknown } };
    for (const code of [record.code, record.originalCode, record.meta?.code]) if (typeof code === 'string') codes.push(code);
    current = record.cause;
  }
  return codes;
}

function messagesOf(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    parts.push(String((current as Error).message ?? current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join(' | ');
}

/** The database is away: answer 503 and let the sender retry. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (codesOf(error).some((code) => UNAVAILABLE_CODES.has(code))) return true;
  const text = messagesOf(error);
  return UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(text));
}

/** Deadlocks and serialization failures: the same transaction may simply be tried again. */
export function isRetryableConflict(error: unknown): boolean {
  return codesOf(error).some((code) => RETRYABLE_CODES.has(code)) || /deadlock detected|could not serialize/i.test(messagesOf(error));
}

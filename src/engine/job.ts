/** A job to be written in the caller's transaction. */
export interface JobSpec {
  kind: string;
  /** What it is about, e.g. "incident:12" (for cancelling and for reading the backlog). */
  subject?: string;
  /** At most one pending job per key: later specs with the same key are absorbed. */
  coalesceKey?: string;
  payload?: Record<string, unknown>;
  /** Run this long after the transaction's time (database clock); default at once. */
  delayMs?: number;
  /** Run at this instant instead (calendar schedules such as the weekly report). */
  dueAt?: Date;
  /** Fencing token, e.g. the incident's escalation version when the job was written. */
  fence?: number;
  maxAttempts?: number;
}

/** A job as a worker holds it while its lease lasts. */
export interface ClaimedJob {
  id: bigint;
  kind: string;
  subject: string | null;
  payload: Record<string, unknown>;
  dueAt: Date;
  attempts: number;
  maxAttempts: number;
  fence: number | null;
  /** The worker whose lease this is; a handler that completes the job in its own transaction passes it on. */
  lockedBy: string;
}

/**
 * Runs one job. `batch`, when a kind has it, runs the jobs of that kind claimed together in one
 * go (one transaction for all); the worker falls back to one at a time when a batch fails.
 */
export type JobHandler = ((job: ClaimedJob) => Promise<void>) & { batch?: (jobs: ClaimedJob[]) => Promise<void> };

/** Thrown by a handler to be tried again later than the usual back-off (e.g. a 429's Retry-After). */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    /** Rate limits are not the job's fault: they do not use up an attempt. */
    readonly consumesAttempt = false,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** Thrown by a handler when trying again cannot help (the platform refused the request): the job is kept as dead at once. */
export class GiveUpError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GiveUpError';
  }
}

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../db/database.js';
import type { Logger } from '../logging.js';
import { backoffMs } from './backoff.js';
import { GiveUpError, RetryLaterError, type ClaimedJob, type JobHandler } from './job.js';
import { GroupCommitter } from '../db/group-commit.js';
import { claimDueJobs, completeJobs, failJob } from './job-store.js';
import { retryHintOf } from './retry-hint.js';

/** A backlog raises a round's claim to at most this many times batchSize. */
const MAX_BACKLOG_FACTOR = 8;

/** What the round after one that claimed `claimed` of `size` asks for: double after a full round, else batchSize. */
export function nextClaimSize(size: number, claimed: number, batchSize: number): number {
  return claimed >= size ? Math.min(size * 2, batchSize * MAX_BACKLOG_FACTOR) : batchSize;
}

export interface JobWorkerOptions {
  /** How often to look for due jobs when nothing wakes the worker sooner. */
  pollMs?: number;
  /** Jobs claimed (and run side by side) per round; up to eight times as many while a backlog lasts. */
  batchSize?: number;
  /** How long a claimed job is ours; a crashed replica's jobs are taken over after this. */
  leaseMs?: number;
  workerId?: string;
}

/**
 * Runs due jobs through their handlers. Several workers (in one process or many) share the
 * table safely; each job runs on one of them at a time.
 */
export class JobWorker {
  readonly workerId: string;
  private readonly pollMs: number;
  private readonly batchSize: number;
  /**
   * How many the next round claims: doubled after each full round, back to batchSize after one
   * that was not. In a storm, while the intake keeps the event loop busy, every round trip waits
   * its turn, so the rounds' fixed statements were the worker's limit: bench:ingest's opens left
   * thousands of escalation steps due, which bigger rounds (one transaction each) keep up with.
   */
  private claimSize: number;
  private readonly leaseMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Jobs that finish together are deleted by one statement, one commit: deleting each on its own
   * cost a commit (a WAL flush) per job, and under load those flushes were the database's limit.
   */
  private readonly completions: GroupCommitter<ClaimedJob, void>;

  constructor(
    private readonly database: Database,
    private readonly handlers: ReadonlyMap<string, JobHandler>,
    private readonly log: Logger,
    options: JobWorkerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 250;
    this.batchSize = options.batchSize ?? 32;
    this.claimSize = this.batchSize;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.completions = new GroupCommitter(async (jobs) => {
      await completeJobs(this.database.sql, jobs, this.workerId);
      return jobs.map(() => undefined);
    });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Look for work now (after this process committed a job), instead of at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stops claiming; waits for the jobs already running to finish. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let claimed = 0;
      let full = false;
      try {
        const size = this.claimSize;
        claimed = await this.runOnce(size);
        full = claimed >= size;
        this.claimSize = nextClaimSize(size, claimed, this.batchSize);
        failures = 0;
      } catch (error) {
        failures++;
        this.claimSize = this.batchSize;
        // The database being away is logged once per streak, not once per poll.
        if (failures === 1) this.log.warn({ err: error }, 'job worker cannot reach the database; retrying');
      }
      if (!full) await this.sleep(failures ? Math.min(5_000, this.pollMs * 2 ** failures) : this.pollMs);
    }
  }

  /** Claims one batch (of `size`, batchSize unless given) and runs it; returns how many jobs it claimed. */
  async runOnce(size = this.batchSize): Promise<number> {
    const jobs = await this.database.transaction((tx) => claimDueJobs(tx, this.workerId, size, this.leaseMs));
    const byKind = new Map<string, ClaimedJob[]>();
    for (const job of jobs) byKind.set(job.kind, [...(byKind.get(job.kind) ?? []), job]);
    await Promise.all([...byKind].map(([kind, ofKind]) => {
      const batch = this.handlers.get(kind)?.batch;
      return batch && ofKind.length > 1 ? this.executeBatch(batch, ofKind) : Promise.all(ofKind.map((job) => this.execute(job)));
    }));
    return jobs.length;
  }

  /** Jobs of one kind in one go; when that fails, each on its own, so one cannot hold up the others. */
  private async executeBatch(batch: (jobs: ClaimedJob[]) => Promise<void>, jobs: ClaimedJob[]): Promise<void> {
    try {
      await batch(jobs);
    } catch (error) {
      this.log.debug({ err: error, kind: jobs[0]!.kind, jobs: jobs.length }, 'a batch of jobs failed; running them one at a time');
      await Promise.all(jobs.map((job) => this.execute(job)));
      return;
    }
    await this.completions.submit(jobs);
  }

  private async execute(job: ClaimedJob): Promise<void> {
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      await handler(job);
      await this.completions.submit([job]);
    } catch (error) {
      const hint = retryHintOf(error);
      // A provider's Retry-After is waited out, whichever job met it, and costs no attempt.
      const retryLater = error instanceof RetryLaterError ? error : hint?.retryAfterMs !== undefined ? new RetryLaterError('', hint.retryAfterMs) : undefined;
      const delay = retryLater ? retryLater.retryAfterMs : backoffMs(job.attempts);
      const message = (error as Error).message ?? String(error);
      try {
        // A provider that refused (a bad request, a missing permission) would refuse again.
        const giveUp = error instanceof GiveUpError || (hint !== undefined && !hint.retryable && hint.retryAfterMs === undefined);
        const { outcome, retryAt } = await failJob(this.database.sql, job, this.workerId, message, delay, retryLater?.consumesAttempt ?? true, giveUp);
        const fields = { jobId: String(job.id), kind: job.kind, subject: job.subject, attempt: job.attempts, error: message };
        if (outcome === 'dead') this.log.error(fields, giveUp ? 'job gave up: trying again cannot help' : 'job gave up after its last attempt');
        else this.log.warn({ ...fields, retryInMs: delay, ...(retryAt ? { retryAt: retryAt.toISOString() } : {}) }, 'job failed; will retry');
      } catch (storeError) {
        // The lease runs out and the job is claimed again: nothing is lost.
        this.log.warn({ err: storeError, jobId: String(job.id) }, 'could not record a job failure');
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.timer = setTimeout(done, ms);
      this.wakeUp = done;
      const self = this;
      function done() {
        clearTimeout(self.timer);
        self.wakeUp = undefined;
        resolve();
      }
    });
  }
}

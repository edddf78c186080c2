import type { PrismaClient } from '../db/database.js';
import { backoffMs } from '../engine/backoff.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from './oncall-config.js';
import { syncDirectory } from './directory-sync.js';

/**
 * Keeps the people and teams in the database in step with the oncall.yaml in force, one sync at
 * a time. A sync that fails (the database away, a unique key taken by a chat request in the same
 * instant) is logged and tried again with back-off, the newest configuration first; until then
 * the database keeps its last good directory and the bot goes on serving.
 */
export class DirectorySyncer {
  private queue: Promise<unknown> = Promise.resolve();
  private wanted: OncallConfig | undefined;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly log: Logger,
    private readonly backoff: (attempt: number) => number = backoffMs,
  ) {}

  /** True once `config` is in the database (or superseded by a newer one); false when it failed and a retry is scheduled. Never rejects. */
  sync(config: OncallConfig): Promise<boolean> {
    this.wanted = config;
    clearTimeout(this.retry);
    const attempt = this.queue.then(() => this.attempt(config));
    this.queue = attempt;
    return attempt;
  }

  /** Stops retrying and waits for a sync under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.queue;
  }

  private async attempt(config: OncallConfig): Promise<boolean> {
    // A newer configuration came while this one waited its turn: that one is synced instead.
    if (this.closed || config !== this.wanted) return !this.closed;
    try {
      await syncDirectory(this.prisma, config);
      if (this.failures > 0) this.log.info({ failures: this.failures }, 'oncall.yaml people and teams are in the database again');
      this.failures = 0;
      return true;
    } catch (error) {
      this.failures++;
      const retryInMs = this.backoff(this.failures);
      this.log.error(
        { err: error, failures: this.failures, retryInMs },
        'could not write the oncall.yaml people and teams to the database; the last good directory stays until a retry succeeds',
      );
      if (!this.closed) {
        this.retry = setTimeout(() => void this.sync(this.wanted ?? config), retryInMs);
        this.retry.unref();
      }
      return false;
    }
  }
}

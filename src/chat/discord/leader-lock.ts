import type { Database } from '../../db/database.js';
import type { SqlSession } from '../../db/sql-session.js';
import type { Logger } from '../../logging.js';

/** Decides which replica holds a single connection (Discord's gateway). */
export interface LeaderLock {
  onAcquired(listener: () => Promise<void> | void): void;
  onLost(listener: () => Promise<void> | void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const DISCORD_GATEWAY_LOCK = 72707370;

/**
 * A PostgreSQL session advisory lock: held as long as the session lives, released by the server
 * when the holder dies, so another replica takes over within one retry interval. On embedded
 * storage there is one process, which always leads.
 */
export class AdvisoryLeaderLock implements LeaderLock {
  private acquired: (() => Promise<void> | void)[] = [];
  private lost: (() => Promise<void> | void)[] = [];
  private session: SqlSession | undefined;
  private timer: NodeJS.Timeout | undefined;
  private leading = false;
  private running = false;

  constructor(
    private readonly database: Database,
    private readonly log: Logger,
    private readonly retryMs = 10_000,
  ) {}

  onAcquired(listener: () => Promise<void> | void): void {
    this.acquired.push(listener);
  }

  onLost(listener: () => Promise<void> | void): void {
    this.lost.push(listener);
  }

  async start(): Promise<void> {
    this.running = true;
    await this.tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    if (this.session) {
      await this.session.query('SELECT pg_advisory_unlock($1)', [DISCORD_GATEWAY_LOCK]).catch(() => {});
      await this.session.release().catch(() => {});
      this.session = undefined;
    }
    this.leading = false;
  }

  private async tick(): Promise<void> {
    if (!this.running) return;
    try {
      if (this.database.kind === 'pglite') {
        if (!this.leading) await this.become(true);
        return;
      }
      this.session ??= await this.database.openSession();
      const [row] = await this.session.query<{ held: boolean }>(
        this.leading ? 'SELECT true AS held' : 'SELECT pg_try_advisory_lock($1) AS held',
        this.leading ? [] : [DISCORD_GATEWAY_LOCK],
      );
      if (row?.held && !this.leading) await this.become(true);
    } catch (error) {
      // The session died: the server released the lock, and another replica may take it.
      this.log.warn({ err: error }, 'leader lock session lost');
      await this.session?.release().catch(() => {});
      this.session = undefined;
      if (this.leading) await this.become(false);
    }
    if (this.running) {
      this.timer = setTimeout(() => void this.tick(), this.retryMs);
      this.timer.unref();
    }
  }

  private async become(leading: boolean): Promise<void> {
    this.leading = leading;
    for (const listener of leading ? this.acquired : this.lost) await listener();
  }
}

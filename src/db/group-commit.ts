/**
 * Coalesces concurrent requests into shared transactions (group commit): while one batch is
 * being committed, new requests queue, and the next batch takes all of them. One commit, and
 * one fsync, then serves many requests; each caller's promise settles only after the commit
 * that holds its work.
 */
export interface GroupCommitOptions {
  /** Items per transaction at most. */
  maxBatchItems?: number;
  /** Transactions in flight at once (PGlite serializes them anyway). */
  concurrency?: number;
  /** Whether a failed batch is worth retrying request by request (not when the database is away). */
  isolateOnError?: (error: unknown) => boolean;
}

interface Waiting<I, R> {
  items: I[];
  resolve(results: R[]): void;
  reject(error: unknown): void;
}

export class GroupCommitter<I, R> {
  private readonly queue: Waiting<I, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private readonly maxBatchItems: number;
  private readonly concurrency: number;
  private readonly isolateOnError: (error: unknown) => boolean;

  constructor(
    /** Runs one batch in one transaction and returns one result per item, in order. */
    private readonly commit: (items: I[]) => Promise<R[]>,
    options: GroupCommitOptions = {},
  ) {
    this.maxBatchItems = options.maxBatchItems ?? 500;
    this.concurrency = options.concurrency ?? 1;
    this.isolateOnError = options.isolateOnError ?? (() => true);
  }

  submit(items: I[]): Promise<R[]> {
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<R[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.schedule();
    });
  }

  /** Whether nothing is queued or in flight. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  /** Resolves once nothing is queued or in flight. */
  async drain(): Promise<void> {
    while (!this.idle) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.concurrency) return;
    this.scheduled = true;
    // One macrotask of patience lets requests that arrived together share the transaction.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.takeBatch();
      this.inFlight++;
      this.run(batch).finally(() => {
        this.inFlight--;
        if (this.queue.length > 0) this.schedule();
      });
    }
  }

  private takeBatch(): Waiting<I, R>[] {
    const batch: Waiting<I, R>[] = [];
    let count = 0;
    while (this.queue.length > 0 && (batch.length === 0 || count + this.queue[0]!.items.length <= this.maxBatchItems)) {
      const next = this.queue.shift()!;
      batch.push(next);
      count += next.items.length;
    }
    return batch;
  }

  private async run(batch: Waiting<I, R>[]): Promise<void> {
    try {
      const results = await this.commit(batch.flatMap((waiting) => waiting.items));
      let offset = 0;
      for (const waiting of batch) {
        waiting.resolve(results.slice(offset, offset + waiting.items.length));
        offset += waiting.items.length;
      }
    } catch (error) {
      if (batch.length === 1 || !this.isolateOnError(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      // One request's bad data must not fail the others: commit each on its own.
      await Promise.all(
        batch.map(async (waiting) => {
          try {
            waiting.resolve(await this.commit(waiting.items));
          } catch (individual) {
            waiting.reject(individual);
          }
        }),
      );
    }
  }
}

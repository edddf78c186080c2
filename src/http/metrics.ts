import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Every metric the bot exports, on one registry per bot instance (tests run several). */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'incident_bot_http_requests_total',
    help: 'HTTP requests answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'incident_bot_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly databaseErrors = new Counter({
    name: 'incident_bot_database_errors_total',
    help: 'Database operations that failed, by operation.',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly alertsReceived = new Counter({
    name: 'incident_bot_alerts_received_total',
    help: 'Alerts accepted, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly webhookRateLimited = new Counter({
    name: 'incident_bot_webhook_rate_limited_total',
    help: 'Webhook requests refused with 429, by route and by which limit (token or address).',
    labelNames: ['route', 'limit'] as const,
    registers: [this.registry],
  });
  private readBacklog: () => Promise<{ kind: string; due: number }[]> = async () => [];
  readonly jobBacklog: Gauge<'kind'> = new Gauge({
    name: 'incident_bot_job_backlog',
    help: 'Jobs due and not yet done, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
    // Every process (PROCESSES) reads the same table: their figures are one figure, not a sum.
    aggregator: 'max',
    // Read from the database at scrape time: the jobs table is the truth, shared by replicas.
    collect: async () => {
      this.jobBacklog.reset();
      for (const { kind, due } of await this.readBacklog().catch(() => [])) this.jobBacklog.set({ kind }, due);
    },
  });

  private gather: () => Promise<string> = () => this.registry.metrics();

  /** What a scrape answers: this registry, or under PROCESSES every process's (see cluster-metrics). */
  text(): Promise<string> {
    return this.gather();
  }

  gatherWith(gather: () => Promise<string>): void {
    this.gather = gather;
  }

  watchJobBacklog(read: () => Promise<{ kind: string; due: number }[]>): void {
    this.readBacklog = read;
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'incident_bot_' });
  }
}

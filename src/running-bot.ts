import type { FastifyInstance } from 'fastify';
import type { Database } from './db/database.js';
import type { JobWorker } from './engine/job-worker.js';
import type { ApiTokens } from './http/api-auth.js';
import type { AlertIntake } from './incidents/alert-intake.js';
import type { IncidentService } from './incidents/incident-service.js';
import type { Logger } from './logging.js';
import type { Clock } from './time/clock.js';

export interface RunningBot {
  readonly url: string;
  readonly port: number;
  readonly database: Database;
  readonly http: FastifyInstance;
  readonly log: Logger;
  readonly incidents: IncidentService;
  readonly intake: AlertIntake;
  readonly worker: JobWorker;
  readonly webhookToken: string;
  /** The /api tokens in use (settings, or generated into DATA_DIR). */
  readonly apiTokens: ApiTokens;
  /** Re-reads oncall.yaml and the playbooks (SIGHUP); keeps the last good version of a broken file. */
  reload(): Promise<void>;
  /** Stops accepting requests, lets in-flight ones finish, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** How long to wait for an unreachable PostgreSQL (30 s by default). */
  connectTimeoutMs?: number;
  host?: string;
  /** Job worker polling interval (tests use short ones). */
  jobPollMs?: number;
  clock?: Clock;
}

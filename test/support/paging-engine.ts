import type { Database } from '../../src/db/database.js';
import { normalizeGeneric } from '../../src/alerts/generic.js';
import { Delivery } from '../../src/delivery/delivery.js';
import { escalationEffects, escalationStepHandler } from '../../src/engine/escalation-jobs.js';
import { ESCALATION_STEP_JOB, INCIDENT_SYNC_JOB, PAGE_DELIVERY_JOB } from '../../src/engine/job-kinds.js';
import { JobWorker } from '../../src/engine/job-worker.js';
import { AlertIntake } from '../../src/incidents/alert-intake.js';
import { IncidentService } from '../../src/incidents/incident-service.js';
import { createLogger } from '../../src/logging.js';
import { levelTargetResolver, overridesFromDatabase } from '../../src/oncall/level-target-resolver.js';
import type { OncallConfig } from '../../src/oncall/oncall-config.js';
import type { ContactPort } from '../../src/paging/contact-port.js';
import { contactPlanner, pagingJobHandlers } from '../../src/paging/paging.js';
import { JobTime, runDueJobs } from './job-time.js';

/**
 * The bot's paging engine without its HTTP side, for tests that move time: escalation steps,
 * notifications beyond chat through `contacts` (real ports against local provider stand-ins),
 * the phone limit, and `replicas` workers on the one database. Chat messages are not sent.
 */
export function startPagingEngine(database: Database, options: { config: () => OncallConfig; contacts: ContactPort[]; phoneLimit?: number; replicas?: number; start?: Date }) {
  const log = createLogger('silent');
  const time = new JobTime(database, options.start);
  const clock = time.clock;
  const workers: JobWorker[] = [];
  for (let replica = 0; replica < (options.replicas ?? 1); replica++) {
    const delivery = new Delivery({ prisma: database.prisma, ports: [], contacts: options.contacts, clock });
    const handlers = new Map([
      [ESCALATION_STEP_JOB, escalationStepHandler({ database, resolveTargets: levelTargetResolver(options.config, overridesFromDatabase), planContacts: contactPlanner(options.config), clock })],
      [PAGE_DELIVERY_JOB, async () => {}],
      [INCIDENT_SYNC_JOB, async () => {}],
      ...pagingJobHandlers({ database, delivery, publicUrl: () => 'https://bot.example.com', log, clock, phoneLimit: options.phoneLimit }),
    ]);
    workers.push(new JobWorker(database, handlers, log));
  }
  const intake = new AlertIntake({ database, oncall: options.config, effects: escalationEffects, reopenWindowMs: 60_000, storeRawAlerts: false, clock });
  const incidents = new IncidentService(database, escalationEffects, { clock });
  return {
    time,
    incidents,
    /** What is due runs, and what that made due; replicas claim side by side, as separate bots would. */
    async runDue() {
      await Promise.all(workers.map((worker) => runDueJobs(worker)));
      await runDueJobs(workers[0]!);
    },
    /** Fires a critical (or `severity`) alert with its own fingerprint; returns nothing, incidents are numbered in order. */
    async fire(title: string, severity = 'critical') {
      await intake.receive(normalizeGeneric({ title, severity, fingerprint: title }, clock.now()));
    },
    async stop() {
      for (const worker of workers) await worker.stop();
    },
  };
}

import type { Database } from '../db/database.js';
import {
  COMMANDER_REMINDER_JOB,
  IDENTITY_LINK_NOTICE_JOB,
  INCIDENT_SYNC_JOB,
  PAGE_DELIVERY_JOB,
  PLAYBOOK_REMINDER_JOB,
  REPORT_DELIVERY_JOB,
} from '../engine/job-kinds.js';
import type { JobHandler } from '../engine/job.js';
import type { Logger } from '../logging.js';
import type { Clock } from '../time/clock.js';
import type { StepReminder } from '../playbooks/playbook-runner.js';
import type { Delivery } from './delivery.js';
import type { IncidentSync } from './incident-sync.js';
import { incidentIdOf } from './incident-subject.js';
import { identityLinkNoticeHandler } from './link-notice.js';
import { pageDeliveryHandler } from './page-delivery.js';
import { commanderReminderHandler, playbookReminderHandler } from './reminders.js';
import { reportDeliveryHandler, type WeeklyReportContent } from './report-delivery.js';

/**
 * Every job that sends something, by kind. Each sends through `delivery` under an idempotency
 * key, and lets the provider's error reach the job worker, which reads its retry hint.
 */
export function deliveryJobHandlers(deps: {
  database: Database;
  delivery: Delivery;
  sync: IncidentSync;
  log: Logger;
  clock?: Clock;
  reportChannel?: string;
  renderReport(occurrence: Date): Promise<WeeklyReportContent>;
  playbookReminder(payload: Record<string, unknown>): Promise<StepReminder | undefined>;
}): Map<string, JobHandler> {
  const { database, delivery, log } = deps;
  return new Map<string, JobHandler>([
    [INCIDENT_SYNC_JOB, async (job) => deps.sync.sync(incidentIdOf(job))],
    [COMMANDER_REMINDER_JOB, commanderReminderHandler({ prisma: database.prisma, delivery })],
    [PLAYBOOK_REMINDER_JOB, playbookReminderHandler({ delivery, reminder: deps.playbookReminder })],
    [PAGE_DELIVERY_JOB, pageDeliveryHandler({ database, delivery, log, clock: deps.clock })],
    [REPORT_DELIVERY_JOB, reportDeliveryHandler({ delivery, channel: deps.reportChannel, render: deps.renderReport, log })],
    [IDENTITY_LINK_NOTICE_JOB, identityLinkNoticeHandler({ delivery })],
  ]);
}

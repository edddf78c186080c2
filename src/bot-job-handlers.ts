import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { deliveryJobHandlers } from './delivery/delivery-jobs.js';
import type { Delivery } from './delivery/delivery.js';
import type { IncidentSync } from './delivery/incident-sync.js';
import { escalationStepHandler } from './engine/escalation-jobs.js';
import { ESCALATION_STEP_JOB, FLAP_SETTLE_JOB, HEARTBEAT_CHECK_JOB, PLAYBOOK_START_JOB, SNS_CONFIRM_JOB, GAP_SCAN_JOB, SHIFT_NOTICES_JOB, COVER_FOLLOW_UP_JOB, WEEKLY_REPORT_JOB } from './engine/job-kinds.js';
import { coverFollowUpHandler } from './oncall/cover-requests.js';
import { shiftNoticesHandler } from './oncall/shift-notice-jobs.js';
import { gapScanHandler } from './oncall/gap-warning-jobs.js';
import { confirmSubscriptionHandler } from './alerts/sns-subscription.js';
import { snsTrustFrom } from './alerts/sns-trust.js';
import type { JobHandler } from './engine/job.js';
import { weeklyReportHandler } from './engine/weekly-report-schedule.js';
import { RETENTION_PURGE_JOB } from './engine/job-kinds.js';
import { retentionPurgeHandler } from './retention/retention-job.js';
import type { HeartbeatMonitor } from './heartbeats/heartbeat-monitor.js';
import type { AlertIntake } from './incidents/alert-intake.js';
import { flapSettleHandler } from './incidents/flap-settle.js';
import type { IncidentEffects } from './incidents/incident-effects.js';
import type { Logger } from './logging.js';
import { maintenanceJobHandlers } from './maintenance/maintenance-jobs.js';
import { levelTargetResolver, overridesFromDatabase } from './oncall/level-target-resolver.js';
import type { OncallConfig } from './oncall/oncall-config.js';
import { contactPlanner, pagingJobHandlers } from './paging/paging.js';
import type { PlaybookRunner } from './playbooks/playbook-runner.js';
import { weeklyReportPost } from './reports/weekly-report-post.js';
import type { Clock } from './time/clock.js';

/** Every kind of job the bot runs, with its handler: the one table the job worker reads. */
export function botJobHandlers(deps: {
  config: Config;
  database: Database;
  oncall: () => OncallConfig;
  effects: IncidentEffects;
  intake: AlertIntake;
  runner: PlaybookRunner;
  heartbeats: HeartbeatMonitor;
  delivery: Delivery;
  sync: IncidentSync;
  publicUrl: () => string;
  log: Logger;
  clock: Clock;
  onCommitted: () => void;
}): Map<string, JobHandler> {
  const { config, database, oncall, effects, intake, runner, heartbeats, delivery, sync, publicUrl, log, clock, onCommitted } = deps;
  const renderReport = weeklyReportPost({ database, oncall, timeZone: config.REPORT_TIMEZONE });
  return new Map<string, JobHandler>([
    [PLAYBOOK_START_JOB, runner.startHandler()],
    [HEARTBEAT_CHECK_JOB, heartbeats.checkHandler()],
    [SNS_CONFIRM_JOB, confirmSubscriptionHandler({ trust: snsTrustFrom(config), log })],
    [COVER_FOLLOW_UP_JOB, coverFollowUpHandler({ database, oncall, delivery, incidentsChannel: config.INCIDENTS_CHANNEL, timeZone: config.REPORT_TIMEZONE, clock, log })],
    [SHIFT_NOTICES_JOB, shiftNoticesHandler({ database, oncall, delivery, clock, log, enabled: config.SHIFT_NOTICES })],
    [GAP_SCAN_JOB, gapScanHandler({ database, oncall, delivery, days: config.GAP_WARNING_DAYS, incidentsChannel: config.INCIDENTS_CHANNEL, timeZone: config.REPORT_TIMEZONE, clock, log })],
    [FLAP_SETTLE_JOB, flapSettleHandler({ database, effects, clock, windowMs: config.FLAP_DETECTION?.windowMs ?? 0 })],
    [WEEKLY_REPORT_JOB, weeklyReportHandler({ database, cron: config.REPORT_CRON, timeZone: config.REPORT_TIMEZONE })],
    [RETENTION_PURGE_JOB, retentionPurgeHandler({ database, settings: config, timeZone: config.REPORT_TIMEZONE, clock, log })],
    [ESCALATION_STEP_JOB, escalationStepHandler({ database, resolveTargets: levelTargetResolver(oncall, overridesFromDatabase), planContacts: contactPlanner(oncall, delivery.hasContactPorts), onCommitted, clock, shown: (incidentId) => effects.shown?.([incidentId], false) ?? [] })],
    ...deliveryJobHandlers({ database, delivery, sync, log, clock, reportChannel: config.REPORT_CHANNEL, renderReport, playbookReminder: (payload) => runner.reminder(payload) }),
    ...pagingJobHandlers({ database, delivery, publicUrl, log, clock, phoneLimit: config.PAGE_RATE_LIMIT }),
    ...maintenanceJobHandlers({ database, intake, delivery, oncall, incidentsChannel: config.INCIDENTS_CHANNEL, timeZone: config.REPORT_TIMEZONE, clock, log }),
  ]);
}

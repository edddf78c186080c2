/**
 * Every kind of job, by name. The names are stored in the jobs table, so they never change;
 * each is written here once and imported wherever a job is queued or handled.
 */
export const INCIDENT_SYNC_JOB = 'incident.sync';
export const COMMANDER_REMINDER_JOB = 'incident.commander-reminder';
export const ESCALATION_STEP_JOB = 'escalation.step';
export const PAGE_DELIVERY_JOB = 'page.deliver';
export const PLAYBOOK_START_JOB = 'playbook.start';
export const PLAYBOOK_REMINDER_JOB = 'playbook.reminder';
export const WEEKLY_REPORT_JOB = 'report.weekly';
export const REPORT_DELIVERY_JOB = 'report.deliver';
export const IDENTITY_LINK_NOTICE_JOB = 'identity.link-notice';
export const NOTIFICATION_JOB = 'page.notify';
export const CONTACT_VERIFY_JOB = 'contact.verify';
export const PHONE_DIGEST_JOB = 'page.phone-digest';
export const HEARTBEAT_CHECK_JOB = 'heartbeat.check';
export const FLAP_SETTLE_JOB = 'incident.flap-settle';
export const MAINTENANCE_START_JOB = 'maintenance.start';
export const MAINTENANCE_END_JOB = 'maintenance.end';
export const SNS_CONFIRM_JOB = 'sns.confirm-subscription';
export const GAP_SCAN_JOB = 'oncall.gap-scan';
export const SHIFT_NOTICES_JOB = 'oncall.shift-notices';
export const COVER_FOLLOW_UP_JOB = 'oncall.cover-follow-up';
export const RETENTION_PURGE_JOB = 'retention.purge';

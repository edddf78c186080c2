import { describeRetention, type RetentionPeriod } from './retention-period.js';

/** The RETAIN_* settings, as read by src/config.ts (undefined: forever). */
export interface RetentionSettings {
  RETAIN_RAW_PAYLOADS: RetentionPeriod;
  RETAIN_RESOLVED_ALERTS: RetentionPeriod;
  RETAIN_AUDIT: RetentionPeriod;
  RETAIN_PROCESSED_REQUESTS: RetentionPeriod;
  RETAIN_INCIDENTS: RetentionPeriod;
}

/** What the purge removes, one kind of row each, in the order it removes them. */
export const RETENTION_CATEGORIES = [
  'raw_payloads',
  'resolved_alerts',
  'incidents',
  'audit_entries',
  'processed_requests',
  'opsgenie_requests',
  'expired_request_ids',
  'dead_jobs',
  'expired_links',
  'expired_web_sessions',
  'expired_web_sign_ins',
] as const;

export type RetentionCategory = (typeof RETENTION_CATEGORIES)[number];

/** One kind of row: what goes, from which instant back, and the rule that says so. */
export interface CategoryPlan {
  category: RetentionCategory;
  /** What goes, for people: "raw alert payloads (cleared; the alert is kept)". */
  what: string;
  /** The instant a row's age is counted from: "last received", "resolved", "recorded", ... */
  measuredBy: string;
  /** The setting it comes from; absent for the fixed housekeeping rules. */
  setting?: keyof RetentionSettings;
  /** How long it is kept, as people write it: "30d", "forever", "until expired". */
  keep: string;
  /** The rule for people: "RETAIN_RAW_PAYLOADS=30d", "fixed 30d". */
  rule: string;
  /** Rows older than this go; undefined: nothing of this kind goes (kept forever). */
  cutoff: Date | undefined;
}

/** Opsgenie's request records are promised for a week (GET /v2/alerts/requests/<id>) and swept at a week as new ones come. */
export const OPSGENIE_RECORD_WEEK_MS = 7 * 86_400_000;
/**
 * Dead jobs and expired one-time links are kept this long after they died or expired: a dead job
 * is evidence of a page that never went (its last error), and an old link clicked says "expired"
 * rather than "unknown" for a while.
 */
export const HOUSEKEEPING_GRACE_MS = 30 * 86_400_000;

const before = (now: Date, ms: number | undefined) => (ms === undefined ? undefined : new Date(now.getTime() - ms));

/**
 * Turns the settings and an instant into the cut-off of every kind of row: a pure function, so
 * what a dry run shows is what the purge that runs at the same instant removes.
 */
export function retentionPlan(settings: RetentionSettings, now: Date): CategoryPlan[] {
  const setting = (name: keyof RetentionSettings) => ({ setting: name, keep: describeRetention(settings[name]), rule: `${name}=${describeRetention(settings[name])}`, cutoff: before(now, settings[name]) });
  const fixed = (ms: number) => ({ keep: describeRetention(ms), rule: `fixed: ${describeRetention(ms)}`, cutoff: before(now, ms) });
  const atExpiry = { keep: 'until expired', rule: 'their own expiry', cutoff: now };
  const opsgenieMs = Math.min(settings.RETAIN_PROCESSED_REQUESTS ?? Infinity, OPSGENIE_RECORD_WEEK_MS);
  const plans: Record<RetentionCategory, Omit<CategoryPlan, 'category'>> = {
    raw_payloads: { what: 'raw alert payloads (cleared; the alert is kept)', measuredBy: 'last received', ...setting('RETAIN_RAW_PAYLOADS') },
    resolved_alerts: { what: 'resolved alerts (and their links to incidents)', measuredBy: 'resolved', ...setting('RETAIN_RESOLVED_ALERTS') },
    incidents: { what: 'resolved incidents, with timeline, roles, pages, playbook run, channels and postmortem', measuredBy: 'resolved', ...setting('RETAIN_INCIDENTS') },
    audit_entries: { what: 'audit entries', measuredBy: 'recorded', ...setting('RETAIN_AUDIT') },
    processed_requests: { what: 'processed request ids (redelivery guards)', measuredBy: 'first seen', ...setting('RETAIN_PROCESSED_REQUESTS') },
    opsgenie_requests: { what: 'Opsgenie request records', measuredBy: 'processed', setting: 'RETAIN_PROCESSED_REQUESTS', keep: describeRetention(opsgenieMs), rule: `RETAIN_PROCESSED_REQUESTS=${describeRetention(settings.RETAIN_PROCESSED_REQUESTS)}, at most a week`, cutoff: before(now, opsgenieMs) },
    expired_request_ids: { what: 'request ids past their own expiry', measuredBy: 'expired', ...atExpiry },
    dead_jobs: { what: 'dead jobs (gave up)', measuredBy: 'gave up', ...fixed(HOUSEKEEPING_GRACE_MS) },
    expired_links: { what: 'one-time links (acknowledge, verify, sign-in)', measuredBy: 'expired', ...fixed(HOUSEKEEPING_GRACE_MS) },
    expired_web_sessions: { what: 'web console sessions', measuredBy: 'expired', ...atExpiry },
    expired_web_sign_ins: { what: 'web console sign-ins under way', measuredBy: 'expired', ...atExpiry },
  };
  return RETENTION_CATEGORIES.map((category) => ({ category, ...plans[category] }));
}

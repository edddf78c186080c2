import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { readRetentionPeriod } from '../../../src/retention/retention-period.js';
import { RETENTION_CATEGORIES, retentionPlan } from '../../../src/retention/retention-plan.js';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the settings to be refused');
}

describe('retention settings', () => {
  it('keeps raw payloads 30 days, resolved alerts and audit rows a year, request ids a week, incidents forever, unless set', () => {
    const config = loadConfig({});
    expect(config.RETAIN_RAW_PAYLOADS).toBe(30 * DAY);
    expect(config.RETAIN_RESOLVED_ALERTS).toBe(365 * DAY);
    expect(config.RETAIN_AUDIT).toBe(365 * DAY);
    expect(config.RETAIN_PROCESSED_REQUESTS).toBe(7 * DAY);
    expect(config.RETAIN_INCIDENTS).toBeUndefined();
  });

  it('reads durations such as 12h, 90d, 52w and 1d12h, and "forever" in any case', () => {
    const config = loadConfig({ RETAIN_RAW_PAYLOADS: '12h', RETAIN_RESOLVED_ALERTS: '90d', RETAIN_AUDIT: '52w', RETAIN_PROCESSED_REQUESTS: '1d12h', RETAIN_INCIDENTS: ' 400d ' });
    expect([config.RETAIN_RAW_PAYLOADS, config.RETAIN_RESOLVED_ALERTS, config.RETAIN_AUDIT, config.RETAIN_PROCESSED_REQUESTS, config.RETAIN_INCIDENTS]).toEqual([12 * 3_600_000, 90 * DAY, 364 * DAY, 36 * 3_600_000, 400 * DAY]);
    expect(loadConfig({ RETAIN_AUDIT: 'Forever', RETAIN_RAW_PAYLOADS: 'FOREVER' })).toMatchObject({ RETAIN_AUDIT: undefined, RETAIN_RAW_PAYLOADS: undefined });
  });

  it('refuses a bad value with a problem that names the setting and says what it takes', () => {
    const problems = problemsOf({ RETAIN_RAW_PAYLOADS: '30 days', RETAIN_AUDIT: '-1d', RETAIN_INCIDENTS: 'never', RETAIN_PROCESSED_REQUESTS: '30m', RETAIN_RESOLVED_ALERTS: '2h' });
    expect(problems).toEqual([
      'RETAIN_RAW_PAYLOADS: must be how long to keep them, such as 30d, 12h or 52w, or "forever"; got "30 days"',
      'RETAIN_RESOLVED_ALERTS: must be at least 1d (or "forever"); got "2h"',
      'RETAIN_AUDIT: must be how long to keep them, such as 30d, 12h or 52w, or "forever"; got "-1d"',
      'RETAIN_PROCESSED_REQUESTS: must be at least 1h (or "forever"); got "30m"',
      'RETAIN_INCIDENTS: must be how long to keep them, such as 30d, 12h or 52w, or "forever"; got "never"',
    ]);
  });

  it('refuses keeping resolved alerts no longer than REOPEN_WINDOW, which re-opens incidents through them', () => {
    expect(problemsOf({ RETAIN_RESOLVED_ALERTS: '2d', REOPEN_WINDOW: '3d' })).toEqual([expect.stringMatching(/^RETAIN_RESOLVED_ALERTS: must be longer than REOPEN_WINDOW/)]);
    expect(loadConfig({ RETAIN_RESOLVED_ALERTS: '4d', REOPEN_WINDOW: '3d' }).RETAIN_RESOLVED_ALERTS).toBe(4 * DAY);
  });

  it('refuses a duration longer than the calendar holds', () => {
    expect(readRetentionPeriod('99999999w', 0)).toEqual({ ok: false, problem: expect.stringContaining('such as 30d') });
  });
});

describe('retentionPlan', () => {
  const plan = (env: Record<string, string> = {}) => Object.fromEntries(retentionPlan(loadConfig(env), NOW).map((step) => [step.category, step]));

  it('puts each cut-off its setting back from the instant given, and names the setting', () => {
    const steps = plan();
    expect(Object.keys(steps)).toEqual([...RETENTION_CATEGORIES]);
    expect(steps.raw_payloads).toMatchObject({ cutoff: new Date(ago(30 * DAY)), setting: 'RETAIN_RAW_PAYLOADS', keep: '30d', rule: 'RETAIN_RAW_PAYLOADS=30d' });
    expect(steps.resolved_alerts).toMatchObject({ cutoff: new Date(ago(365 * DAY)), rule: 'RETAIN_RESOLVED_ALERTS=365d' });
    expect(steps.audit_entries).toMatchObject({ cutoff: new Date(ago(365 * DAY)), rule: 'RETAIN_AUDIT=365d' });
    expect(steps.processed_requests).toMatchObject({ cutoff: new Date(ago(7 * DAY)), rule: 'RETAIN_PROCESSED_REQUESTS=7d' });
    expect(steps.dead_jobs).toMatchObject({ cutoff: new Date(ago(30 * DAY)), rule: 'fixed: 30d' });
    expect(steps.expired_web_sessions).toMatchObject({ cutoff: NOW, rule: 'their own expiry' });
  });

  it('keeps incidents, their timelines and postmortems forever unless RETAIN_INCIDENTS says otherwise', () => {
    expect(plan().incidents).toMatchObject({ cutoff: undefined, keep: 'forever', rule: 'RETAIN_INCIDENTS=forever' });
    expect(plan({ RETAIN_INCIDENTS: '2w' }).incidents).toMatchObject({ cutoff: new Date(ago(14 * DAY)), keep: '14d' });
  });

  it('"forever" leaves a kind out of the purge altogether', () => {
    const steps = plan({ RETAIN_AUDIT: 'forever', RETAIN_RAW_PAYLOADS: 'forever' });
    expect(steps.audit_entries!.cutoff).toBeUndefined();
    expect(steps.raw_payloads!.cutoff).toBeUndefined();
  });

  it('keeps Opsgenie request records at most the week its API promises, less when RETAIN_PROCESSED_REQUESTS is shorter', () => {
    expect(plan({ RETAIN_PROCESSED_REQUESTS: '30d' }).opsgenie_requests).toMatchObject({ cutoff: new Date(ago(7 * DAY)), rule: 'RETAIN_PROCESSED_REQUESTS=30d, at most a week' });
    expect(plan({ RETAIN_PROCESSED_REQUESTS: '2d' }).opsgenie_requests!.cutoff).toEqual(new Date(ago(2 * DAY)));
    expect(plan({ RETAIN_PROCESSED_REQUESTS: 'forever' }).opsgenie_requests!.cutoff).toEqual(new Date(ago(7 * DAY)));
  });
});

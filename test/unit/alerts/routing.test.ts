import { describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../../src/alerts/alert.js';
import { routeAlert, unknownSeverityWarning } from '../../../src/alerts/routing.js';
import { emptyOncallConfig, type OncallConfig, type RouteConfig } from '../../../src/oncall/oncall-config.js';

function alert(overrides: Partial<NormalizedAlert> = {}): NormalizedAlert {
  return {
    source: 'alertmanager',
    fingerprint: 'fp1',
    status: 'firing',
    title: 'HighErrorRate',
    labels: { alertname: 'HighErrorRate', service: 'checkout', severity: 'critical' },
    annotations: {},
    links: {},
    startsAt: new Date('2026-11-24T00:00:00Z'),
    sourceSeverity: 'critical',
    ...overrides,
  };
}

function route(id: string, extra: Partial<RouteConfig> = {}): RouteConfig {
  return { id, match: { labels: {}, labelRegex: {} }, private: false, ...extra };
}

function config(): OncallConfig {
  const base = emptyOncallConfig();
  base.teams.payments = { key: 'payments', name: 'Payments', members: [], services: ['checkout'], schedules: [], escalationPolicy: 'payments-default' };
  base.routes = [
    route('security', { match: { labels: { category: 'security' }, labelRegex: {} }, team: 'security', private: true, playbook: 'security-breach', severity: 1 }),
    route('databases', { match: { labels: {}, labelRegex: { alertname: /Postgres.*/ } }, playbook: 'database', groupBy: ['cluster'] }),
    route('grafana-only', { match: { labels: {}, labelRegex: {}, sources: ['grafana'] }, team: 'observability' }),
  ];
  base.routingKeys = { R0123: 'databases' };
  return base;
}

describe('routeAlert', () => {
  it('sends unmatched alerts to the default route, never dropping them, and finds the team by service', () => {
    const decision = routeAlert(alert(), config());
    expect(decision).toMatchObject({ routeId: 'default', team: 'payments', service: 'checkout', escalationPolicy: 'payments-default', severity: 1 });
    expect(decision.severityReason).toBe('mapped from "critical"');
  });

  it('matches label equality, and a fixed severity wins over the alert`s own', () => {
    const decision = routeAlert(alert({ labels: { category: 'security', severity: 'warning' }, sourceSeverity: 'warning' }), config());
    expect(decision).toMatchObject({ routeId: 'security', private: true, playbook: 'security-breach', severity: 1 });
  });

  it('matches regexes against the whole value only', () => {
    expect(routeAlert(alert({ labels: { alertname: 'PostgresDown', cluster: 'main' } }), config()).routeId).toBe('databases');
    expect(routeAlert(alert({ labels: { alertname: 'NotPostgresDown' } }), config()).routeId).toBe('default');
  });

  it('routes an alert whose label is 100 KB of hostile text by its first 1,000 characters', () => {
    const oncall = config();
    oncall.routes.unshift(route('certificates', { match: { labels: {}, labelRegex: { alertname: /.*Cert.*Expir.*|.*SSL.*/ } }, team: 'payments' }));
    expect(routeAlert(alert({ labels: { alertname: 'Cert'.repeat(25_000) } }), oncall).routeId).toBe('default');
    expect(routeAlert(alert({ labels: { alertname: `CertExpiring ${'Cert'.repeat(25_000)}` } }), oncall).routeId).toBe('certificates');
    expect(routeAlert(alert({ labels: { alertname: `${'x'.repeat(1_000)}CertExpiring` } }), oncall).routeId).toBe('default');
  });

  it('limits routes to sources', () => {
    expect(routeAlert(alert({ source: 'grafana', labels: {} }), config()).routeId).toBe('grafana-only');
    expect(routeAlert(alert({ source: 'generic', labels: {} }), config()).routeId).toBe('default');
  });

  it('routes PagerDuty events by routing key', () => {
    expect(routeAlert(alert({ source: 'pagerduty', labels: {}, routingKey: 'R0123' }), config()).routeId).toBe('databases');
    expect(routeAlert(alert({ source: 'pagerduty', labels: {}, routingKey: 'unknown' }), config()).routeId).toBe('default');
  });

  it("routes Opsgenie alerts by their key, and a PagerDuty routing key never picks an Opsgenie key's route", () => {
    const oncall = config();
    oncall.routes.push(route('from-opsgenie', { match: { labels: {}, labelRegex: {}, sources: [] }, team: 'payments' }));
    oncall.opsgenieKeys = { 'genie-key-genie-key-1': 'from-opsgenie' };
    expect(routeAlert(alert({ source: 'opsgenie', labels: {}, routingKey: 'genie-key-genie-key-1' }), oncall).routeId).toBe('from-opsgenie');
    expect(routeAlert(alert({ source: 'pagerduty', labels: {}, routingKey: 'genie-key-genie-key-1' }), oncall).routeId).toBe('default');
    expect(routeAlert(alert({ source: 'opsgenie', labels: {}, routingKey: 'R0123' }), oncall).routeId).toBe('default');
    // `sources: []`: reached through a key only, never by matching.
    for (const source of ['opsgenie', 'generic', 'alertmanager'] as const) expect(routeAlert(alert({ source, labels: {} }), oncall).routeId).toBe('default');
  });

  it('maps severities, with SEV3 and a reason when it cannot', () => {
    const words: [string | undefined, number][] = [['P1', 1], ['error', 2], ['warning', 3], ['info', 4], ['sev2', 2], ['weird', 3], [undefined, 3]];
    for (const [word, expected] of words) expect(routeAlert(alert({ sourceSeverity: word }), config()).severity).toBe(expected);
    expect(routeAlert(alert({ sourceSeverity: 'weird' }), config()).severityReason).toContain('unknown severity "weird"');
    const warning = unknownSeverityWarning(routeAlert(alert({ sourceSeverity: 'critcal' }), config()), config());
    expect(warning).toMatch(/^severity "critcal" is none the bot knows, so it was taken as SEV3\. Known: critical, p1, sev1, page, high, .*; add more under severity_map in oncall\.yaml$/);
    // Known words, numbers as sev<n>, and routes that fix the severity warn of nothing.
    expect(unknownSeverityWarning(routeAlert(alert({ sourceSeverity: 'High' }), config()), config())).toBeUndefined();
    expect(unknownSeverityWarning(routeAlert(alert({ sourceSeverity: 'sev2' }), config()), config())).toBeUndefined();
    expect(unknownSeverityWarning(routeAlert(alert({ sourceSeverity: 'critcal', labels: { category: 'security' } }), config()), config())).toBeUndefined();
    expect(unknownSeverityWarning(routeAlert(alert({ sourceSeverity: undefined }), config()), config())).toBeUndefined();
  });

  it('groups by the route`s labels, else the source`s group, else each alert alone', () => {
    const db = (cluster: string, fp: string) => routeAlert(alert({ fingerprint: fp, labels: { alertname: 'PostgresDown', cluster } }), config()).groupKey;
    expect(db('main', 'a')).toBe(db('main', 'b'));
    expect(db('main', 'a')).not.toBe(db('replica', 'a'));
    const grouped = (fp: string) => routeAlert(alert({ fingerprint: fp, sourceGroupKey: '{}:{alertname="X"}' }), config()).groupKey;
    expect(grouped('a')).toBe(grouped('b'));
    expect(routeAlert(alert({ fingerprint: 'a' }), config()).groupKey).not.toBe(routeAlert(alert({ fingerprint: 'b' }), config()).groupKey);
    expect(routeAlert(alert({ sourceGroupKey: 'x'.repeat(5000) }), config()).groupKey.length).toBeLessThanOrEqual(200);
  });
});

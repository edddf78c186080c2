import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import { fingerprintOf, normalizeGeneric } from '../../../src/alerts/generic.js';
import { normalizeGrafana } from '../../../src/alerts/grafana.js';
import { normalizeOpsgenieCreate } from '../../../src/alerts/opsgenie.js';
import { normalizePagerDuty } from '../../../src/alerts/pagerduty.js';
import { sharedFixture } from '../../support/fixtures.js';

const now = new Date('2026-11-24T12:00:00Z');

describe('Alertmanager', () => {
  it('reads a real firing notification: both alerts, the group, no end time', () => {
    const batch = normalizeAlertmanager(sharedFixture('alertmanager/firing.json'));
    expect(batch.alerts).toHaveLength(2);
    const [first] = batch.alerts;
    expect(first).toMatchObject({
      source: 'alertmanager',
      fingerprint: 'beb69e792e2dfd2e',
      status: 'firing',
      title: 'checkout 5xx above 5%',
      sourceSeverity: 'critical',
      labels: { alertname: 'HighErrorRate', instance: 'checkout-1:8080', service: 'checkout', severity: 'critical' },
      links: { generator: 'http://prometheus:9090/graph', alertmanager: 'http://vm:19093' },
      sourceGroupKey: '{}:{alertname="HighErrorRate", service="checkout"}',
    });
    expect(first!.startsAt.toISOString()).toBe('2026-11-24T00:42:51.000Z');
    expect(first!.endsAt).toBeUndefined();
    // An empty generatorURL is no link.
    expect(batch.alerts[1]!.links.generator).toBeUndefined();
  });

  it('reads a partial resolve: only the resolved alert changes', () => {
    const batch = normalizeAlertmanager(sharedFixture('alertmanager/partial-resolved.json'));
    const resolved = batch.alerts.filter((a) => a.status === 'resolved');
    expect(resolved.length).toBeGreaterThanOrEqual(1);
    expect(resolved[0]!.endsAt).toBeInstanceOf(Date);
  });

  it('names the field that is wrong', () => {
    const body = structuredClone(sharedFixture('alertmanager/firing.json')) as { alerts: { status: string }[] };
    body.alerts[1]!.status = 'burning';
    try {
      normalizeAlertmanager(body);
      expect.unreachable();
    } catch (error) {
      expect((error as ZodError).issues[0]!.path).toEqual(['alerts', 1, 'status']);
    }
  });
});

describe('Grafana', () => {
  it('keeps dashboard, panel, silence and runbook links and the values', () => {
    const batch = normalizeGrafana(sharedFixture('grafana/firing.json'));
    expect(batch.alerts).toHaveLength(2);
    const cpu = batch.alerts[1]!;
    expect(cpu).toMatchObject({ source: 'grafana', fingerprint: 'bc97ff14869b13e3', title: 'High CPU usage', status: 'firing' });
    expect(cpu.links).toMatchObject({
      dashboard: 'https://grafana.example/d/mHz6fTKnz',
      panel: 'https://grafana.example/d/mHz6fTKnz?viewPanel=2',
      runbook: 'https://runbooks.example/1234',
    });
    expect(cpu.links.silence).toContain('/alerting/silence/new');
    expect(cpu.description).toContain('Values: B=82.1, C=1');
    expect(cpu.startsAt.toISOString()).toBe('2026-10-12T07:56:03.157Z');
    // "{}:{}" groups nothing: each alert stands alone.
    expect(cpu.sourceGroupKey).toBeUndefined();
  });
});

describe('PagerDuty Events v2', () => {
  it('reads a trigger with its dedup key, details and links', () => {
    const batch = normalizePagerDuty(sharedFixture('pagerduty/trigger.json'), now);
    expect(batch.dedupKey).toBe('db-3/disk');
    expect(batch.alerts[0]).toMatchObject({
      fingerprint: 'db-3/disk',
      title: 'Disk 95% full on db-3',
      sourceSeverity: 'critical',
      labels: { source: 'db-3.prod.example', component: 'postgres', group: 'database', class: 'disk' },
      annotations: { free_gb: '4', mount: '/var/lib/postgresql' },
      links: { 'Disk dashboard': 'https://grafana.example/d/disk', client: 'https://monitoring.example' },
      routingKey: 'R0123456789abcdef0123456789abcdef',
    });
    expect(batch.alerts[0]!.startsAt.toISOString()).toBe('2026-11-23T10:00:00.000Z');
  });

  it('gives a trigger without dedup_key one of its own, as PagerDuty does', () => {
    const body = structuredClone(sharedFixture('pagerduty/trigger.json')) as Record<string, unknown>;
    delete body.dedup_key;
    const batch = normalizePagerDuty(body, now);
    expect(batch.dedupKey).toMatch(/^[0-9a-f]{32}$/);
  });

  it('turns acknowledge and resolve into content-free events on the dedup key', () => {
    expect(normalizePagerDuty(sharedFixture('pagerduty/acknowledge.json'), now).alerts[0]).toMatchObject({ eventOnly: 'acknowledge', fingerprint: 'db-3/disk' });
    expect(normalizePagerDuty(sharedFixture('pagerduty/resolve.json'), now).alerts[0]).toMatchObject({ eventOnly: 'resolve', status: 'resolved' });
  });

  it("links PagerDuty's images and links on the card, as in PagerDuty's documented example, and drops images that are not web addresses", () => {
    const batch = normalizePagerDuty(sharedFixture('pagerduty/trigger-documented.json'), now);
    expect(batch.alerts[0]!.links).toEqual({
      client: 'https://monitoring.service.com',
      'An example link.': 'https://google.com',
      'image: An example link with an image': 'https://google.com',
    });
    const body = structuredClone(sharedFixture('pagerduty/trigger-documented.json')) as Record<string, unknown>;
    body.images = [{ src: 'https://graphs.example/cpu.png' }, { src: 'javascript:alert(1)' }, 'not an image', { href: 'https://x.example' }];
    expect(normalizePagerDuty(body, now).alerts[0]!.links).toMatchObject({ 'image: 1': 'https://graphs.example/cpu.png' });
    expect(Object.keys(normalizePagerDuty(body, now).alerts[0]!.links).filter((name) => name.startsWith('image'))).toEqual(['image: 1']);
  });

  it('refuses an acknowledge without dedup_key and a bad severity', () => {
    expect(() => normalizePagerDuty({ routing_key: 'k', event_action: 'acknowledge' }, now)).toThrow(ZodError);
    const body = structuredClone(sharedFixture('pagerduty/trigger.json')) as { payload: { severity: string } };
    body.payload.severity = 'catastrophic';
    expect(() => normalizePagerDuty(body, now)).toThrow(/critical/);
  });
});

describe('Opsgenie Alert API', () => {
  it("reads what a real Alertmanager 0.25's opsgenie_configs sends: details are the labels routes match, the alias the identity", () => {
    const [create] = sharedFixture('opsgenie/alertmanager-0.25-requests.json') as { body: unknown }[];
    const batch = normalizeOpsgenieCreate(create!.body, 'key-key-key-key-key-key', now);
    expect(batch.alerts[0]).toMatchObject({
      source: 'opsgenie',
      fingerprint: 'f81472f68fb28a2044eb6a9855a66790819b1b941e20fbbf3701976e0fd2aae6',
      title: '[FIRING:1] DiskFull postgres (db-3:9100 critical)',
      sourceSeverity: 'P1',
      labels: { alertname: 'DiskFull', instance: 'db-3:9100', service: 'postgres', severity: 'critical', source: 'http://vm:19556/#/alerts?receiver=og' },
    });
  });

  it('gives an alert without alias one of its own, so that each such request is an alert, as in Opsgenie', () => {
    const first = normalizeOpsgenieCreate({ message: 'x' }, 'key-key-key-key-key-key', now);
    const second = normalizeOpsgenieCreate({ message: 'x' }, 'key-key-key-key-key-key', now);
    expect(first.alias).not.toBe(second.alias);
    expect(first.alerts[0]!.sourceSeverity).toBe('P3');
  });
});

describe('generic JSON', () => {
  it('reads the documented minimal alert', () => {
    const batch = normalizeGeneric({ title: 'Checkout error rate above 5%', severity: 'critical', service: 'checkout' }, now);
    expect(batch.alerts[0]).toMatchObject({
      source: 'generic',
      title: 'Checkout error rate above 5%',
      status: 'firing',
      sourceSeverity: 'critical',
      labels: { service: 'checkout' },
    });
    expect(batch.alerts[0]!.startsAt).toEqual(now);
  });

  it('refuses a bare array saying how to send several alerts', () => {
    let problems: unknown;
    try {
      normalizeGeneric([{ title: 'A' }], now);
    } catch (error) {
      problems = (error as { details?: { problems?: unknown } }).details?.problems;
    }
    expect(problems).toEqual([{ path: '(root)', message: 'expected one alert as an object, or several as {"alerts": [...]}; got a bare array' }]);
  });

  it('derives the fingerprint from the labels, so the same labels dedup', () => {
    const a = normalizeGeneric({ title: 'A', labels: { host: 'db-1', check: 'disk' } }, now).alerts[0]!;
    const b = normalizeGeneric({ title: 'A (again, reworded)', labels: { check: 'disk', host: 'db-1' } }, now).alerts[0]!;
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(fingerprintOf({}, 'x')).not.toBe(fingerprintOf({}, 'y'));
  });

  it('labels that only place an alert (service, team) leave its identity to the title: two alerts of one service stay two', () => {
    const errors = normalizeGeneric({ title: 'API 5xx above 5%', service: 'api', severity: 'critical' }, now).alerts[0]!;
    const tls = normalizeGeneric({ title: 'API TLS certificate expires in 2 days', service: 'api', severity: 'warning' }, now).alerts[0]!;
    expect(errors.fingerprint).not.toBe(tls.fingerprint);
    expect(normalizeGeneric({ title: 'API 5xx above 5%', service: 'api' }, now).alerts[0]!.fingerprint).toBe(errors.fingerprint);
    expect(normalizeGeneric({ title: 'API 5xx above 5%', service: 'web' }, now).alerts[0]!.fingerprint).not.toBe(errors.fingerprint);
    // A label of its own identifies it again, whatever the title says.
    const a = normalizeGeneric({ title: 'Disk 91% full', service: 'db', labels: { host: 'db-1' } }, now).alerts[0]!;
    expect(normalizeGeneric({ title: 'Disk 95% full', service: 'db', labels: { host: 'db-1' } }, now).alerts[0]!.fingerprint).toBe(a.fingerprint);
  });

  it('takes a list, numeric severities and link lists', () => {
    const batch = normalizeGeneric(
      { alerts: [{ title: 'one', severity: 2, links: [{ href: 'https://x', text: 'graph' }] }, { title: 'two', status: 'resolved' }] },
      now,
    );
    expect(batch.alerts.map((a) => a.sourceSeverity)).toEqual(['sev2', undefined]);
    expect(batch.alerts[0]!.links).toEqual({ graph: 'https://x' });
    expect(batch.alerts[1]!.endsAt).toEqual(now);
  });

  it('refuses unknown keys instead of ignoring them', () => {
    expect(() => normalizeGeneric({ title: 'x', sevrity: 'critical' }, now)).toThrow(/sevrity/);
  });
});

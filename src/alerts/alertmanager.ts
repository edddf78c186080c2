import { z } from 'zod';
import { endInstant, endNotBeforeStart, instant, links, parseEnd, stringMap } from './alert-fields.js';
import type { AlertBatch, NormalizedAlert } from './alert.js';
import { plainAlertmanagerPayload } from './plain-alertmanager-payload.js';

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap,
  startsAt: instant,
  endsAt: endInstant,
  generatorURL: z.string().optional(),
  // Unique-indexed with the source; real ones are 16 hex characters.
  fingerprint: z.string().min(1).max(255),
}).superRefine(endNotBeforeStart({ start: 'startsAt', end: 'endsAt' }));

export const alertmanagerSchema = z.object({
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  receiver: z.string().optional(),
  groupLabels: stringMap,
  commonLabels: stringMap,
  commonAnnotations: stringMap,
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema).max(10_000),
});

/** Prometheus Alertmanager webhook, version 4: one request per alert group. */
export function normalizeAlertmanager(body: unknown): AlertBatch {
  const payload = plainAlertmanagerPayload(body) ?? alertmanagerSchema.parse(body);
  // An empty group label set means Alertmanager groups everything together: no real grouping.
  const groups = Object.keys(payload.groupLabels).length > 0 && payload.groupKey ? payload.groupKey : undefined;
  const alerts = payload.alerts.map(
    (alert): NormalizedAlert => ({
      source: 'alertmanager',
      fingerprint: alert.fingerprint,
      status: alert.status,
      title: alert.annotations.summary || alert.labels.alertname || 'Alert',
      description: alert.annotations.description,
      sourceSeverity: alert.labels.severity,
      labels: alert.labels,
      annotations: alert.annotations,
      links: links({ generator: alert.generatorURL, runbook: alert.annotations.runbook_url, alertmanager: payload.externalURL }),
      startsAt: new Date(alert.startsAt),
      endsAt: parseEnd(alert.endsAt),
      sourceGroupKey: groups,
    }),
  );
  return { source: 'alertmanager', alerts, raw: body, truncated: payload.truncatedAlerts ?? 0 };
}

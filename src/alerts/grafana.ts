import { z } from 'zod';
import { endInstant, endNotBeforeStart, instant, links, parseEnd, stringMap } from './alert-fields.js';
import type { AlertBatch, NormalizedAlert } from './alert.js';

const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: stringMap,
  annotations: stringMap,
  startsAt: instant,
  endsAt: endInstant,
  generatorURL: z.string().optional(),
  // Unique-indexed with the source; real ones are 16 hex characters.
  fingerprint: z.string().min(1).max(255),
  silenceURL: z.string().optional(),
  dashboardURL: z.string().optional(),
  panelURL: z.string().optional(),
  imageURL: z.string().optional(),
  values: z.record(z.string(), z.unknown()).nullable().optional(),
  valueString: z.string().optional(),
}).superRefine(endNotBeforeStart({ start: 'startsAt', end: 'endsAt' }));

export const grafanaSchema = z.object({
  receiver: z.string().optional(),
  status: z.string().optional(),
  orgId: z.number().optional(),
  alerts: z.array(alertSchema).max(10_000),
  groupLabels: stringMap,
  commonLabels: stringMap,
  commonAnnotations: stringMap,
  externalURL: z.string().optional(),
  version: z.string().optional(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  title: z.string().optional(),
  state: z.string().optional(),
  message: z.string().optional(),
});

/** Grafana unified alerting's webhook contact point. */
export function normalizeGrafana(body: unknown): AlertBatch {
  const payload = grafanaSchema.parse(body);
  const groups = Object.keys(payload.groupLabels).length > 0 && payload.groupKey ? payload.groupKey : undefined;
  const alerts = payload.alerts.map((alert): NormalizedAlert => {
    // Values are numbers in practice; anything else is shown as JSON (String() of {"toString": 1} throws).
    const values = alert.values
      ? Object.entries(alert.values).map(([k, v]) => `${k}=${v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')
      : undefined;
    return {
      source: 'grafana',
      fingerprint: alert.fingerprint,
      status: alert.status,
      title: alert.labels.alertname || alert.annotations.summary || 'Grafana alert',
      description: [alert.annotations.summary, alert.annotations.description, values ? `Values: ${values}` : undefined]
        .filter(Boolean)
        .join('\n'),
      sourceSeverity: alert.labels.severity,
      labels: alert.labels,
      annotations: alert.annotations,
      links: links({
        generator: alert.generatorURL,
        dashboard: alert.dashboardURL,
        panel: alert.panelURL,
        silence: alert.silenceURL,
        image: alert.imageURL,
        runbook: alert.annotations.runbook_url,
      }),
      startsAt: new Date(alert.startsAt),
      endsAt: parseEnd(alert.endsAt),
      sourceGroupKey: groups,
    };
  });
  return { source: 'grafana', alerts, raw: body, truncated: payload.truncatedAlerts ?? 0 };
}

import type { z } from 'zod';
import { isInstantText, parseEnd } from './alert-fields.js';
import type { alertmanagerSchema } from './alertmanager.js';

export type AlertmanagerPayload = z.output<typeof alertmanagerSchema>;
type AlertmanagerAlert = AlertmanagerPayload['alerts'][number];

/**
 * Alertmanager's webhook body as alertmanagerSchema reads it, by hand, for the body Alertmanager
 * really sends; undefined for anything else (a missing or mistyped field, an alert that ends
 * before it starts), which the schema then reads, and explains if it must.
 * Every alert notification takes this path: the schema took a tenth of the bot's CPU per request
 * (profile of bench:ingest). A property test holds the two to the same answers.
 */
export function plainAlertmanagerPayload(body: unknown): AlertmanagerPayload | undefined {
  if (!isObject(body)) return undefined;
  const payload: Partial<AlertmanagerPayload> = {};
  for (const key of ['version', 'groupKey', 'receiver', 'externalURL'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    if (typeof value !== 'string') return undefined;
    payload[key] = value;
  }
  if (body.status !== undefined) {
    if (body.status !== 'firing' && body.status !== 'resolved') return undefined;
    payload.status = body.status;
  }
  if (body.truncatedAlerts !== undefined) {
    if (!Number.isSafeInteger(body.truncatedAlerts) || (body.truncatedAlerts as number) < 0) return undefined;
    payload.truncatedAlerts = body.truncatedAlerts as number;
  }
  const groupLabels = stringMap(body.groupLabels);
  const commonLabels = stringMap(body.commonLabels);
  const commonAnnotations = stringMap(body.commonAnnotations);
  if (!groupLabels || !commonLabels || !commonAnnotations || !Array.isArray(body.alerts) || body.alerts.length > 10_000) return undefined;
  const alerts: AlertmanagerAlert[] = [];
  for (const received of body.alerts) {
    const alert = plainAlert(received);
    if (!alert) return undefined;
    alerts.push(alert);
  }
  return { ...payload, groupLabels, commonLabels, commonAnnotations, alerts } as AlertmanagerPayload;
}

function plainAlert(received: unknown): AlertmanagerAlert | undefined {
  if (!isObject(received)) return undefined;
  const { status, startsAt, endsAt, generatorURL, fingerprint } = received;
  if (status !== 'firing' && status !== 'resolved') return undefined;
  if (typeof startsAt !== 'string' || !isInstantText(startsAt)) return undefined;
  if (endsAt !== undefined && (typeof endsAt !== 'string' || (endsAt !== '' && !isInstantText(endsAt)))) return undefined;
  if (generatorURL !== undefined && typeof generatorURL !== 'string') return undefined;
  if (typeof fingerprint !== 'string' || fingerprint.length < 1 || fingerprint.length > 255) return undefined;
  const labels = stringMap(received.labels);
  const annotations = stringMap(received.annotations);
  if (!labels || !annotations) return undefined;
  const end = parseEnd(endsAt);
  if (end && end.getTime() < Date.parse(startsAt)) return undefined;
  const alert: AlertmanagerAlert = { status, labels, annotations, startsAt, fingerprint };
  if (endsAt !== undefined) alert.endsAt = endsAt;
  if (generatorURL !== undefined) alert.generatorURL = generatorURL;
  return alert;
}

/** A label or annotation map as stringMap reads it: absent is empty, numbers and booleans become text, nulls are left out. */
function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return {};
  if (!isObject(value)) return undefined;
  const out: Record<string, string> = {};
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const entry = value[key];
    if (typeof entry === 'string') out[key] = entry;
    else if (typeof entry === 'number' || typeof entry === 'boolean') out[key] = String(entry);
    else if (entry !== null) return undefined;
  }
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import type { NormalizedAlert } from '../alerts/alert.js';
import { redactPii } from './redact-pii.js';

const maskValues = (map: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(map).map(([key, value]) => [key, redactPii(value)]));

/**
 * The alert as people see it (REDACT_PII=true): title, description and the values of labels,
 * annotations and links masked. What identifies and routes the alert (source, fingerprint,
 * the source's group key, routing key, severity, times) stays as received, so dedup and
 * grouping work on the real values; label keys stay too.
 */
export function alertForPeople(alert: NormalizedAlert): NormalizedAlert {
  return {
    ...alert,
    title: redactPii(alert.title),
    ...(alert.description !== undefined ? { description: redactPii(alert.description) } : {}),
    labels: maskValues(alert.labels),
    annotations: maskValues(alert.annotations),
    links: maskValues(alert.links),
  };
}

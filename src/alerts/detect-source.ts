import type { WebhookSource } from './alert.js';

/** Guesses which tool sent a payload, for `simulate` without --source. */
export function detectSource(body: unknown): WebhookSource {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    if ('event_action' in record || 'routing_key' in record) return 'pagerduty';
    if (Array.isArray(record.alerts) && 'groupKey' in record) {
      return 'orgId' in record || 'state' in record || record.version === '1' ? 'grafana' : 'alertmanager';
    }
  }
  return 'generic';
}

import type { WebhookSource } from './alert.js';

/** Guesses which tool sent a payload, for `simulate` without --source. */
export function detectSource(body: unknown): WebhookSource {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const record = body as Record<string, unknown>;
    if ('event_action' in record || 'routing_key' in record) return 'pagerduty';
    if ('AlarmName' in record || (record.Type === 'Notification' && 'TopicArn' in record)) return 'cloudwatch';
    if (typeof record.message === 'string' && ('alias' in record || 'priority' in record || 'responders' in record)) return 'opsgenie';
    if ('event_type' in record && ('org' in record || 'alert_id' in record || 'last_updated' in record)) return 'datadog';
    if (Array.isArray(record.alerts) && 'groupKey' in record) {
      return 'orgId' in record || 'state' in record || record.version === '1' ? 'grafana' : 'alertmanager';
    }
  }
  return 'generic';
}

import type { AlertBatch, WebhookSource } from './alert.js';
import { normalizeAlertmanager } from './alertmanager.js';
import { normalizeGeneric } from './generic.js';
import { normalizeGrafana } from './grafana.js';
import { normalizeCloudWatch } from './cloudwatch.js';
import { normalizeDatadog } from './datadog.js';
import { snsMessageSchema, type SnsMessage } from './sns-message.js';
import { normalizeOpsgenieCreate } from './opsgenie.js';
import { normalizePagerDuty } from './pagerduty.js';

export function normalizeFrom(source: WebhookSource, body: unknown, now: Date): AlertBatch {
  switch (source) {
    case 'alertmanager':
      return normalizeAlertmanager(body);
    case 'grafana':
      return normalizeGrafana(body);
    case 'pagerduty':
      return normalizePagerDuty(body, now);
    case 'opsgenie':
      // A GenieKey comes in a header, never in the body: the key here maps to no route.
      return normalizeOpsgenieCreate(body, 'simulated', now);
    case 'datadog':
      return normalizeDatadog(body, now);
    case 'cloudwatch':
      return normalizeCloudWatch(snsMessageOrAlarm(body, now), now);
    case 'generic':
      return normalizeGeneric(body, now);
  }
}

/** `simulate` takes the SNS message as delivered, or the CloudWatch alarm alone (its Message); signatures are not checked. */
function snsMessageOrAlarm(body: unknown, now: Date): SnsMessage {
  if (body && typeof body === 'object' && 'AlarmName' in body) {
    return { Type: 'Notification', MessageId: 'simulated', TopicArn: 'simulated', Message: JSON.stringify(body), Timestamp: now.toISOString(), SignatureVersion: '2', Signature: '-', SigningCertURL: '-' };
  }
  return snsMessageSchema.parse(body);
}

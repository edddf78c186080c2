import type { AlertBatch, WebhookSource } from './alert.js';
import { normalizeAlertmanager } from './alertmanager.js';
import { normalizeGeneric } from './generic.js';
import { normalizeGrafana } from './grafana.js';
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
    case 'cloudwatch':
      throw new Error('not yet');
    case 'generic':
      return normalizeGeneric(body, now);
  }
}

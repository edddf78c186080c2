import type { AlertBatch, WebhookSource } from './alert.js';
import { normalizeAlertmanager } from './alertmanager.js';
import { normalizeGeneric } from './generic.js';
import { normalizeGrafana } from './grafana.js';
import { normalizePagerDuty } from './pagerduty.js';

export function normalizeFrom(source: WebhookSource, body: unknown, now: Date): AlertBatch {
  switch (source) {
    case 'alertmanager':
      return normalizeAlertmanager(body);
    case 'grafana':
      return normalizeGrafana(body);
    case 'pagerduty':
      return normalizePagerDuty(body, now);
    case 'generic':
      return normalizeGeneric(body, now);
  }
}

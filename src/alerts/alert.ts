/** Where an alert came from; each has a normalizer in this folder. */
export const ALERT_SOURCES = ['alertmanager', 'grafana', 'pagerduty', 'opsgenie', 'datadog', 'cloudwatch', 'generic'] as const;
export type WebhookSource = (typeof ALERT_SOURCES)[number];
/** Webhook senders, and the bot itself for a heartbeat that went silent. */
export type AlertSource = WebhookSource | 'heartbeat';

/** One alert in the shape every source is turned into before the core sees it. */
export interface NormalizedAlert {
  source: AlertSource;
  /** Stable identity within the source: dedup key. */
  fingerprint: string;
  status: 'firing' | 'resolved';
  title: string;
  description?: string;
  /** The source's own severity word ("critical", "warning", "P1"), mapped to SEV by routing. */
  sourceSeverity?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Named links: generator, dashboard, panel, silence, runbook, ... */
  links: Record<string, string>;
  startsAt: Date;
  /**
   * The source sent no start (Opsgenie, PagerDuty without a timestamp, our JSON without
   * starts_at): startsAt is when the bot received it. Then a repeat while it fires is no change
   * and keeps the start first seen, as those tools keep the alert's creation time.
   */
  startsAtIsReceipt?: boolean;
  endsAt?: Date;
  /** Resolved with no end given (our JSON without ends_at): endsAt is when the bot received it, and a resend keeps the end first recorded. */
  endsAtIsReceipt?: boolean;
  /** The source's own grouping (Alertmanager group key), when it groups. */
  sourceGroupKey?: string;
  /**
   * PagerDuty's acknowledge and resolve events name an alert by its dedup key and carry no
   * content: they change the alert's (or incident's) state and nothing else.
   */
  eventOnly?: 'acknowledge' | 'resolve';
  /** PagerDuty routing key or Opsgenie GenieKey, which oncall.yaml maps to a route. */
  routingKey?: string;
  /** Hash of that routing key, stored with the alert (see routing-key.ts); unset for the webhook token. */
  routingKeyHash?: string;
}

/** What one webhook request carries once normalized. */
export interface AlertBatch {
  source: AlertSource;
  alerts: NormalizedAlert[];
  /** The request body as received, stored with each alert for forensics. */
  raw: unknown;
  /** Alerts the sender left out (Alertmanager's truncatedAlerts). */
  truncated: number;
  /**
   * Sent with a PagerDuty routing key rather than the webhook token: it acts only on alerts that
   * came in with the same key (as PagerDuty applies events to the alerts of their routing key).
   */
  ownAlertsOnly?: boolean;
}

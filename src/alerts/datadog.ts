import { createHash } from 'node:crypto';
import { z } from 'zod';
import { links } from './alert-fields.js';
import type { AlertBatch, NormalizedAlert } from './alert.js';

/**
 * A Datadog webhook. Its default payload has $EVENT_TITLE, $EVENT_MSG, $DATE, $ID, $ORG_*; the
 * template in the README adds the monitor's variables ($ALERT_ID, $ALERT_TRANSITION, $ALERT_PRIORITY,
 * $ALERT_SCOPE, $TAGS, ...). Every field is text, as Datadog substitutes it; unknown ones are kept in
 * the raw payload only.
 */
const text = z.union([z.string(), z.number()]).transform(String).optional();
const datadogSchema = z
  .object({
    id: text,
    title: text,
    alert_title: text,
    body: text,
    event_type: text,
    date: text,
    last_updated: text,
    alert_id: text,
    aggreg_key: text,
    alert_cycle_key: text,
    alert_transition: text,
    alert_type: text,
    alert_status: text,
    alert_priority: text,
    alert_scope: text,
    alert_query: text,
    alert_metric: text,
    hostname: text,
    tags: text,
    link: text,
    snapshot: text,
    org: z.object({ id: text, name: text }).partial().optional(),
  })
  .passthrough()
  .refine((event) => present(event.title) || present(event.alert_title), { message: 'needs a title ($EVENT_TITLE) or alert_title ($ALERT_TITLE)', path: ['title'] });

/** A variable Datadog left as written ("$ALERT_PRIORITY" where the event has none) counts as absent. */
function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '' && !/^\$[A-Z_]+$/.test(value.trim());
}
const valueOf = (value: string | undefined) => (present(value) ? value.trim() : undefined);

// Datadog titles lead with the priority and the transition: "[P1] [Triggered on {host:web-1}] CPU high".
const TITLE_PREFIX = /^\s*(?:\[(?:P[1-5]|Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data|Renotify|Resolved)(?:\s+on\s+[^\]]*)?\]\s*)+/i;
const RECOVERED = /^\s*(?:\[P[1-5]\]\s*)?\[(?:Recovered|Resolved)\b/i;
const PRIORITY_IN_TITLE = /^\s*\[(P[1-5])\]/i;
// A multi-alert monitor names the group it fired for: "[Triggered on {host:web-1}]".
const SCOPE_IN_TITLE = /\[(?:Triggered|Re-Triggered|Recovered|Warn|Re-Warn|No Data|Re-No Data|Renotify|Resolved)\s+on\s+\{([^}\]]*)\}\]/i;

function instantOf(value: string | undefined, fallback: Date): Date {
  const raw = valueOf(value);
  if (!raw) return fallback;
  if (/^\d{9,16}$/.test(raw)) {
    const n = Number(raw);
    // Datadog's $DATE and $LAST_UPDATED are epoch milliseconds; seconds are read too.
    const date = new Date(n < 1e11 ? n * 1000 : n);
    return Number.isNaN(date.getTime()) ? fallback : date;
  }
  const parsed = Date.parse(raw);
  return Number.isNaN(parsed) ? fallback : new Date(parsed);
}

/** "env:prod,service:checkout,critical" as labels: key:value pairs, the rest under `tags`. */
function tagLabels(tags: string | undefined): Record<string, string> {
  const labels: Record<string, string> = {};
  const bare: string[] = [];
  for (const tag of (tags ?? '').split(',').map((t) => t.trim()).filter(Boolean).slice(0, 100)) {
    const colon = tag.indexOf(':');
    if (colon > 0) labels[tag.slice(0, colon)] ??= tag.slice(colon + 1);
    else bare.push(tag);
  }
  if (bare.length) labels.tags = bare.join(',');
  return labels;
}

function isResolved(event: z.infer<typeof datadogSchema>, title: string): boolean {
  const transition = valueOf(event.alert_transition)?.toLowerCase();
  if (transition) return transition === 'recovered' || transition === 'resolved';
  if (valueOf(event.alert_type)?.toLowerCase() === 'success') return true;
  return RECOVERED.test(title);
}

function severityOf(event: z.infer<typeof datadogSchema>, title: string): string | undefined {
  const priority = valueOf(event.alert_priority) ?? PRIORITY_IN_TITLE.exec(title)?.[1];
  if (priority) return priority.toUpperCase();
  if (valueOf(event.alert_transition)?.toLowerCase().includes('warn')) return 'warning';
  const type = valueOf(event.alert_type)?.toLowerCase();
  return type === 'error' || type === 'warning' ? type : undefined;
}

/** Datadog wraps Markdown in %%% markers; they mean nothing to anyone reading the incident. */
function bodyText(body: string | undefined): string | undefined {
  const text = valueOf(body)?.replace(/^%%%\s*/, '').replace(/\s*%%%\s*$/, '');
  return text ? text.slice(0, 20_000) : undefined;
}

export function normalizeDatadog(body: unknown, now: Date): AlertBatch {
  const event = datadogSchema.parse(body);
  const rawTitle = valueOf(event.alert_title) ?? valueOf(event.title)!;
  const eventTitle = valueOf(event.title) ?? rawTitle;
  const title = (rawTitle.replace(TITLE_PREFIX, '').trim() || rawTitle).slice(0, 500);
  const resolved = isResolved(event, eventTitle);
  const scope = valueOf(event.alert_scope) ?? SCOPE_IN_TITLE.exec(eventTitle)?.[1]?.trim();
  const monitor = valueOf(event.alert_id);
  // One alert per monitor and group (scope), the way Datadog notifies; without the monitor's id
  // (the default payload), the title without its transition names the alert.
  const identity = monitor ? `monitor:${monitor}:${scope ?? '*'}` : valueOf(event.aggreg_key) ? `aggreg:${valueOf(event.aggreg_key)}` : `title:${title}${scope ? ` on ${scope}` : ''}`;
  const fingerprint = identity.length <= 255 ? identity : createHash('sha256').update(identity).digest('hex');
  const labels: Record<string, string> = { ...tagLabels(valueOf(event.tags)) };
  if (valueOf(event.hostname)) labels.host ??= valueOf(event.hostname)!;
  if (scope) labels.scope ??= scope;
  if (monitor) labels.monitor_id = monitor;
  if (valueOf(event.event_type)) labels.event_type = valueOf(event.event_type)!;
  if (valueOf(event.org?.name)) labels.datadog_org = valueOf(event.org?.name)!;
  const annotations: Record<string, string> = {};
  if (valueOf(event.alert_query)) annotations.query = valueOf(event.alert_query)!;
  if (valueOf(event.alert_metric)) annotations.metric = valueOf(event.alert_metric)!;
  if (valueOf(event.alert_transition)) annotations.transition = valueOf(event.alert_transition)!;
  const at = instantOf(event.last_updated ?? event.date, now);
  const alert: NormalizedAlert = {
    source: 'datadog',
    fingerprint,
    status: resolved ? 'resolved' : 'firing',
    title,
    description: bodyText(event.body),
    sourceSeverity: severityOf(event, eventTitle),
    labels,
    annotations,
    links: links({ 'Datadog event': webLink(event.link), graph: webLink(event.snapshot) }),
    startsAt: resolved ? instantOf(event.date, now) : at,
    ...(resolved ? { endsAt: at } : {}),
  };
  if (alert.endsAt && alert.endsAt < alert.startsAt) alert.startsAt = alert.endsAt;
  return { source: 'datadog', alerts: [alert], raw: body, truncated: 0 };
}

function webLink(value: string | undefined): string | undefined {
  const link = valueOf(value);
  return link && /^https?:\/\//i.test(link) ? link : undefined;
}

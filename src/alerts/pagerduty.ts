import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { instant, links } from './alert-fields.js';
import type { AlertBatch, NormalizedAlert } from './alert.js';
import { maskRoutingKey, routingKeyHash } from './routing-key.js';

const linkSchema = z.object({ href: z.string(), text: z.string().optional() });
/** PagerDuty shows an image from `src`, linked to `href`; anything else in the array is ignored as PagerDuty does. */
const imageSchema = z.object({ src: z.string(), href: z.string().optional(), alt: z.string().optional() }).passthrough();
const webAddress = /^https?:\/\//i;

const payloadSchema = z.object({
  summary: z.string().min(1).max(1024),
  source: z.string().min(1).max(255),
  severity: z.enum(['critical', 'error', 'warning', 'info']),
  timestamp: instant.optional(),
  component: z.string().optional(),
  group: z.string().optional(),
  class: z.string().optional(),
  custom_details: z.unknown().optional(),
});

export const pagerDutySchema = z.discriminatedUnion('event_action', [
  z.object({
    routing_key: z.string().min(1),
    event_action: z.literal('trigger'),
    dedup_key: z.string().min(1).max(255).optional(),
    payload: payloadSchema,
    images: z.array(z.unknown()).optional(),
    links: z.array(linkSchema).optional(),
    client: z.string().optional(),
    client_url: z.string().optional(),
  }),
  z.object({
    routing_key: z.string().min(1),
    event_action: z.enum(['acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(255),
  }),
]);

export type PagerDutyEvent = z.infer<typeof pagerDutySchema>;

/**
 * PagerDuty Events API v2: one event per request. A trigger without dedup_key gets one, as PagerDuty
 * does. The routing key is a credential: the alert keeps its hash, the stored body only its start.
 */
export function normalizePagerDuty(body: unknown, now: Date): AlertBatch & { dedupKey: string } {
  const event = pagerDutySchema.parse(body);
  const raw = { ...(body as Record<string, unknown>), routing_key: maskRoutingKey(event.routing_key) };
  const keyHash = routingKeyHash(event.routing_key);
  if (event.event_action !== 'trigger') {
    const alert: NormalizedAlert = {
      source: 'pagerduty',
      fingerprint: event.dedup_key,
      status: event.event_action === 'resolve' ? 'resolved' : 'firing',
      title: '',
      labels: {},
      annotations: {},
      links: {},
      startsAt: now,
      endsAt: event.event_action === 'resolve' ? now : undefined,
      routingKey: event.routing_key,
      routingKeyHash: keyHash,
      eventOnly: event.event_action,
    };
    return { source: 'pagerduty', alerts: [alert], raw, truncated: 0, dedupKey: event.dedup_key };
  }
  const dedupKey = event.dedup_key ?? randomBytes(16).toString('hex');
  const { payload } = event;
  const labels: Record<string, string> = { source: payload.source };
  if (payload.component) labels.component = payload.component;
  if (payload.group) labels.group = payload.group;
  if (payload.class) labels.class = payload.class;
  const details = payload.custom_details;
  const annotations: Record<string, string> = {};
  if (details !== undefined) {
    if (details !== null && typeof details === 'object' && !Array.isArray(details)) {
      for (const [key, value] of Object.entries(details)) annotations[key] = typeof value === 'string' ? value : JSON.stringify(value);
    } else {
      annotations.details = typeof details === 'string' ? details : JSON.stringify(details);
    }
  }
  const linkEntries: Record<string, string> = {};
  for (const [index, link] of (event.links ?? []).entries()) linkEntries[link.text || `link ${index + 1}`] = link.href;
  // The card links an image (a graph, mostly) rather than embedding it: a chat client would fetch it from wherever it points.
  for (const [index, item] of (event.images ?? []).entries()) {
    const image = imageSchema.safeParse(item);
    if (!image.success || !webAddress.test(image.data.src)) continue;
    linkEntries[`image: ${image.data.alt || index + 1}`] = image.data.href && webAddress.test(image.data.href) ? image.data.href : image.data.src;
  }
  const alert: NormalizedAlert = {
    source: 'pagerduty',
    fingerprint: dedupKey,
    status: 'firing',
    title: payload.summary,
    sourceSeverity: payload.severity,
    labels,
    annotations,
    links: { ...links({ client: event.client_url }), ...linkEntries },
    startsAt: payload.timestamp ? new Date(payload.timestamp) : now,
    ...(payload.timestamp ? {} : { startsAtIsReceipt: true }),
    routingKey: event.routing_key,
    routingKeyHash: keyHash,
  };
  return { source: 'pagerduty', alerts: [alert], raw, truncated: 0, dedupKey };
}

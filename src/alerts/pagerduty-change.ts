import { z } from 'zod';
import { instant } from './alert-fields.js';
import type { NormalizedAlert } from './alert.js';
import { routingKeyHash } from './routing-key.js';

const linkSchema = z.object({ href: z.string(), text: z.string().optional() });

/** PagerDuty's change event (POST /v2/change/enqueue): a deploy or configuration change, never an alert. */
export const changeEventSchema = z.object({
  routing_key: z.string().min(1),
  payload: z.object({
    summary: z.string().min(1).max(1024),
    timestamp: instant.optional(),
    source: z.string().max(255).optional(),
    custom_details: z.unknown().optional(),
  }),
  links: z.array(linkSchema).max(50).optional(),
});

export interface ChangeEvent {
  summary: string;
  source?: string;
  at: Date;
  details?: unknown;
  links: Record<string, string>;
  routingKey: string;
  routingKeyHash: string;
  /** What routes match: the source, and the text fields of custom_details (service, team, ...). */
  labels: Record<string, string>;
}

const MAX_LABELS = 50;

export function normalizeChangeEvent(body: unknown, now: Date): ChangeEvent {
  const event = changeEventSchema.parse(body);
  const { payload } = event;
  const labels: Record<string, string> = {};
  const details = payload.custom_details;
  if (details && typeof details === 'object' && !Array.isArray(details)) {
    for (const [key, value] of Object.entries(details).slice(0, MAX_LABELS)) if (typeof value === 'string' && value.length <= 255) labels[key] = value;
  }
  if (payload.source) labels.source = payload.source;
  const links: Record<string, string> = {};
  for (const [index, link] of (event.links ?? []).entries()) links[link.text || `link ${index + 1}`] = link.href;
  return {
    summary: payload.summary,
    source: payload.source,
    at: payload.timestamp ? new Date(payload.timestamp) : now,
    details,
    links,
    routingKey: event.routing_key,
    routingKeyHash: routingKeyHash(event.routing_key),
    labels,
  };
}

/** The change as routes see it: an alert in shape only, so that the same routes pick its service and team. */
export function changeAsAlert(change: ChangeEvent): NormalizedAlert {
  return {
    source: 'pagerduty',
    fingerprint: `change:${change.routingKeyHash}`,
    status: 'firing',
    title: change.summary,
    labels: change.labels,
    annotations: {},
    links: change.links,
    startsAt: change.at,
    routingKey: change.routingKey,
  };
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { endNotBeforeStart, instant, links, parseEnd, stringMap } from './alert-fields.js';
import type { AlertBatch, NormalizedAlert } from './alert.js';

const genericAlertSchema = z
  .object({
    title: z.string().trim().min(1).max(500),
    status: z.enum(['firing', 'resolved']).default('firing'),
    severity: z.union([z.string().trim().min(1), z.number().int().min(1).max(4)]).optional(),
    service: z.string().trim().min(1).optional(),
    team: z.string().trim().min(1).optional(),
    description: z.string().max(20_000).optional(),
    fingerprint: z.string().trim().min(1).max(255).optional(),
    group: z.string().trim().min(1).max(255).optional(),
    labels: stringMap,
    annotations: stringMap,
    links: z.union([z.record(z.string(), z.string()), z.array(z.object({ href: z.string(), text: z.string().optional() }))]).optional(),
    starts_at: instant.optional(),
    ends_at: instant.optional(),
  })
  .strict()
  .superRefine(endNotBeforeStart({ start: 'starts_at', end: 'ends_at' }));

const genericListSchema = z.object({ alerts: z.array(genericAlertSchema).min(1).max(1_000) }).strict();

/** One alert, or {"alerts": [...]}; chosen by shape so that errors name the real field. */
export function parseGeneric(body: unknown) {
  if (Array.isArray(body)) {
    throw new AppError('validation_failed', 'The alert does not have the expected shape', {
      problems: [{ path: '(root)', message: 'expected one alert as an object, or several as {"alerts": [...]}; got a bare array' }],
    });
  }
  const isList = body !== null && typeof body === 'object' && 'alerts' in body;
  return isList ? genericListSchema.parse(body).alerts : [genericAlertSchema.parse(body)];
}

/** The bot's own JSON format, documented in the README. */
export function normalizeGeneric(body: unknown, now: Date): AlertBatch {
  const items = parseGeneric(body);
  const alerts = items.map((item): NormalizedAlert => {
    const labels = { ...item.labels };
    if (item.service) labels.service = item.service;
    if (item.team) labels.team = item.team;
    const severity = typeof item.severity === 'number' ? `sev${item.severity}` : item.severity;
    const linkMap = Array.isArray(item.links)
      ? Object.fromEntries(item.links.map((link, index) => [link.text || `link ${index + 1}`, link.href]))
      : (item.links ?? {});
    const startsAt = item.starts_at ? new Date(item.starts_at) : now;
    return {
      source: 'generic',
      fingerprint: item.fingerprint ?? fingerprintOf(labels, item.title),
      status: item.status,
      title: item.title,
      description: item.description,
      sourceSeverity: severity,
      labels,
      annotations: item.annotations,
      links: links(linkMap),
      startsAt,
      ...(item.starts_at ? {} : { startsAtIsReceipt: true }),
      ...(item.status === 'resolved' && !item.ends_at ? { endsAtIsReceipt: true } : {}),
      // Resolved on receipt, yet never before its own start (a sender whose clock runs ahead).
      endsAt: item.ends_at ? parseEnd(item.ends_at) : item.status === 'resolved' ? new Date(Math.max(now.getTime(), startsAt.getTime())) : undefined,
      sourceGroupKey: item.group,
    };
  });
  return { source: 'generic', alerts, raw: body, truncated: 0 };
}

/** Labels that say where an alert belongs, not which alert it is: alone, they leave that to the title. */
const PLACEMENT_LABELS = new Set(['service', 'team']);

/**
 * Without a fingerprint, labels identify the alert, as Prometheus labels do: the same labels are
 * the same alert, however its title is worded. Labels that only place it (service, team) do not:
 * then the title does, with them. By service alone, every alert of a service merged into one,
 * each overwriting the last. Alerts stored under that old default got this one by migration
 * 20261206090000_generic_fingerprint_title.
 */
export function fingerprintOf(labels: Record<string, string>, title: string): string {
  const keys = Object.keys(labels).sort();
  const byLabels = keys.some((key) => !PLACEMENT_LABELS.has(key));
  const identity = [...(byLabels ? [] : [`title=${title}`]), ...keys.map((k) => `${k}=${labels[k]}`)].join('\n');
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AlertBatch, NormalizedAlert } from './alert.js';
import { routingKeyHash } from './routing-key.js';

/** Opsgenie's own limits (Alert API, "Create alert"); a longer message is cut, as Opsgenie cuts it. */
export const OPSGENIE_LIMITS = { message: 130, alias: 512, description: 15_000, entity: 512, source: 100, user: 100, note: 25_000, tags: 20, tag: 50, actions: 10, action: 50, responders: 50, details: 8_000 };

const PRIORITIES = ['P1', 'P2', 'P3', 'P4', 'P5'] as const;

/** Opsgenie keeps a message's first 130 characters (Alertmanager cuts it there itself). */
const message = z
  // Opsgenie answers a missing message as it answers an empty one.
  .string({ error: (issue) => (issue.input === undefined ? 'Message can not be empty.' : 'Message must be a string.') })
  .trim()
  .min(1, 'Message can not be empty.')
  .transform((text) => {
    const characters = [...text];
    return characters.length > OPSGENIE_LIMITS.message ? characters.slice(0, OPSGENIE_LIMITS.message).join('') : text;
  });

const responderSchema = z
  .object({
    type: z.enum(['team', 'user', 'escalation', 'schedule']),
    id: z.string().max(200).optional(),
    name: z.string().max(200).optional(),
    username: z.string().max(200).optional(),
  })
  .refine((r) => r.id || r.name || r.username, 'a responder needs an id, a name or a username');

/** Opsgenie's "Create alert" body. Its fields are strings; unknown fields are ignored, as Opsgenie ignores them. */
export const opsgenieCreateSchema = z.object({
  message,
  alias: z.string().min(1).max(OPSGENIE_LIMITS.alias).optional(),
  description: z.string().max(OPSGENIE_LIMITS.description).optional(),
  responders: z.array(responderSchema).max(OPSGENIE_LIMITS.responders).optional(),
  visibleTo: z.array(z.unknown()).optional(),
  actions: z.array(z.string().max(OPSGENIE_LIMITS.action)).max(OPSGENIE_LIMITS.actions).optional(),
  tags: z.array(z.string().max(OPSGENIE_LIMITS.tag)).max(OPSGENIE_LIMITS.tags).optional(),
  details: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
    .optional()
    .refine((details) => !details || Object.entries(details).reduce((sum, [k, v]) => sum + k.length + v.length, 0) <= OPSGENIE_LIMITS.details, `details may hold at most ${OPSGENIE_LIMITS.details} characters`),
  entity: z.string().max(OPSGENIE_LIMITS.entity).optional(),
  source: z.string().max(OPSGENIE_LIMITS.source).optional(),
  priority: z.enum(PRIORITIES, { message: `Priority should be one of [${PRIORITIES.join(', ')}]` }).optional(),
  user: z.string().max(OPSGENIE_LIMITS.user).optional(),
  note: z.string().max(OPSGENIE_LIMITS.note).optional(),
});

/** The body of close, acknowledge and add-note requests (and of Alertmanager's close: just `source`). */
export const opsgenieActionSchema = z.object({
  user: z.string().max(OPSGENIE_LIMITS.user).optional(),
  source: z.string().max(OPSGENIE_LIMITS.source).optional(),
  note: z.string().max(OPSGENIE_LIMITS.note).optional(),
});

export const opsgenieNoteSchema = opsgenieActionSchema.extend({ note: z.string().trim().min(1, 'Note can not be empty.').max(OPSGENIE_LIMITS.note) });

export const opsgenieUpdateMessageSchema = opsgenieActionSchema.extend({ message });
export const opsgenieUpdateDescriptionSchema = opsgenieActionSchema.extend({ description: z.string().max(OPSGENIE_LIMITS.description) });

/** The identifier in /v2/alerts/{identifier}/...: Opsgenie's alert id, its alias, or its tiny id. */
export const IDENTIFIER_TYPES = ['id', 'alias', 'tiny'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

function responderText(r: z.infer<typeof responderSchema>): string {
  return `${r.type} ${r.name ?? r.username ?? r.id}`;
}

/**
 * Opsgenie's "Create alert" as an alert. The alias is the identity (dedup), as in Opsgenie;
 * without one each request is an alert of its own. Details are the labels routes match (Alertmanager
 * sends its common labels there); a team responder names the team when the details do not.
 */
export function normalizeOpsgenieCreate(body: unknown, key: string, now: Date): AlertBatch & { alias: string } {
  const create = opsgenieCreateSchema.parse(body);
  const alias = create.alias ?? randomUUID();
  const labels: Record<string, string> = { ...(create.details ?? {}) };
  if (create.entity && labels.entity === undefined) labels.entity = create.entity;
  if (create.source && labels.source === undefined) labels.source = create.source;
  if (create.tags?.length && labels.tags === undefined) labels.tags = create.tags.join(',');
  const team = create.responders?.find((r) => r.type === 'team' && r.name);
  if (team && labels.team === undefined) labels.team = team.name!;
  const annotations: Record<string, string> = {};
  if (create.note) annotations.note = create.note;
  if (create.user) annotations.user = create.user;
  if (create.actions?.length) annotations.actions = create.actions.join(', ');
  if (create.responders?.length) annotations.responders = create.responders.map(responderText).join(', ');
  const alert: NormalizedAlert = {
    source: 'opsgenie',
    fingerprint: alias,
    status: 'firing',
    title: create.message,
    ...(create.description ? { description: create.description } : {}),
    sourceSeverity: create.priority ?? 'P3',
    labels,
    annotations,
    links: {},
    startsAt: now,
    startsAtIsReceipt: true,
    routingKey: key,
    routingKeyHash: routingKeyHash(key),
  };
  return { source: 'opsgenie', alerts: [alert], raw: body, truncated: 0, alias };
}

/** Close (resolve) or acknowledge by alias: the same events PagerDuty's acknowledge and resolve are. */
export function opsgenieEvent(alias: string, action: 'acknowledge' | 'resolve', key: string, now: Date): NormalizedAlert {
  return {
    source: 'opsgenie',
    fingerprint: alias,
    status: action === 'resolve' ? 'resolved' : 'firing',
    title: '',
    labels: {},
    annotations: {},
    links: {},
    startsAt: now,
    ...(action === 'resolve' ? { endsAt: now } : {}),
    routingKey: key,
    routingKeyHash: routingKeyHash(key),
    eventOnly: action,
  };
}

import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { maskRoutingKey, weakRoutingKeyReason } from '../alerts/routing-key.js';
import { DEFAULT_CONFIG_FILE_LIMITS, type ConfigFileLimits } from '../config-files/config-file-limits.js';
import { checkConfigDocument } from '../config-files/check-config-document.js';
import { formatConfigFileProblem, type ConfigFileProblem } from '../config-files/config-file-problem.js';
import { asArray, asRecord, asString, hasKey } from '../config-files/plain-data.js';
import { readConfigFile } from '../config-files/read-config-file.js';
import type { YamlShapeLimits } from '../config-files/yaml-shape.js';
import { parseDuration } from '../time/duration.js';
import { isWebUrl } from '../chat/web-url.js';
import { addressFieldFor as addressFor, CONTACT_VIAS, hasAddressFor, type ContactVia } from '../paging/contact-methods.js';
import {
  BUILTIN_SEVERITY_MAP,
  emptyOncallConfig,
  lookupTable,
  type EscalationTarget,
  type OncallConfig,
  type PersonConfig,
  type RouteConfig,
  type Severity,
} from './oncall-config.js';

/** One problem in oncall.yaml, located the way editors and CI annotate: file:line:col path: message. */
export type OncallFileProblem = ConfigFileProblem;

/**
 * How many entries oncall.yaml may list, checked before anything walks them: far above any real
 * organisation, far below what makes every reload, route match and rotation sum crawl.
 */
export const ONCALL_LIMITS = { people: 3000, teams: 500, schedules: 200, escalation_policies: 200, routes: 500, heartbeats: 500, maintenance: 200, overrides: 2000 } as const;
/** Room for the people above with all their fields and a few hundred teams, schedules and routes; parsing runs on the thread that answers /healthz. */
export const ONCALL_SHAPE: YamlShapeLimits = { what: 'oncall.yaml', maxLines: 50_000, maxValues: 50_000, maxDepth: 20 };
/** Per schedule and per escalation policy. */
export const MAX_LAYERS = 10;
export const MAX_LEVELS = 20;

export class OncallFileError extends Error {
  readonly code = 'oncall_invalid';
  constructor(readonly problems: OncallFileProblem[]) {
    super(`${problems.length} problem(s) in oncall.yaml:\n${problems.map(formatProblem).join('\n')}`);
  }
}

export const formatProblem = formatConfigFileProblem;

const key = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, 'keys are letters, digits, dots, dashes and underscores');
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time such as 09:00');
const zone = z.string().refine((value) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Europe/Berlin');
const duration = z.string().refine((value) => parseDuration(value) !== undefined, 'must be a duration such as 5m or 1h30m');
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const weekday = z.enum([...WEEKDAYS, 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
const severity = z.union([z.number().int().min(1).max(4), z.string().regex(/^sev[1-4]$/i, 'must be 1-4 or sev1..sev4')]);

/** A person's notification rules hold at most this many steps per urgency. */
export const MAX_NOTIFY_STEPS = 10;
const notifyStep = z.object({ via: z.enum(CONTACT_VIAS), after: duration.default('0m') }).strict();
const notifySteps = z.array(notifyStep).max(MAX_NOTIFY_STEPS, `at most ${MAX_NOTIFY_STEPS} steps`);

const personSchema = z
  .object({
    name: z.string().min(1),
    email: z.email().optional(),
    slack: z.string().regex(/^[UW][A-Z0-9]+$/, 'must be a Slack user id such as U012ABCDEF').optional(),
    discord: z.string().regex(/^\d{5,}$/, 'must be a Discord user id (digits)').optional(),
    mattermost: z.string().regex(/^[a-z0-9]{26}$/, 'must be a Mattermost user id: 26 lowercase letters and digits (System Console > Users, or GET /api/v4/users/username/<name>)').optional(),
    teams: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be the person\'s Microsoft Entra object id, such as 6f2a51a8-54d4-4f5e-9c36-0d6b7b1f3a55').transform((id) => id.toLowerCase()).optional(),
    phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number: + then the country code and number, no spaces (+4915112345678)').optional(),
    ntfy_topic: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an ntfy topic: letters, digits, _ and -, at most 64').optional(),
    webhook: z.string().refine(isWebUrl, 'must be an http(s) URL').optional(),
    notify: z.object({ high: notifySteps.optional(), low: notifySteps.optional() }).strict().optional(),
    quiet_hours: z.object({ from: hhmm, to: hhmm }).strict().optional(),
    timezone: zone.default('UTC'),
    roles: z.array(z.enum(['manager', 'admin'])).default([]),
  })
  .strict();

const teamSchema = z
  .object({
    name: z.string().min(1),
    members: z.array(key).default([]),
    services: z.array(z.string().min(1)).default([]),
    channel: z.string().optional(),
    escalation_policy: key.optional(),
    schedules: z.array(key).default([]),
    /** Told when a cover request of the team stays open. */
    lead: key.optional(),
  })
  .strict();

const restrictionSchema = z.object({ days: z.array(weekday).min(1), from: hhmm, to: hhmm }).strict();

const layerSchema = z
  .object({
    name: z.string().optional(),
    participants: z.array(key).default([]),
    rotation: z.union([z.enum(['daily', 'weekly']), z.object({ every: duration }).strict()]),
    handoff: hhmm.default('09:00'),
    handoff_day: weekday.optional(),
    start: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2026-01-05'),
    restrictions: z.array(restrictionSchema).default([]),
  })
  .strict();

const scheduleSchema = z
  .object({
    name: z.string().optional(),
    timezone: zone.default('UTC'),
    /** A Slack user group (@payments-oncall) whose members follow the rotation. */
    slack_user_group: z.string().regex(/^@?[a-z0-9][a-z0-9._-]{0,79}$/, 'must be a Slack user group handle such as @payments-oncall').optional(),
    layers: z.array(layerSchema).min(1).max(MAX_LAYERS, `at most ${MAX_LAYERS} layers`),
  })
  .strict();

const targetSchema = z.union([
  z.object({ schedule: key }).strict(),
  z.object({ person: key }).strict(),
  z.object({ team: key }).strict(),
]);

const policySchema = z
  .object({
    name: z.string().optional(),
    repeat: z.number().int().min(0).max(10).default(0),
    levels: z
      .array(z.object({ targets: z.array(targetSchema).min(1), delay: duration.default('5m') }).strict())
      .min(1)
      .max(MAX_LEVELS, `at most ${MAX_LEVELS} levels`),
  })
  .strict();

const matchSchema = z
  .object({
    labels: z.record(z.string(), z.string()).default({}),
    label_regex: z.record(z.string(), z.string()).default({}),
    sources: z.array(z.enum(['alertmanager', 'grafana', 'pagerduty', 'opsgenie', 'datadog', 'cloudwatch', 'generic', 'heartbeat'])).optional(),
  })
  .strict();

const routeFields = {
  match: matchSchema.default({ labels: {}, label_regex: {} }),
  team: key.optional(),
  service: z.string().optional(),
  severity: severity.optional(),
  escalation_policy: key.optional(),
  playbook: z.string().optional(),
  private: z.boolean().default(false),
  group_by: z.array(z.string()).optional(),
  heartbeat: key.optional(),
};

const cronText = z.string().refine((value) => {
  try {
    CronExpressionParser.parse(value);
    return value.trim().split(/\s+/).length === 5;
  } catch {
    return false;
  }
}, 'must be a five-field cron expression (minute hour day-of-month month day-of-week), such as "0 2 * * *"');

const maintenanceSchema = z
  .object({
    match: z
      .object({ service: z.string().min(1).optional(), team: key.optional(), labels: z.record(z.string(), z.string()).optional() })
      .strict()
      .refine((m) => m.service !== undefined || m.team !== undefined || (m.labels && Object.keys(m.labels).length > 0), 'give service, team or labels: what the window holds'),
    cron: cronText,
    timezone: zone.default('UTC'),
    duration: duration.refine((value) => parseDuration(value)! >= 60_000 && parseDuration(value)! <= 7 * 86_400_000, 'must be from 1m to 7d'),
    reason: z.string().min(1).max(300),
  })
  .strict();

const heartbeatSchema = z
  .object({
    interval: duration.refine((value) => parseDuration(value)! >= 10_000, 'must be at least 10s'),
    grace: duration.optional(),
    labels: z.record(z.string(), z.string()).default({}),
    severity: z.string().min(1).default('sev2'),
  })
  .strict();

/** Planned leave: someone else on call for a schedule over a stretch, known in advance. */
const plannedOverrideSchema = z
  .object({
    schedule: key,
    person: key,
    from: z.iso.datetime({ offset: true, message: 'must be an instant with its offset, such as 2026-12-24T09:00:00+01:00' }),
    to: z.iso.datetime({ offset: true, message: 'must be an instant with its offset, such as 2026-12-27T09:00:00+01:00' }),
    reason: z.string().max(300).optional(),
  })
  .strict()
  .refine((o) => Date.parse(o.to) > Date.parse(o.from), { message: 'must end after it starts', path: ['to'] });

const fileSchema = z
  .object({
    people: z.record(key, personSchema).default({}),
    teams: z.record(key, teamSchema).default({}),
    schedules: z.record(key, scheduleSchema).default({}),
    escalation_policies: z.record(key, policySchema).default({}),
    routes: z.array(z.object({ id: key, ...routeFields }).strict()).default([]),
    default_route: z.object(routeFields).strict().optional(),
    severity_map: z.record(z.string(), severity).default({}),
    pagerduty_routing_keys: z.record(z.string(), key).default({}),
    opsgenie_keys: z.record(z.string(), key).default({}),
    heartbeats: z.record(key, heartbeatSchema).default({}),
    maintenance: z.record(key, maintenanceSchema).default({}),
    overrides: z.array(plannedOverrideSchema).default([]),
  })
  .strict();

type OncallFile = z.infer<typeof fileSchema>;

/**
 * Reads and checks oncall.yaml. A missing file is the empty configuration; a broken one, or one
 * that is not a regular file or is over `limits.maxBytes`, throws OncallFileError (and nothing else).
 */
export function loadOncallFile(path: string, limits: ConfigFileLimits = DEFAULT_CONFIG_FILE_LIMITS): { config: OncallConfig; missing: boolean } {
  const read = readConfigFile(path, limits.maxBytes);
  if (read.kind === 'missing') return { config: emptyOncallConfig(), missing: true };
  if (read.kind === 'refused') throw new OncallFileError([read.problem]);
  return { config: parseOncallYaml(read.text, path), missing: false };
}

/** Checks oncall.yaml's text and reports every problem in one pass: the schema's and the cross references, top to bottom. */
export function parseOncallYaml(text: string, file = 'oncall.yaml'): OncallConfig {
  const checked = checkConfigDocument(text, file, {
    shape: ONCALL_SHAPE,
    counts: Object.entries(ONCALL_LIMITS).map(([section, max]) => ({ section, max, message: (count: number) => `${count} entries under ${section}: oncall.yaml lists at most ${max}` })),
    schema: fileSchema,
    crossChecks: crossReferences,
    shownPath,
  });
  if (!checked.ok) throw new OncallFileError(checked.problems);
  return toConfig(checked.data);
}

/** A path as problems show it: routing keys are credentials, so only their first characters. */
function shownPath(path: readonly PropertyKey[]): readonly PropertyKey[] {
  return (path[0] === 'pagerduty_routing_keys' || path[0] === 'opsgenie_keys') && typeof path[1] === 'string' ? [path[0], maskRoutingKey(path[1]), ...path.slice(2)] : path;
}

/**
 * References between entries (members, participants, targets, routes), read leniently from the
 * parsed document: they are reported in the same pass as the schema's problems, and a name counts
 * as declared even where its entry has problems of its own.
 */
function crossReferences(raw: unknown): [(string | number)[], string][] {
  const problems: [(string | number)[], string][] = [];
  const file = asRecord(raw);
  const people = asRecord(file.people);
  const teams = asRecord(file.teams);
  const schedules = asRecord(file.schedules);
  const policies = asRecord(file.escalation_policies);
  const names = (list: unknown) => asArray(list).flatMap((item, i) => (typeof item === 'string' ? [[item, i] as const] : []));
  for (const [personKey, rawPerson] of Object.entries(people)) {
    const person = asRecord(rawPerson);
    const addresses = { slackId: asString(person.slack), discordId: asString(person.discord), mattermostId: asString(person.mattermost), teamsId: asString(person.teams), email: asString(person.email), phone: asString(person.phone), ntfyTopic: asString(person.ntfy_topic), webhookUrl: asString(person.webhook) };
    for (const urgency of ['high', 'low'] as const) {
      asArray(asRecord(person.notify)[urgency]).forEach((rawStep, i) => {
        const via = asString(asRecord(rawStep).via);
        if (via && (CONTACT_VIAS as readonly string[]).includes(via) && !hasAddressFor(addresses, via as ContactVia)) {
          problems.push([['people', personKey, 'notify', urgency, i, 'via'], `${via} needs ${addressFor(via as ContactVia)} on this person`]);
        }
      });
    }
  }
  for (const [teamKey, rawTeam] of Object.entries(teams)) {
    const team = asRecord(rawTeam);
    for (const [member, i] of names(team.members)) if (!hasKey(people, member)) problems.push([['teams', teamKey, 'members', i], `no person "${member}" under people`]);
    for (const [s, i] of names(team.schedules)) if (!hasKey(schedules, s)) problems.push([['teams', teamKey, 'schedules', i], `no schedule "${s}" under schedules`]);
    const lead = asString(team.lead);
    if (lead !== undefined && !hasKey(people, lead)) problems.push([['teams', teamKey, 'lead'], `no person "${lead}" under people`]);
    const policy = asString(team.escalation_policy);
    if (policy && !hasKey(policies, policy)) problems.push([['teams', teamKey, 'escalation_policy'], `no escalation policy "${policy}"`]);
  }
  for (const [scheduleKey, schedule] of Object.entries(schedules)) {
    asArray(asRecord(schedule).layers).forEach((rawLayer, l) => {
      const layer = asRecord(rawLayer);
      for (const [p, i] of names(layer.participants)) if (!hasKey(people, p)) problems.push([['schedules', scheduleKey, 'layers', l, 'participants', i], `no person "${p}" under people`]);
      if (layer.rotation === 'weekly' && !layer.handoff_day) problems.push([['schedules', scheduleKey, 'layers', l], 'a weekly rotation needs handoff_day']);
      // A start that is not even shaped like a date is the schema's problem.
      const start = asString(layer.start);
      if (start && /^\d{4}-\d{2}-\d{2}$/.test(start) && Number.isNaN(Date.parse(start))) problems.push([['schedules', scheduleKey, 'layers', l, 'start'], `not a real date: ${start}`]);
    });
  }
  for (const [policyKey, policy] of Object.entries(policies)) {
    asArray(asRecord(policy).levels).forEach((level, l) =>
      asArray(asRecord(level).targets).forEach((rawTarget, t) => {
        const target = asRecord(rawTarget);
        const where = ['escalation_policies', policyKey, 'levels', l, 'targets', t];
        const [schedule, person, team] = [asString(target.schedule), asString(target.person), asString(target.team)];
        if (schedule !== undefined && !hasKey(schedules, schedule)) problems.push([where, `no schedule "${schedule}"`]);
        if (person !== undefined && !hasKey(people, person)) problems.push([where, `no person "${person}"`]);
        if (team !== undefined && !hasKey(teams, team)) problems.push([where, `no team "${team}"`]);
      }),
    );
  }
  const routes = [
    ...asArray(file.routes).map((route, i) => [['routes', i], asRecord(route)] as const),
    ...(file.default_route === undefined ? [] : [[['default_route'], asRecord(file.default_route)] as const]),
  ];
  const ids = new Set<string>();
  for (const [where, route] of routes) {
    const id = where[0] === 'routes' ? asString(route.id) : undefined;
    if (id !== undefined) {
      if (ids.has(id)) problems.push([[...where, 'id'], `duplicate route id "${id}"`]);
      ids.add(id);
    }
    const heartbeat = asString(route.heartbeat);
    if (heartbeat !== undefined && !hasKey(asRecord(file.heartbeats), heartbeat)) problems.push([[...where, 'heartbeat'], `no heartbeat "${heartbeat}" under heartbeats`]);
    const [team, policy] = [asString(route.team), asString(route.escalation_policy)];
    if (team && !hasKey(teams, team)) problems.push([[...where, 'team'], `no team "${team}"`]);
    if (policy && !hasKey(policies, policy)) problems.push([[...where, 'escalation_policy'], `no escalation policy "${policy}"`]);
    for (const [label, pattern] of Object.entries(asRecord(asRecord(route.match).label_regex))) {
      if (typeof pattern !== 'string') continue;
      try {
        new RegExp(pattern);
      } catch (error) {
        problems.push([[...where, 'match', 'label_regex', label], `bad regular expression: ${(error as Error).message}`]);
      }
    }
  }
  asArray(file.overrides).forEach((rawOverride, i) => {
    const override = asRecord(rawOverride);
    const [schedule, person] = [asString(override.schedule), asString(override.person)];
    if (schedule !== undefined && !hasKey(schedules, schedule)) problems.push([['overrides', i, 'schedule'], `no schedule "${schedule}" under schedules`]);
    if (person !== undefined && !hasKey(people, person)) problems.push([['overrides', i, 'person'], `no person "${person}" under people`]);
  });
  for (const [windowKey, window] of Object.entries(asRecord(file.maintenance))) {
    const team = asString(asRecord(asRecord(window).match).team);
    if (team !== undefined && !hasKey(teams, team)) problems.push([['maintenance', windowKey, 'match', 'team'], `no team "${team}"`]);
  }
  for (const [routingKey, routeId] of Object.entries(asRecord(file.pagerduty_routing_keys))) {
    if (typeof routeId === 'string' && !ids.has(routeId) && routeId !== 'default') problems.push([['pagerduty_routing_keys', routingKey], `no route "${routeId}"`]);
    const weak = weakRoutingKeyReason(routingKey);
    if (weak) problems.push([['pagerduty_routing_keys', routingKey], `this routing key ${weak}`]);
  }
  for (const [apiKey, routeId] of Object.entries(asRecord(file.opsgenie_keys))) {
    if (typeof routeId === 'string' && !ids.has(routeId) && routeId !== 'default') problems.push([['opsgenie_keys', apiKey], `no route "${routeId}"`]);
    const weak = weakRoutingKeyReason(apiKey, 'opsgenie');
    if (weak) problems.push([['opsgenie_keys', apiKey], `this API key ${weak}`]);
  }
  return problems;
}

const toSeverity = (value: number | string): Severity => (typeof value === 'number' ? value : Number(value.slice(3))) as Severity;
const weekdayNumber = (day: string) => WEEKDAYS.findIndex((d) => d.startsWith(day.slice(0, 3).toLowerCase())) + 1;

function toRoute(id: string, route: Omit<OncallFile['routes'][number], 'id'>): RouteConfig {
  return {
    id,
    match: {
      labels: route.match.labels,
      labelRegex: Object.fromEntries(Object.entries(route.match.label_regex).map(([label, pattern]) => [label, new RegExp(pattern)])),
      sources: route.match.sources,
    },
    team: route.team,
    service: route.service,
    severity: route.severity === undefined ? undefined : toSeverity(route.severity),
    escalationPolicy: route.escalation_policy,
    playbook: route.playbook,
    private: route.private,
    groupBy: route.group_by,
    heartbeat: route.heartbeat,
  };
}

/** Rules as written; an urgency the person left out keeps the default steps for it. */
function rulesOf(notify: NonNullable<OncallFile['people'][string]['notify']>): PersonConfig['notify'] {
  const steps = (list: { via: ContactVia; after: string }[] | undefined) => list?.map((step) => ({ via: step.via, afterMs: parseDuration(step.after)! }));
  return { high: steps(notify.high), low: steps(notify.low) };
}

function toConfig(file: OncallFile): OncallConfig {
  const config = emptyOncallConfig();
  for (const [k, p] of Object.entries(file.people)) {
    config.people[k] = {
      key: k, name: p.name, email: p.email, slackId: p.slack, discordId: p.discord, mattermostId: p.mattermost, teamsId: p.teams, timeZone: p.timezone, roles: p.roles,
      phone: p.phone, ntfyTopic: p.ntfy_topic, webhookUrl: p.webhook,
      notify: p.notify ? rulesOf(p.notify) : undefined,
      quietHours: p.quiet_hours,
    };
  }
  for (const [k, t] of Object.entries(file.teams)) {
    config.teams[k] = { key: k, name: t.name, members: t.members, services: t.services, channel: t.channel, escalationPolicy: t.escalation_policy, schedules: t.schedules, ...(t.lead ? { lead: t.lead } : {}) };
  }
  for (const [k, s] of Object.entries(file.schedules)) {
    config.schedules[k] = {
      key: k,
      name: s.name ?? k,
      timeZone: s.timezone,
      ...(s.slack_user_group ? { slackUserGroup: s.slack_user_group.replace(/^@/, '') } : {}),
      layers: s.layers.map((layer, i) => ({
        name: layer.name ?? `layer ${i + 1}`,
        participants: layer.participants,
        rotation: typeof layer.rotation === 'string' ? { kind: layer.rotation } : { kind: 'every', ms: parseDuration(layer.rotation.every)! },
        handoffTime: layer.handoff,
        handoffWeekday: layer.handoff_day ? weekdayNumber(layer.handoff_day) : undefined,
        start: layer.start,
        restrictions: layer.restrictions.map((r) => ({ weekdays: r.days.map(weekdayNumber), from: r.from, to: r.to })),
      })),
    };
  }
  for (const [k, p] of Object.entries(file.escalation_policies)) {
    config.escalationPolicies[k] = {
      key: k,
      name: p.name ?? k,
      repeat: p.repeat,
      levels: p.levels.map((level) => ({
        delayMs: parseDuration(level.delay)!,
        targets: level.targets.map(
          (t): EscalationTarget => ('schedule' in t ? { kind: 'schedule', key: t.schedule } : 'person' in t ? { kind: 'person', key: t.person } : { kind: 'team', key: t.team }),
        ),
      })),
    };
  }
  config.routes = file.routes.map((route) => toRoute(route.id, route));
  if (file.default_route) config.defaultRoute = toRoute('default', file.default_route);
  config.severityMap = lookupTable({ ...BUILTIN_SEVERITY_MAP, ...Object.fromEntries(Object.entries(file.severity_map).map(([word, sev]) => [word.toLowerCase(), toSeverity(sev)])) });
  config.routingKeys = lookupTable(file.pagerduty_routing_keys);
  config.opsgenieKeys = lookupTable(file.opsgenie_keys);
  for (const [name, h] of Object.entries(file.heartbeats)) {
    const intervalMs = parseDuration(h.interval)!;
    // Without a grace, one whole interval more: a beat that is merely late is not an outage.
    config.heartbeats[name] = { name, intervalMs, graceMs: h.grace === undefined ? intervalMs : parseDuration(h.grace)!, labels: h.labels, severity: h.severity };
  }
  // Written in the file long before: any override set from chat over the same stretch wins.
  config.plannedOverrides = file.overrides.map((o) => ({ scheduleKey: o.schedule, personKey: o.person, startsAt: new Date(o.from), endsAt: new Date(o.to), createdAt: new Date(0), reason: o.reason }));
  for (const [k, m] of Object.entries(file.maintenance)) {
    config.maintenance[k] = { key: k, matcher: m.match, cron: m.cron.trim(), timeZone: m.timezone, durationMs: parseDuration(m.duration)!, reason: m.reason };
  }
  return config;
}

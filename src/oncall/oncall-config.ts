import type { ScheduleOverride } from './on-call-at.js';
import type { NotifyStep, QuietHours } from '../paging/contact-methods.js';
/**
 * oncall.yaml as the rest of the bot sees it once loaded and validated: people, teams,
 * schedules, escalation policies and the alert routes. Keys are the names used in the file.
 */

export type Severity = 1 | 2 | 3 | 4;

export interface PersonConfig {
  key: string;
  name: string;
  email?: string;
  slackId?: string;
  discordId?: string;
  mattermostId?: string;
  teamsId?: string;
  /** IANA zone, default UTC. */
  timeZone: string;
  /** Bot roles: "manager", "admin" (everyone is a responder of their teams). */
  roles: string[];
  /** E.164 number for SMS and voice calls. */
  phone?: string;
  ntfyTopic?: string;
  webhookUrl?: string;
  /** The person's own rules; an urgency left out (or the whole) falls back to the defaults. */
  notify?: { high?: NotifyStep[]; low?: NotifyStep[] };
  quietHours?: QuietHours;
}

export interface TeamConfig {
  key: string;
  name: string;
  /** Person keys. */
  members: string[];
  services: string[];
  /** Chat channel of the team (name or id), optional. */
  channel?: string;
  /** Escalation policy key used for this team's incidents unless a route names another. */
  escalationPolicy?: string;
  /** Person key told when a cover request of the team stays open. */
  lead?: string;
  /** Schedule keys that say who of this team is on call (for /oncall <team>). */
  schedules: string[];
}

export type Rotation = { kind: 'daily' } | { kind: 'weekly' } | { kind: 'every'; ms: number };

export interface Restriction {
  /** Luxon weekday numbers, 1 = Monday ... 7 = Sunday. */
  weekdays: number[];
  /** "HH:mm" local to the schedule; `to` <= `from` means the window crosses midnight. */
  from: string;
  to: string;
}

export interface LayerConfig {
  name: string;
  /** Person keys in rotation order. */
  participants: string[];
  rotation: Rotation;
  /** "HH:mm" in the schedule's zone. */
  handoffTime: string;
  /** For weekly rotations: 1 = Monday ... 7 = Sunday. */
  handoffWeekday?: number;
  /** ISO date (yyyy-mm-dd) in the schedule's zone: the first participant's first shift starts then. */
  start: string;
  restrictions: Restriction[];
}

export interface ScheduleConfig {
  key: string;
  name: string;
  timeZone: string;
  /** A Slack user group handle (without @) whose members are set to whoever is on call. */
  slackUserGroup?: string;
  /** Lowest first: a later layer wins wherever it has someone. */
  layers: LayerConfig[];
}

export type EscalationTarget = { kind: 'schedule'; key: string } | { kind: 'person'; key: string } | { kind: 'team'; key: string };

export interface EscalationLevel {
  targets: EscalationTarget[];
  /** Wait before moving on to the next level, in ms. */
  delayMs: number;
}

export interface EscalationPolicyConfig {
  key: string;
  name: string;
  levels: EscalationLevel[];
  /** How many more times the whole policy runs after the last level (0 = once). */
  repeat: number;
}

export interface RouteMatch {
  /** Label equality. */
  labels: Record<string, string>;
  /** Label regular expressions (anchored: the whole value must match). */
  labelRegex: Record<string, RegExp>;
  /** Limit to alert sources ("alertmanager", "grafana", "pagerduty", "generic"). */
  sources?: string[];
}

export interface RouteConfig {
  id: string;
  match: RouteMatch;
  team?: string;
  service?: string;
  /** Fixed severity for the route; else mapped from the alert's own severity. */
  severity?: Severity;
  escalationPolicy?: string;
  playbook?: string;
  /** Security incidents and the like: private channel, minimal announcement. */
  private: boolean;
  /** Labels whose values group alerts into one incident; else the source's own group key. */
  groupBy?: string[];
  /** The alerts of this route are beats of this heartbeat (Prometheus' always-firing Watchdog), not incidents. */
  heartbeat?: string;
}

/** A heartbeat: something that must check in every `intervalMs`; silence for longer (plus grace) opens an incident. */
export interface HeartbeatConfig {
  name: string;
  intervalMs: number;
  graceMs: number;
  /** Added to the missed-heartbeat alert, so routes match it as any alert (team, service, ...). */
  labels: Record<string, string>;
  /** The severity word of that alert (sev1..sev4, critical, ...), read through the severity map. */
  severity: string;
}

export interface OncallConfig {
  people: Record<string, PersonConfig>;
  teams: Record<string, TeamConfig>;
  schedules: Record<string, ScheduleConfig>;
  escalationPolicies: Record<string, EscalationPolicyConfig>;
  /** Tried in order; the first match wins. */
  routes: RouteConfig[];
  /** Where unmatched alerts go: never dropped. */
  defaultRoute: RouteConfig;
  /** Source severity words (lowercased) to SEV numbers, merged over the built-in map. */
  severityMap: Record<string, Severity>;
  /** PagerDuty Events v2 routing_key -> route id. */
  routingKeys: Record<string, string>;
  /** Opsgenie API key (GenieKey) -> route id. */
  opsgenieKeys: Record<string, string>;
  heartbeats: Record<string, HeartbeatConfig>;
  /** Recurring maintenance windows (`maintenance:`), by key. */
  maintenance: Record<string, RecurringMaintenance>;
  /** Planned leave written in the file (`overrides:`); those set from chat are in the database. */
  plannedOverrides: (ScheduleOverride & { reason?: string })[];
}

/** A maintenance window that comes back on a schedule: a cron expression read in a time zone. */
export interface RecurringMaintenance {
  key: string;
  matcher: { service?: string; team?: string; labels?: Record<string, string> };
  cron: string;
  timeZone: string;
  durationMs: number;
  reason: string;
}

export const BUILTIN_SEVERITY_MAP: Record<string, Severity> = {
  critical: 1,
  p1: 1,
  sev1: 1,
  page: 1,
  high: 2,
  error: 2,
  major: 2,
  p2: 2,
  sev2: 2,
  warning: 3,
  warn: 3,
  medium: 3,
  minor: 3,
  p3: 3,
  sev3: 3,
  info: 4,
  low: 4,
  p4: 4,
  p5: 4,
  sev4: 4,
};

/**
 * A map looked up by words people and senders type (a team in `/oncall valueOf`, a severity
 * "constructor"): without a prototype, such a word finds nothing instead of Object's methods.
 */
export function lookupTable<T>(entries: Record<string, T> = {}): Record<string, T> {
  return Object.assign(Object.create(null) as Record<string, T>, entries);
}

/** What the bot runs with when there is no oncall.yaml: everything to one default route. */
export function emptyOncallConfig(): OncallConfig {
  return {
    people: lookupTable(),
    teams: lookupTable(),
    schedules: lookupTable(),
    escalationPolicies: lookupTable(),
    routes: [],
    defaultRoute: { id: 'default', match: { labels: {}, labelRegex: {} }, private: false },
    severityMap: lookupTable(BUILTIN_SEVERITY_MAP),
    routingKeys: lookupTable(),
    opsgenieKeys: lookupTable(),
    heartbeats: lookupTable(),
    maintenance: lookupTable(),
    plannedOverrides: [],
  };
}

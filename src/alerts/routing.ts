import { createHash } from 'node:crypto';
import type { OncallConfig, RouteConfig, Severity } from '../oncall/oncall-config.js';
import type { NormalizedAlert } from './alert.js';
import { matchesWhole } from './text-patterns.js';

/** Where an alert goes: the answer `incident-bot simulate` prints and ingestion acts on. */
export interface RouteDecision {
  routeId: string;
  team?: string;
  service?: string;
  severity: Severity;
  /** Why this severity: "route", "mapped from <word>", or "default". */
  severityReason: string;
  /** The alert's severity word, when it is none the bot knows (then it is DEFAULT_SEVERITY). */
  unknownSeverity?: string;
  escalationPolicy?: string;
  playbook?: string;
  private: boolean;
  /** Alerts with the same key share one open incident. */
  groupKey: string;
  /** The route takes this alert as a beat of the named heartbeat, not as an incident. */
  heartbeat?: string;
}

export const DEFAULT_SEVERITY: Severity = 3;

export function routeAlert(alert: NormalizedAlert, oncall: OncallConfig): RouteDecision {
  const route = chooseRoute(alert, oncall);
  const service = route.service ?? alert.labels.service;
  const team = route.team ?? teamFor(service, alert.labels.team, oncall);
  const { severity, severityReason, unknownSeverity } = severityFor(alert, route, oncall);
  return {
    routeId: route.id,
    team,
    service,
    severity,
    severityReason,
    ...(unknownSeverity !== undefined ? { unknownSeverity } : {}),
    escalationPolicy: route.escalationPolicy ?? (team ? oncall.teams[team]?.escalationPolicy : undefined),
    playbook: route.playbook,
    private: route.private,
    groupKey: groupKeyFor(alert, route),
    // The bot's own missed-heartbeat alert is never a beat, whatever route it meets.
    ...(route.heartbeat && alert.source !== 'heartbeat' ? { heartbeat: route.heartbeat } : {}),
  };
}

function chooseRoute(alert: NormalizedAlert, oncall: OncallConfig): RouteConfig {
  if (alert.routingKey) {
    const routeId = (alert.source === 'opsgenie' ? oncall.opsgenieKeys : oncall.routingKeys)[alert.routingKey];
    const keyed = routeId ? [...oncall.routes, oncall.defaultRoute].find((route) => route.id === routeId) : undefined;
    if (keyed) return keyed;
  }
  return oncall.routes.find((route) => routeMatches(route, alert)) ?? oncall.defaultRoute;
}

export function routeMatches(route: RouteConfig, alert: NormalizedAlert): boolean {
  const { match } = route;
  if (match.sources && !match.sources.includes(alert.source)) return false;
  for (const [label, value] of Object.entries(match.labels)) if (alert.labels[label] !== value) return false;
  for (const [label, pattern] of Object.entries(match.labelRegex)) {
    const value = alert.labels[label];
    if (value === undefined || !matchesWhole(pattern, value)) return false;
  }
  return true;
}

function teamFor(service: string | undefined, teamLabel: string | undefined, oncall: OncallConfig): string | undefined {
  if (service) {
    const owner = Object.values(oncall.teams).find((team) => team.services.includes(service));
    if (owner) return owner.key;
  }
  if (teamLabel && oncall.teams[teamLabel]) return teamLabel;
  return undefined;
}

function severityFor(alert: NormalizedAlert, route: RouteConfig, oncall: OncallConfig): { severity: Severity; severityReason: string; unknownSeverity?: string } {
  if (route.severity) return { severity: route.severity, severityReason: `fixed by route ${route.id}` };
  const word = alert.sourceSeverity?.trim().toLowerCase();
  if (word) {
    const mapped = oncall.severityMap[word] ?? oncall.severityMap[word.replace(/\s+/g, '')];
    if (mapped) return { severity: mapped, severityReason: `mapped from "${alert.sourceSeverity}"` };
    return { severity: DEFAULT_SEVERITY, severityReason: `default (unknown severity "${alert.sourceSeverity}")`, unknownSeverity: alert.sourceSeverity! };
  }
  return { severity: DEFAULT_SEVERITY, severityReason: 'default (the alert has no severity)' };
}

function groupKeyFor(alert: NormalizedAlert, route: RouteConfig): string {
  let key: string;
  if (route.groupBy && route.groupBy.length > 0) {
    key = `route:${route.id}:` + route.groupBy.map((label) => `${label}=${alert.labels[label] ?? ''}`).join(',');
  } else if (alert.sourceGroupKey) {
    key = `${alert.source}:group:${alert.sourceGroupKey}`;
  } else {
    key = `${alert.source}:alert:${alert.fingerprint}`;
  }
  // Group keys are unique-indexed; a bounded length keeps them well inside btree limits.
  return key.length <= 200 ? key : `${key.slice(0, 120)}#${createHash('sha256').update(key).digest('hex')}`;
}

/**
 * What the sender is told when its severity word is none the bot knows: a typo ("critcal") would
 * otherwise page as SEV3, at low urgency, with a 200 that says nothing.
 */
export function unknownSeverityWarning(decision: RouteDecision, oncall: OncallConfig): string | undefined {
  if (decision.unknownSeverity === undefined) return undefined;
  const known = Object.keys(oncall.severityMap);
  const listed = known.length > 60 ? `${known.slice(0, 60).join(', ')}, ...` : known.join(', ');
  return `severity "${decision.unknownSeverity.slice(0, 100)}" is none the bot knows, so it was taken as SEV${decision.severity}. Known: ${listed}; add more under severity_map in oncall.yaml`;
}

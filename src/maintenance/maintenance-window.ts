import { DateTime } from 'luxon';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { oneLine } from '../incidents/one-line.js';
import { formatDuration } from '../time/duration.js';

/** What a window holds: every field given must match (a service, a team, label values). */
export interface MaintenanceMatcher {
  service?: string;
  team?: string;
  labels?: Record<string, string>;
}

export interface MaintenanceWindow {
  id: number;
  matcher: MaintenanceMatcher;
  teamKey: string | null;
  startsAt: Date;
  endsAt: Date;
  endedAt: Date | null;
  reason: string;
  createdByName: string;
  origin: string;
}

/** An alert as a window sees it: its labels, and the service and team its route gave it. */
export interface HoldCandidate {
  labels: Record<string, string>;
  service?: string;
  team?: string;
}

/** When the window stops holding: its end, or when someone ended it early. */
export function windowEnd(window: Pick<MaintenanceWindow, 'endsAt' | 'endedAt'>): Date {
  return window.endedAt && window.endedAt < window.endsAt ? window.endedAt : window.endsAt;
}

export function isActive(window: Pick<MaintenanceWindow, 'startsAt' | 'endsAt' | 'endedAt'>, at: Date): boolean {
  return window.startsAt.getTime() <= at.getTime() && at.getTime() < windowEnd(window).getTime();
}

export function windowHolds(matcher: MaintenanceMatcher, alert: HoldCandidate): boolean {
  if (matcher.service !== undefined && (alert.service ?? alert.labels.service) !== matcher.service) return false;
  if (matcher.team !== undefined && (alert.team ?? alert.labels.team) !== matcher.team) return false;
  for (const [label, value] of Object.entries(matcher.labels ?? {})) if (alert.labels[label] !== value) return false;
  return true;
}

/** The window that holds the alert at `at`, the one ending last when several overlap (it holds longest). */
export function holdingWindow<W extends MaintenanceWindow>(windows: readonly W[], alert: HoldCandidate, at: Date): W | undefined {
  return windows.filter((w) => isActive(w, at) && windowHolds(w.matcher, alert)).sort((a, b) => windowEnd(b).getTime() - windowEnd(a).getTime())[0];
}

/** The team a matcher belongs to: named, or owning the named service; undefined for labels alone. */
export function ownerTeamOf(matcher: MaintenanceMatcher, config: OncallConfig): string | undefined {
  if (matcher.team) return matcher.team;
  if (matcher.service) return Object.values(config.teams).find((team) => team.services.includes(matcher.service!))?.key;
  return undefined;
}

/** "service checkout", "team payments, env=staging". */
export function describeMatcher(matcher: MaintenanceMatcher): string {
  const parts = [matcher.service !== undefined ? `service ${matcher.service}` : '', matcher.team !== undefined ? `team ${matcher.team}` : '', ...Object.entries(matcher.labels ?? {}).map(([k, v]) => `${k}=${v}`)];
  return parts.filter(Boolean).join(', ') || 'everything';
}

/** Ended before it began: a planned window called off. It never held anything. */
export function wasCancelled(window: Pick<MaintenanceWindow, 'startsAt' | 'endedAt'>): boolean {
  return window.endedAt !== null && window.endedAt <= window.startsAt;
}

/** When a window starts, in a zone: "Thu 10 Dec 22:00 UTC". */
export function describeStart(window: Pick<MaintenanceWindow, 'startsAt'>, timeZone: string): string {
  return DateTime.fromJSDate(window.startsAt, { zone: timeZone }).toFormat('ccc d MMM HH:mm ZZZZ');
}

/** "#3 service checkout, Tue 10 Dec 22:00-01:00 CET (3h), by Alice: database upgrade". */
export function describeWindow(window: MaintenanceWindow, timeZone: string, now: Date): string {
  const local = (date: Date) => DateTime.fromJSDate(date, { zone: timeZone });
  const start = local(window.startsAt);
  const by = `by ${oneLine(window.createdByName)}: ${oneLine(window.reason)}`;
  // Shown by its planned start only: its end as stored (when it was called off) comes before it.
  if (wasCancelled(window)) return `#${window.id} ${describeMatcher(window.matcher)}, planned from ${describeStart(window, timeZone)}, cancelled before it started, ${by}`;
  const end = local(windowEnd(window));
  const endText = end.hasSame(start, 'day') ? end.toFormat('HH:mm') : end.toFormat('ccc d MMM HH:mm');
  const state = window.endedAt && window.endedAt <= now ? 'ended' : isActive(window, now) ? 'running' : window.startsAt > now ? 'planned' : 'over';
  return `#${window.id} ${describeMatcher(window.matcher)}, ${start.toFormat('ccc d MMM HH:mm')}-${endText} ${end.toFormat('ZZZZ')} (${formatDuration(windowEnd(window).getTime() - window.startsAt.getTime())}), ${state}, ${by}`;
}

/**
 * Who may open or end a window: the owning team's members and admins (anyone while oncall.yaml
 * lists nobody). A window on labels alone spans teams: admins only.
 */
export function mayManageWindow(requester: { handle?: string | null; name: string }, ownerTeam: string | undefined, config: OncallConfig): { allowed: true } | { allowed: false; reason: string } {
  if (Object.keys(config.people).length === 0) return { allowed: true };
  const handle = requester.handle ?? undefined;
  if (handle && config.people[handle]?.roles.includes('admin')) return { allowed: true };
  if (ownerTeam && handle && config.teams[ownerTeam]?.members.includes(handle)) return { allowed: true };
  const listed = handle && config.people[handle] ? '' : ` ${requester.name} is not listed in oncall.yaml (under people:, with their chat id).`;
  if (!ownerTeam) return { allowed: false, reason: `A window on labels alone can hold any team's alerts: only admins may open or end one.${listed}` };
  const team = config.teams[ownerTeam]?.name ?? ownerTeam;
  return { allowed: false, reason: `Only members of ${team} or an admin may open or end its maintenance windows.${listed || ` ${requester.name} is not a member of ${team} in oncall.yaml.`}` };
}

import { DateTime } from 'luxon';

/**
 * What an importer builds: oncall.yaml's sections as plain data (written out with the `yaml`
 * library), and the report of what could not be carried over and why.
 */
export interface ImportedPerson {
  name: string;
  email?: string;
  phone?: string;
  timezone?: string;
  roles?: ('admin' | 'manager')[];
}
export interface ImportedRestriction {
  days: string[];
  from: string;
  to: string;
}
export interface ImportedLayer {
  name?: string;
  participants: string[];
  rotation: 'daily' | 'weekly' | { every: string };
  handoff: string;
  handoff_day?: string;
  start: string;
  restrictions?: ImportedRestriction[];
}
export type ImportedTarget = { schedule: string } | { person: string } | { team: string };
export interface ImportedPolicy {
  name?: string;
  repeat?: number;
  levels: { targets: ImportedTarget[]; delay: string }[];
}
export interface ImportedRoute {
  id: string;
  team?: string;
  service?: string;
  escalation_policy?: string;
  match: { sources: string[] };
}

export class ImportDocument {
  readonly people: Record<string, ImportedPerson> = {};
  readonly teams: Record<string, { name: string; members: string[]; services?: string[]; escalation_policy?: string; schedules?: string[] }> = {};
  readonly schedules: Record<string, { name?: string; timezone: string; layers: ImportedLayer[] }> = {};
  readonly policies: Record<string, ImportedPolicy> = {};
  readonly routes: ImportedRoute[] = [];
  readonly keys: Record<string, string> = {};
  /** Report lines: what was left out or changed, and why (Markdown bullets, grouped by heading). */
  readonly notes: Record<string, string[]> = {};
  /** Per tool id: the key it got in oncall.yaml. */
  readonly ids = { person: new Map<string, string>(), team: new Map<string, string>(), schedule: new Map<string, string>(), policy: new Map<string, string>() };
  private readonly used = { person: new Set<string>(), team: new Set<string>(), schedule: new Set<string>(), policy: new Set<string>(), route: new Set<string>() };

  note(section: string, line: string): void {
    (this.notes[section] ??= []).push(line);
  }

  /** A key oncall.yaml accepts, unique in its section, made from a name. */
  keyFor(kind: keyof ImportDocument['used'], name: string): string {
    const base = slug(name) || kind;
    let candidate = base;
    for (let n = 2; this.used[kind].has(candidate); n++) candidate = `${base}-${n}`;
    this.used[kind].add(candidate);
    return candidate;
  }

  /** The sections in oncall.yaml's order, empty ones left out. */
  toOncallFile(keysSection: 'opsgenie_keys' | 'pagerduty_routing_keys'): Record<string, unknown> {
    const file: Record<string, unknown> = {};
    const put = (name: string, value: object) => {
      if (Object.keys(value).length > 0) file[name] = value;
    };
    put('people', this.people);
    put('teams', this.teams);
    put('schedules', this.schedules);
    put('escalation_policies', this.policies);
    if (this.routes.length) file.routes = this.routes;
    put(keysSection, this.keys);
    return file;
  }

  report(tool: string, now: Date): string {
    const count = (n: number, what: string, plural = `${what}s`) => `${n} ${n === 1 ? what : plural}`;
    const lines = [
      `# Import from ${tool}`,
      '',
      `Written ${DateTime.fromJSDate(now, { zone: 'UTC' }).toFormat("yyyy-MM-dd HH:mm 'UTC'")}: ${count(Object.keys(this.people).length, 'person', 'people')}, ` +
        `${count(Object.keys(this.teams).length, 'team')}, ${count(Object.keys(this.schedules).length, 'schedule')}, ` +
        `${count(Object.keys(this.policies).length, 'escalation policy', 'escalation policies')}, ${count(this.routes.length, 'route')}, ${count(Object.keys(this.keys).length, 'integration key')}.`,
      '',
    ];
    const sections = Object.entries(this.notes);
    if (sections.length === 0) lines.push('Everything was carried over.', '');
    for (const [section, notes] of sections) lines.push(`## ${section}`, '', ...notes.map((n) => `- ${n}`), '');
    return lines.join('\n').replace(/\n+$/, '\n');
  }
}

export function slug(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '-')
    .replace(/^[^a-z0-9]+|-+$/g, '')
    .slice(0, 60);
}

export const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** An IANA zone as oncall.yaml takes it, or undefined. */
export function ianaZone(zone: string | undefined | null): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

const pad = (n: number) => String(n).padStart(2, '0');
export const hhmm = (hour: number, minute: number) => `${pad(hour)}:${pad(minute)}`;

/** A rotation's start (an instant) as a layer takes it: the date, handoff time and weekday in the schedule's zone. */
export function layerStart(instant: string, zone: string): { start: string; handoff: string; weekday: string; seconds: number } | undefined {
  const at = DateTime.fromISO(instant, { setZone: true }).setZone(zone);
  if (!at.isValid) return undefined;
  return { start: at.toFormat('yyyy-MM-dd'), handoff: hhmm(at.hour, at.minute), weekday: WEEKDAY_NAMES[at.weekday - 1]!, seconds: at.second };
}

/** A rotation of `ms`: daily and weekly by name (they follow the wall clock across DST), anything else as a duration. */
export function rotationOf(ms: number): ImportedLayer['rotation'] {
  if (ms === 86_400_000) return 'daily';
  if (ms === 7 * 86_400_000) return 'weekly';
  if (ms % 3_600_000 === 0) return { every: `${ms / 3_600_000}h` };
  return { every: `${Math.max(1, Math.round(ms / 60_000))}m` };
}

/**
 * A weekly window from (day, time) to (day, time) as oncall.yaml's restrictions, which each open on
 * their days from `from` to `to` (past midnight when `to` is not after `from`): one per day it covers.
 */
export function weeklyWindow(startDay: number, start: string, endDay: number, end: string): ImportedRestriction[] {
  // Days are 0 = Monday ... 6 = Sunday.
  let span = (endDay - startDay + 7) % 7;
  if (span === 0 && end <= start) span = 7;
  if (span === 0) return [{ days: [WEEKDAY_NAMES[startDay]!], from: start, to: end }];
  const out: ImportedRestriction[] = [{ days: [WEEKDAY_NAMES[startDay]!], from: start, to: '00:00' }];
  const whole: string[] = [];
  for (let d = 1; d < span; d++) whole.push(WEEKDAY_NAMES[(startDay + d) % 7]!);
  if (whole.length) out.push({ days: whole, from: '00:00', to: '00:00' });
  if (end !== '00:00') out.push({ days: [WEEKDAY_NAMES[endDay]!], from: '00:00', to: end });
  return out;
}

/** A layer as oncall.yaml writes it: weekly rotations hand off on their start's weekday. */
export function importedLayer(name: string, participants: string[], rotation: ImportedLayer['rotation'], start: NonNullable<ReturnType<typeof layerStart>>, restrictions: ImportedRestriction[]): ImportedLayer {
  return {
    name,
    participants,
    rotation,
    handoff: start.handoff,
    ...(rotation === 'weekly' ? { handoff_day: start.weekday } : {}),
    start: start.start,
    ...(restrictions.length ? { restrictions } : {}),
  };
}

/** Whether a rotation ended before the import (noted, and left out). */
export function endedBefore(doc: ImportDocument, where: string, end: string | undefined, now: Date): boolean {
  if (!end || Date.parse(end) > now.getTime()) return false;
  doc.note('Schedules', `${where} ended ${end}; not carried over`);
  return true;
}

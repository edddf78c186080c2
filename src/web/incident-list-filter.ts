import { DateTime } from 'luxon';

export const STATUS_CHOICES = ['open', 'triggered', 'acknowledged', 'mitigated', 'resolved', 'all'] as const;
export type StatusChoice = (typeof STATUS_CHOICES)[number];

/** The incidents page's filters as the form sends them (query string), checked. */
export interface IncidentListFilter {
  status: StatusChoice;
  team?: string;
  severity?: number;
  /** Opened at or after (start of that day in the viewer's zone). */
  from?: Date;
  /** Opened before the end of that day in the viewer's zone. */
  to?: Date;
  /** Keyset paging: incidents numbered below this one. */
  before?: number;
  /** The values as typed, to show back in the form. */
  raw: { status: string; team: string; severity: string; from: string; to: string };
}

export type FilterResult = { filter: IncidentListFilter } | { problems: string[]; raw: IncidentListFilter['raw'] };

const first = (value: unknown): string => (Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'string' ? value : '').slice(0, 100);

/** Reads the filters; every problem is named after the field it is in, as the form labels it. */
export function parseIncidentListFilter(query: Record<string, unknown>, teams: readonly string[], timeZone: string): FilterResult {
  const raw = { status: first(query.status) || 'open', team: first(query.team), severity: first(query.severity), from: first(query.from), to: first(query.to) };
  const problems: string[] = [];
  const status = STATUS_CHOICES.find((choice) => choice === raw.status);
  if (!status) problems.push(`Status: "${raw.status}" is not one of ${STATUS_CHOICES.join(', ')}.`);
  if (raw.team && !teams.includes(raw.team)) problems.push(`Team: no team "${raw.team}" in oncall.yaml.`);
  const severity = raw.severity ? Number(raw.severity) : undefined;
  if (raw.severity && !/^[1-4]$/.test(raw.severity)) problems.push(`Severity: "${raw.severity}" is not 1, 2, 3 or 4.`);
  const day = (text: string, label: string, end: boolean): Date | undefined => {
    if (!text) return undefined;
    const parsed = DateTime.fromISO(text, { zone: timeZone });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || !parsed.isValid) {
      problems.push(`${label}: "${text}" is not a date (YYYY-MM-DD).`);
      return undefined;
    }
    return (end ? parsed.plus({ days: 1 }) : parsed).toJSDate();
  };
  const from = day(raw.from, 'Opened from', false);
  const to = day(raw.to, 'Opened to', true);
  if (from && to && from >= to) problems.push('Opened to: must be on or after "Opened from".');
  const beforeText = first(query.before);
  const before = /^\d{1,9}$/.test(beforeText) ? Number(beforeText) : undefined;
  if (problems.length > 0 || !status) return { problems, raw };
  return { filter: { status, team: raw.team || undefined, severity, from, to, before, raw } };
}

/** The query string of a filter, for links (the next page keeps the filters). */
export function filterQuery(filter: IncidentListFilter, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filter.raw, ...extra })) if (value) params.set(key, value);
  return params.toString();
}

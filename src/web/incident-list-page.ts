import { DateTime } from 'luxon';
import { sql, type Sql } from '../db/sql.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { filterQuery, STATUS_CHOICES, type IncidentListFilter } from './incident-list-filter.js';
import { visibleTo } from './incident-visibility.js';
import { h } from './web-page.js';
import type { Viewer } from './web-viewer.js';

const PAGE_SIZE = 50;

interface Row {
  id: number;
  title: string;
  severity: number;
  status: string;
  private: boolean;
  service: string | null;
  team_name: string | null;
  opened_at: Date;
}

/** One page of incidents the viewer may see, newest first. */
export async function readIncidentList(db: Sql, viewer: Viewer, filter: IncidentListFilter): Promise<{ rows: Row[]; more: boolean }> {
  const status = filter.status === 'open' ? sql`AND i.status <> 'resolved'` : filter.status === 'all' ? sql`` : sql`AND i.status = ${filter.status}::"IncidentStatus"`;
  const rows = await db.query<Row>(sql`
    SELECT i.id, i.title, i.severity, i.status, i.private, i.service, t.name AS team_name, i.opened_at
    FROM incidents i LEFT JOIN teams t ON t.id = i.team_id
    WHERE ${visibleTo(viewer)} ${status}
      ${filter.team ? sql`AND t.key = ${filter.team}` : sql``}
      ${filter.severity ? sql`AND i.severity = ${filter.severity}::int` : sql``}
      ${filter.from ? sql`AND i.opened_at >= ${filter.from.toISOString()}::timestamptz` : sql``}
      ${filter.to ? sql`AND i.opened_at < ${filter.to.toISOString()}::timestamptz` : sql``}
      ${filter.before ? sql`AND i.id < ${filter.before}::int` : sql``}
    ORDER BY i.id DESC LIMIT ${PAGE_SIZE + 1}::int`);
  return { rows: rows.slice(0, PAGE_SIZE).map((row) => ({ ...row, id: Number(row.id), severity: Number(row.severity) })), more: rows.length > PAGE_SIZE };
}

/** The filter form: every field labelled, usable with the keyboard alone. */
export function filterForm(raw: IncidentListFilter['raw'], teams: readonly { key: string; name: string }[], problems: string[] = []): string {
  const option = (value: string, label: string, selected: string) => `<option value="${h(value)}"${value === selected ? ' selected' : ''}>${h(label)}</option>`;
  const errors = problems.length
    ? `<div role="alert" id="filter-problems"><p>The filters could not be used:</p><ul>${problems.map((p) => `<li>${h(p)}</li>`).join('')}</ul></div>`
    : '';
  return `${errors}<form class="filters" method="get" action="/ui/incidents" aria-label="Filter incidents">
<label for="f-status">Status<select id="f-status" name="status">${STATUS_CHOICES.map((s) => option(s, s, raw.status)).join('')}</select></label>
<label for="f-team">Team<select id="f-team" name="team">${option('', 'any team', raw.team)}${teams.map((t) => option(t.key, t.name, raw.team)).join('')}</select></label>
<label for="f-severity">Severity<select id="f-severity" name="severity">${option('', 'any', raw.severity)}${[1, 2, 3, 4].map((n) => option(String(n), severityLabel(n), raw.severity)).join('')}</select></label>
<label for="f-from">Opened from<input id="f-from" name="from" type="date" value="${h(raw.from)}"></label>
<label for="f-to">Opened to<input id="f-to" name="to" type="date" value="${h(raw.to)}"></label>
<button type="submit">Show</button></form>`;
}

export function incidentTable(rows: Row[], more: boolean, filter: IncidentListFilter, timeZone: string): string {
  if (rows.length === 0) return '<p>No incidents match these filters.</p>';
  const when = (at: Date) => DateTime.fromJSDate(new Date(at)).setZone(timeZone).toFormat('yyyy-LL-dd HH:mm ZZZZ');
  const body = rows
    .map((row) => `<tr><td><a href="/ui/incidents/${row.id}">${incidentLabel(row.id)}</a></td><td class="sev${row.severity}">${severityLabel(row.severity)}</td><td class="${h(row.status)}">${h(row.status)}</td><td>${h(row.title)}${row.private ? ' <span class="muted">(private)</span>' : ''}</td><td>${h(row.team_name ?? '')}</td><td>${h(row.service ?? '')}</td><td>${h(when(row.opened_at))}</td></tr>`)
    .join('');
  const next = more ? `<p><a href="/ui/incidents?${h(filterQuery(filter, { before: String(rows[rows.length - 1]!.id) }))}">Older incidents</a></p>` : '';
  return `<table><caption>Newest first; times in ${h(timeZone)}</caption><thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Title</th><th scope="col">Team</th><th scope="col">Service</th><th scope="col">Opened</th></tr></thead><tbody>${body}</tbody></table>${next}`;
}

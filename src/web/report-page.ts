import { reportChartSvg } from '../reports/report-chart.js';
import { DEFINITIONS, type Stat, type WeekRow, type WeeklyReport } from '../reports/weekly-report.js';
import { formatDuration } from '../time/duration.js';
import { PRIVATE_ALERT } from '../reports/weekly-report-render.js';
import { h } from './web-page.js';

/** A measure as people read it (4m, 1h 5m); a dash where no incident had it. */
export function seconds(value: number | null): string {
  return value === null ? '—' : formatDuration(value * 1000);
}

const statCells = (stat: Stat) => `<td>${seconds(stat.mean)}</td><td>${seconds(stat.p50)}</td><td>${seconds(stat.p90)}</td>`;

function statTable(caption: string, rows: WeekRow[], keyHeader?: string): string {
  const head = `<tr><th scope="col" rowspan="2">Week</th>${keyHeader ? `<th scope="col" rowspan="2">${keyHeader}</th>` : ''}<th scope="col" rowspan="2">Incidents</th><th scope="colgroup" colspan="3">MTTA</th><th scope="colgroup" colspan="3">Time to mitigate</th><th scope="colgroup" colspan="3">MTTR</th></tr>
<tr>${'<th scope="col">mean</th><th scope="col">p50</th><th scope="col">p90</th>'.repeat(3)}</tr>`;
  const body = rows
    .map((row) => `<tr data-week="${h(row.week)}" data-group="${h(row.group)}" data-key="${h(row.key)}"><th scope="row">${h(row.week)}</th>${keyHeader ? `<td>${h(row.key)}</td>` : ''}<td>${row.count}</td>${statCells(row.mtta)}${statCells(row.ttm)}${statCells(row.mttr)}</tr>`)
    .join('');
  return `<div class="scroll"><table><caption>${h(caption)}</caption><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/**
 * The weekly report as a page: the same WeeklyReport the API answers, so the figures are the
 * API's to the second. Titles of private incidents are shown to admins only.
 */
export function reportPageContent(report: WeeklyReport, options: { weeks: number; team?: string; teams: readonly { key: string; name: string }[]; showPrivateTitles: boolean }): string {
  const option = (value: string, label: string, selected: string) => `<option value="${h(value)}"${value === selected ? ' selected' : ''}>${h(label)}</option>`;
  const form = `<form class="filters" method="get" action="/ui/reports" aria-label="Choose the report">
<label for="r-weeks">Weeks<input id="r-weeks" name="weeks" type="number" min="1" max="104" value="${options.weeks}"></label>
<label for="r-team">Team<select id="r-team" name="team">${option('', 'all teams', options.team ?? '')}${options.teams.map((t) => option(t.key, t.name, options.team ?? '')).join('')}</select></label>
<button type="submit">Show</button></form>
<p><a href="/ui/reports.csv?${h(new URLSearchParams({ weeks: String(options.weeks), ...(options.team ? { team: options.team } : {}) }).toString())}" download>Download as CSV</a></p>`;
  const all = report.rows.filter((row) => row.group === 'all');
  const chart = `<figure><div class="scroll" role="img" aria-label="MTTA and MTTR means per week, in minutes; the same figures are in the table below">${reportChartSvg(report)}</div><figcaption>MTTA and MTTR per week (means, minutes).</figcaption></figure>`;
  const bySeverity = report.rows.filter((row) => row.group === 'severity' && row.count > 0);
  const byTeam = report.rows.filter((row) => row.group === 'team' && row.count > 0);
  const title = (incident: { title: string; private: boolean }) => (incident.private && !options.showPrivateTitles ? '(private incident)' : incident.title);
  const longest = report.longest.length
    ? `<ol>${report.longest.map((i) => `<li><a href="/ui/incidents/${i.number}">INC-${i.number}</a> SEV${i.severity} ${h(title(i))}: ${seconds(i.seconds)}</li>`).join('')}</ol>`
    : '<p>No incident was resolved in these weeks.</p>';
  const noisiest = report.noisiest.length
    ? `<div class="scroll"><table><caption>Ranked by noise votes, then firings</caption><thead><tr><th scope="col">Alert</th><th scope="col">Source</th><th scope="col">Firings</th><th scope="col">Incidents</th><th scope="col">Noise votes</th><th scope="col">Responder time</th><th scope="col">Route to tune</th></tr></thead><tbody>${report.noisiest
        .map((a) => `<tr><td>${h(a.privateOnly && !options.showPrivateTitles ? PRIVATE_ALERT : a.title)}${a.flapping ? ' <span class="muted">(flapping)</span>' : ''}</td><td>${h(a.source)}</td><td>${a.firings}</td><td>${a.incidents}</td><td>${a.noiseVotes}</td><td>${seconds(a.pageToAckSeconds + a.ackToResolveSeconds)}</td><td>${h(a.privateOnly && !options.showPrivateTitles ? '—' : (a.route ?? '—'))}</td></tr>`)
        .join('')}</tbody></table></div>`
    : '<p>No alerts fired in these weeks.</p>';
  const load = report.oncallLoad.length
    ? `<table><thead><tr><th scope="col">Person</th><th scope="col">Pages</th><th scope="col">At night</th><th scope="col">Reached</th></tr></thead><tbody>${report.oncallLoad.map((p) => `<tr><td>${h(p.person)}</td><td>${p.pages}</td><td>${p.atNight}</td><td>${p.reached}</td></tr>`).join('')}</tbody></table>`
    : '<p>Nobody was paged in these weeks.</p>';
  return `${form}
<p class="muted">Weeks start Monday in ${h(report.timeZone)}${report.team ? `; team ${h(report.team)} only` : ''}.</p>
${chart}
<h2 id="weeks">Per week</h2>${statTable('All incidents', all)}
<h2 id="by-severity">By severity</h2>${bySeverity.length ? statTable('By severity', bySeverity, 'Severity') : '<p>No incidents.</p>'}
<h2 id="by-team">By team</h2>${byTeam.length ? statTable('By team', byTeam, 'Team') : '<p>No incidents.</p>'}
<h2 id="longest">Longest incidents</h2>${longest}
<h2 id="noisiest">Noisiest alerts</h2>${noisiest}
<h2 id="load">On-call load</h2>${load}
<h2 id="definitions">Definitions</h2><ul>${DEFINITIONS.map((d) => `<li>${h(d)}</li>`).join('')}</ul>`;
}

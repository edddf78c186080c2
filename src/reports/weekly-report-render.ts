import { channelLink, type MessageField, type NeutralMessage } from '../chat/neutral-message.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import { formatDuration } from '../time/duration.js';
import { DEFINITIONS, type NoisyAlert, type Stat, type WeeklyReport, type WeekRow } from './weekly-report.js';

const dur = (seconds: number | null) => (seconds === null ? '—' : formatDuration(seconds * 1000));
const triple = (s: Stat) => (s.n === 0 ? '—' : `${dur(s.mean)} / ${dur(s.p50)} / ${dur(s.p90)}`);

/** "+3", "−40%" style change of the latest week against the one before. */
export function change(current: number | null, previous: number | null, asPercent: boolean): string {
  if (current === null || previous === null) return '—';
  if (!asPercent) return `${current - previous >= 0 ? '+' : '−'}${Math.abs(current - previous)}`;
  if (previous === 0) return '—';
  const pct = Math.round(((current - previous) / previous) * 100);
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct)}%`;
}

function latestAndBefore(report: WeeklyReport): [WeekRow | undefined, WeekRow | undefined] {
  const all = report.rows.filter((r) => r.group === 'all');
  return [all.at(-1), all.at(-2) ?? report.previous];
}

export function renderReportMarkdown(report: WeeklyReport): string {
  const lines = [`# Incident report${report.team ? `: ${report.team}` : ''}`, '', `Weeks starting Monday, ${report.timeZone}. Times as mean / p50 / p90.`, ''];
  lines.push('| week | incidents | MTTA | time to mitigate | MTTR |', '| --- | --- | --- | --- | --- |');
  for (const row of report.rows.filter((r) => r.group === 'all')) lines.push(`| ${row.week} | ${row.count} | ${triple(row.mtta)} | ${triple(row.ttm)} | ${triple(row.mttr)} |`);
  const [latest, before] = latestAndBefore(report);
  if (latest) {
    lines.push('', `Against the week before: incidents ${change(latest.count, before?.count ?? null, false)}, MTTA ${change(latest.mtta.mean, before?.mtta.mean ?? null, true)}, MTTR ${change(latest.mttr.mean, before?.mttr.mean ?? null, true)}.`);
  }
  for (const group of ['severity', 'team'] as const) {
    const rows = report.rows.filter((r) => r.group === group && r.count > 0);
    if (!rows.length) continue;
    lines.push('', `## By ${group}`, '', `| week | ${group} | incidents | MTTA | MTTR |`, '| --- | --- | --- | --- | --- |');
    for (const row of rows) lines.push(`| ${row.week} | ${row.key} | ${row.count} | ${triple(row.mtta)} | ${triple(row.mttr)} |`);
  }
  if (report.longest.length) lines.push('', '## Longest incidents', '', ...report.longest.map((i) => `- INC-${i.number} SEV${i.severity} ${i.private ? PRIVATE_INCIDENT : oneLine(i.title)}: ${dur(i.seconds)}`));
  if (report.missingPostmortem.length) lines.push('', '## Resolved without a postmortem', '', ...report.missingPostmortem.map((i) => `- INC-${i.number} ${i.private ? PRIVATE_INCIDENT : oneLine(i.title)}`));
  if (report.noisiest.length) lines.push('', '## Noisiest alerts', '', ...report.noisiest.map(noisyLine));
  if (report.oncallLoad.length) lines.push('', '## On-call load', '', ...report.oncallLoad.map((p) => `- ${p.person}: ${p.pages} page(s), ${p.atNight} at night${p.reached < p.pages ? `, ${p.reached} reached them` : ''}`));
  if (report.maintenance.length) lines.push('', '## Maintenance windows', '', ...report.maintenance.map((w) => `- #${w.id} ${w.what}, ${w.startsAt.slice(0, 16).replace('T', ' ')} to ${w.endsAt.slice(0, 16).replace('T', ' ')} UTC: ${oneLine(w.reason)}; held ${w.held} alert(s)${w.alerts.length ? `: ${w.alerts.map(oneLine).join(', ')}${w.held > w.alerts.length ? ', ...' : ''}` : ''}`));
  lines.push('', '## Definitions', '', ...DEFINITIONS.map((d) => `- ${d}`));
  return lines.join('\n') + '\n';
}

/** "- Disk full (alertmanager, 3f2a): fired 14 time(s) in 6 incident(s), 3 noise votes; responders spent 42m (page to ack 12m, ack to resolve 30m); tune route storage". */
/** What a report shown to a channel or a manager says of an alert of private incidents only, and of a private incident. */
export const PRIVATE_ALERT = '(an alert of private incidents)';
export const PRIVATE_INCIDENT = '(private incident)';

function noisyLine(a: NoisyAlert): string {
  const votes = a.noiseVotes ? `, ${a.noiseVotes} noise vote(s)` : '';
  const spent = a.pageToAckSeconds + a.ackToResolveSeconds;
  const cost = spent > 0 ? `; responders spent ${dur(spent)} (page to ack ${dur(a.pageToAckSeconds)}, ack to resolve ${dur(a.ackToResolveSeconds)})` : '';
  return `- ${a.privateOnly ? PRIVATE_ALERT : oneLine(a.title)}${a.flapping ? ' (flapping)' : ''} (${a.source}, ${a.fingerprint}): fired ${a.firings} time(s) in ${a.incidents} incident(s)${votes}${cost}${a.route ? `; tune route ${a.route}` : ''}`;
}

/** Teams past this many are summed up in one line: a message has room for a few dozen fields. */
const TEAMS_SHOWN = 15;
const LONGEST_SHOWN = 5;
const TITLE_SHOWN = 80;

/** "2 incidents · MTTA 4m · MTTR 1h 5m": one group of the week in chat. */
function groupValue(row: WeekRow): string {
  return `${row.count} incident${row.count === 1 ? '' : 's'} · MTTA ${dur(row.mtta.mean)} · MTTR ${dur(row.mttr.mean)}`;
}

/** The week's breakdown by severity and by team, as message fields (Slack section fields, Discord embed fields). */
function breakdownSections(report: WeeklyReport, week: string): NeutralMessage['sections'] {
  const rows = (group: WeekRow['group']) => report.rows.filter((row) => row.week === week && row.group === group && row.count > 0);
  const severities = rows('severity');
  if (severities.length === 0) return [{ text: `**By severity and team**, week of ${week}: no incidents.` }];
  const teams = rows('team').sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  // "Team payments": on Discord the fields of both sections stand together, under the texts.
  const teamFields: MessageField[] = teams.slice(0, TEAMS_SHOWN).map((row) => ({ label: row.key === 'no team' ? 'No team' : `Team ${row.key}`, value: groupValue(row) }));
  const rest = teams.slice(TEAMS_SHOWN);
  if (rest.length) {
    teamFields.push({ label: `${rest.length} more team${rest.length === 1 ? '' : 's'}`, value: `${rest.reduce((sum, row) => sum + row.count, 0)} incident(s)` });
  }
  return [
    { text: `**By severity**, week of ${week} (means)`, fields: severities.map((row) => ({ label: row.key, value: groupValue(row) })) },
    { text: `**By team**, week of ${week} (means)`, fields: teamFields },
  ];
}

function shortTitle(title: string): string {
  const line = oneLine(title);
  return line.length > TITLE_SHOWN ? `${line.slice(0, TITLE_SHOWN - 1)}…` : line;
}

export interface ReportMessageOptions {
  /** The channel of each incident on the platform the message goes to, for links. */
  channels?: ReadonlyMap<number, string>;
}

/**
 * The report as a chat message: every week in a line, then the last week in detail (totals, by
 * severity, by team), the longest incidents with links to their channels, the noisiest alerts
 * and the on-call load. A private incident's title is not shown, only its label and channel
 * (which the platform shows only to its members).
 */
export function renderReportMessage(report: WeeklyReport, options: ReportMessageOptions = {}): NeutralMessage {
  const [latest, before] = latestAndBefore(report);
  const weeks = report.rows.filter((r) => r.group === 'all').map((r) => `\`${r.week}\` ${r.count} incident(s) · MTTA ${triple(r.mtta)} · MTTR ${triple(r.mttr)}`);
  const sections: NeutralMessage['sections'] = [{ text: weeks.join('\n') }];
  if (latest) {
    sections.push({
      fields: [
        { label: `Incidents, week of ${latest.week}`, value: `${latest.count} (${change(latest.count, before?.count ?? null, false)})` },
        { label: 'MTTA (mean)', value: `${dur(latest.mtta.mean)} (${change(latest.mtta.mean, before?.mtta.mean ?? null, true)})` },
        { label: 'MTTR (mean)', value: `${dur(latest.mttr.mean)} (${change(latest.mttr.mean, before?.mttr.mean ?? null, true)})` },
        { label: 'Without postmortem', value: String(report.missingPostmortem.length) },
      ],
    });
    sections.push(...breakdownSections(report, latest.week));
  }
  const linked: string[] = [];
  if (report.longest.length) {
    const lines = report.longest.slice(0, LONGEST_SHOWN).map((incident) => {
      const channel = options.channels?.get(incident.number);
      if (channel) linked.push(channel);
      const what = incident.private ? '_private_' : shortTitle(incident.title);
      return `- **${incidentLabel(incident.number)}** ${severityLabel(incident.severity)} · ${dur(incident.seconds)}${channel ? ` · ${channelLink(channel)}` : ''} · ${what}`;
    });
    sections.push({ text: `**Longest incidents** (open to resolved)\n${lines.join('\n')}` });
  }
  if (report.noisiest.length) {
    const top = report.noisiest.slice(0, 3).map((a) => `${a.privateOnly ? PRIVATE_ALERT : shortTitle(a.title)}${a.flapping ? ' (flapping)' : ''} ×${a.firings}${a.noiseVotes ? ` (${a.noiseVotes} noise vote${a.noiseVotes === 1 ? '' : 's'})` : ''}${a.route ? `, route ${a.route}` : ''}`);
    sections.push({ text: `**Noisiest alerts:** ${top.join('; ')}` });
  }
  if (report.oncallLoad.length) sections.push({ text: `**On-call load:** ${report.oncallLoad.slice(0, 5).map((p) => `${p.person} ${p.pages} (${p.atNight} at night)`).join(', ')}` });
  if (report.maintenance.length) sections.push({ text: `**Maintenance:** ${report.maintenance.slice(0, 5).map((w) => `#${w.id} ${w.what} held ${w.held}`).join(', ')}` });
  return {
    summary: `Incident report: ${latest?.count ?? 0} incident(s) this week`,
    title: `📊 Incident report${report.team ? ` — ${report.team}` : ''} (${report.weeks.length} week(s), ${report.timeZone})`,
    color: 'blue',
    sections,
    footer: `Times are mean / p50 / p90. ${DEFINITIONS.slice(0, 4).join(' ')}`,
    ...(linked.length ? { mentions: linked } : {}),
  };
}

/** One row per week and group, for managers' own spreadsheets (times in seconds). */
export function renderReportCsv(report: WeeklyReport): string {
  const header = ['week', 'group', 'key', 'incidents', 'mtta_mean_s', 'mtta_p50_s', 'mtta_p90_s', 'ttm_mean_s', 'ttm_p50_s', 'ttm_p90_s', 'mttr_mean_s', 'mttr_p50_s', 'mttr_p90_s'];
  const value = (n: number | null) => (n === null ? '' : String(Math.round(n)));
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  const rows = report.rows.map((r) =>
    [r.week, r.group, quote(r.key), String(r.count), value(r.mtta.mean), value(r.mtta.p50), value(r.mtta.p90), value(r.ttm.mean), value(r.ttm.p50), value(r.ttm.p90), value(r.mttr.mean), value(r.mttr.p50), value(r.mttr.p90)].join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}

import type { NeutralMessage } from '../chat/neutral-message.js';
import { formatDuration } from '../time/duration.js';
import { DEFINITIONS, type Stat, type WeeklyReport, type WeekRow } from './weekly-report.js';

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
  if (report.longest.length) lines.push('', '## Longest incidents', '', ...report.longest.map((i) => `- INC-${i.number} SEV${i.severity} ${i.title}: ${dur(i.seconds)}`));
  if (report.missingPostmortem.length) lines.push('', '## Resolved without a postmortem', '', ...report.missingPostmortem.map((i) => `- INC-${i.number} ${i.title}`));
  if (report.noisiest.length) lines.push('', '## Noisiest alerts', '', ...report.noisiest.map((a) => `- ${a.title} (${a.source}, ${a.fingerprint}): fired ${a.firings} time(s)`));
  if (report.oncallLoad.length) lines.push('', '## On-call load', '', ...report.oncallLoad.map((p) => `- ${p.person}: ${p.pages} page(s), ${p.atNight} at night`));
  lines.push('', '## Definitions', '', ...DEFINITIONS.map((d) => `- ${d}`));
  return lines.join('\n') + '\n';
}

export function renderReportMessage(report: WeeklyReport): NeutralMessage {
  const [latest, before] = latestAndBefore(report);
  const weeks = report.rows.filter((r) => r.group === 'all').map((r) => `\`${r.week}\` ${r.count} incident(s) · MTTA ${triple(r.mtta)} · MTTR ${triple(r.mttr)}`);
  const sections: NeutralMessage['sections'] = [{ text: weeks.join('\n') }];
  if (latest) {
    sections.push({
      fields: [
        { label: 'Incidents this week', value: `${latest.count} (${change(latest.count, before?.count ?? null, false)})` },
        { label: 'MTTA (mean)', value: `${dur(latest.mtta.mean)} (${change(latest.mtta.mean, before?.mtta.mean ?? null, true)})` },
        { label: 'MTTR (mean)', value: `${dur(latest.mttr.mean)} (${change(latest.mttr.mean, before?.mttr.mean ?? null, true)})` },
        { label: 'Without postmortem', value: String(report.missingPostmortem.length) },
      ],
    });
  }
  if (report.longest.length) sections.push({ text: `**Longest:** ${report.longest.slice(0, 3).map((i) => `INC-${i.number} (${dur(i.seconds)})`).join(', ')}` });
  if (report.noisiest.length) sections.push({ text: `**Noisiest alerts:** ${report.noisiest.slice(0, 3).map((a) => `${a.title} ×${a.firings}`).join(', ')}` });
  if (report.oncallLoad.length) sections.push({ text: `**On-call load:** ${report.oncallLoad.slice(0, 5).map((p) => `${p.person} ${p.pages} (${p.atNight} at night)`).join(', ')}` });
  return {
    summary: `Incident report: ${latest?.count ?? 0} incident(s) this week`,
    title: `📊 Incident report${report.team ? ` — ${report.team}` : ''} (${report.weeks.length} week(s), ${report.timeZone})`,
    color: 'blue',
    sections,
    footer: `Times are mean / p50 / p90. ${DEFINITIONS.slice(0, 4).join(' ')}`,
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

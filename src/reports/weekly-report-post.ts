import { DateTime } from 'luxon';
import { incidentChannelsOn } from '../chat/incident-channels.js';
import type { Database } from '../db/database.js';
import type { WeeklyReportContent } from '../delivery/report-delivery.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { findGaps } from '../oncall/oncall-queries.js';
import { allOverridesBetween } from '../oncall/stored-overrides.js';
import { loadBetween, loadLines } from '../oncall/oncall-load.js';
import { buildWeeklyReport } from './weekly-report.js';
import { renderReportMessage } from './weekly-report-render.js';

const WEEKS = 12;
const GAP_HORIZON_MS = 14 * 86_400_000;

/**
 * The instant that ends the last complete week before `occurrence`, in the report's zone. The
 * scheduled post reports on complete weeks: fired on a Monday morning (the default), the week
 * it would otherwise detail is a few hours old.
 */
export function endOfLastCompleteWeek(occurrence: Date, timeZone: string): Date {
  return DateTime.fromJSDate(occurrence, { zone: timeZone }).startOf('week').minus({ milliseconds: 1 }).toJSDate();
}

/**
 * What the scheduled weekly report posts: the last twelve complete weeks, with each week's
 * breakdown by severity and team, the longest incidents linked to their channels on the platform
 * it goes to, the on-call gaps of the next 14 days, and the MTTA/MTTR chart.
 */
export function weeklyReportPost(deps: { database: Database; oncall: () => OncallConfig; timeZone: string }): (occurrence: Date) => Promise<WeeklyReportContent> {
  return async (occurrence) => {
    const report = await buildWeeklyReport(deps.database.sql, { weeks: WEEKS, timeZone: deps.timeZone, now: endOfLastCompleteWeek(occurrence, deps.timeZone) });
    const gapsUntil = new Date(occurrence.getTime() + GAP_HORIZON_MS);
    const overrides = await allOverridesBetween(deps.database.prisma, deps.oncall(), occurrence, gapsUntil);
    const gaps = Object.values(deps.oncall().schedules).flatMap((s) => findGaps(s, overrides, occurrence, gapsUntil).map((g) => ({ ...g, name: s.name })));
    // Who carried the pager in the week the report covers, so fairness is discussed with the numbers.
    const weekEnd = endOfLastCompleteWeek(occurrence, deps.timeZone);
    const loads = (await loadBetween(deps.database.prisma, deps.oncall(), new Date(weekEnd.getTime() - 7 * 86_400_000), weekEnd)).slice(0, 10);
    const { reportChartPng } = await import('./report-chart.js');
    return {
      message: async (platform) => {
        const channels = await incidentChannelsOn(deps.database.prisma, platform, report.longest.map((incident) => incident.number));
        const message = renderReportMessage(report, { channels });
        if (gaps.length) {
          message.sections.push({ text: `⚠️ **On-call gaps in the next 14 days:** ${gaps.slice(0, 5).map((g) => `${g.name} ${g.start.toISOString().slice(0, 16)}Z–${g.end.toISOString().slice(0, 16)}Z`).join(', ')}` });
        }
        if (loads.length) message.sections.push({ text: `**On-call load last week:**\n${loadLines(loads).join('\n')}` });
        return message;
      },
      chart: { filename: 'mtta-mttr.png', png: reportChartPng(report) },
    };
  };
}

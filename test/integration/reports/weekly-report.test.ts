import { beforeAll, expect, it } from 'vitest';
import { buildWeeklyReport } from '../../../src/reports/weekly-report.js';
import { renderReportCsv, renderReportMarkdown } from '../../../src/reports/weekly-report-render.js';
import { reportChartPng, reportChartSvg } from '../../../src/reports/report-chart.js';
import { describeEachDatabase } from '../../support/test-database.js';

const at = (iso: string, plusSeconds = 0) => new Date(new Date(iso).getTime() + plusSeconds * 1000);

describeEachDatabase('weekly report', (db) => {
  const prisma = () => db().database.prisma;
  const options = { weeks: 3, timeZone: 'Europe/Berlin', now: new Date('2026-04-08T12:00:00Z') };

  beforeAll(async () => {
    const payments = await prisma().team.create({ data: { key: 'payments', name: 'Payments' } });
    const platform = await prisma().team.create({ data: { key: 'platform', name: 'Platform' } });
    const incident = (opened: string, severity: number, teamId: number, ack?: number, mitigated?: number, resolved?: number) =>
      prisma().incident.create({
        data: {
          title: `opened ${opened}`,
          severity,
          teamId,
          source: 'generic',
          status: resolved ? 'resolved' : ack ? 'acknowledged' : 'triggered',
          openedAt: at(opened),
          acknowledgedAt: ack === undefined ? null : at(opened, ack),
          mitigatedAt: mitigated === undefined ? null : at(opened, mitigated),
          resolvedAt: resolved === undefined ? null : at(opened, resolved),
        },
      });
    await incident('2026-03-17T10:00:00Z', 2, payments.id, 600, undefined, 6000); // the week before
    await incident('2026-03-24T10:00:00Z', 2, payments.id, 60, undefined, 600);
    await incident('2026-03-25T10:00:00Z', 1, payments.id, 180, 300, 1200);
    await incident('2026-03-26T10:00:00Z', 3, platform.id, undefined, undefined, 300); // never acknowledged
    // Sunday 22:30 UTC is Monday 00:30 in Berlin, one day after the change to summer time.
    await incident('2026-03-29T22:30:00Z', 4, platform.id, 120, undefined, 240);
  });

  it('gives each week its count and MTTA/TTM/MTTR mean, p50 and p90, empty weeks included', async () => {
    const report = await buildWeeklyReport(db().database.sql, options);
    expect(report.weeks).toEqual(['2026-03-23', '2026-03-30', '2026-04-06']);
    const all = report.rows.filter((r) => r.group === 'all');
    expect(all.map((r) => [r.week, r.count])).toEqual([['2026-03-23', 3], ['2026-03-30', 1], ['2026-04-06', 0]]);
    const [week1, week2, week3] = all;
    // MTTA over the two acknowledged: 60 and 180 s. MTTR over 600, 1200, 300 s.
    expect(week1!.mtta).toEqual({ n: 2, mean: 120, p50: 120, p90: 168 });
    expect(week1!.mttr).toEqual({ n: 3, mean: 700, p50: 600, p90: 1080 });
    expect(week1!.ttm).toEqual({ n: 1, mean: 300, p50: 300, p90: 300 });
    expect(week2!.mtta).toEqual({ n: 1, mean: 120, p50: 120, p90: 120 });
    expect(week3!.mttr).toEqual({ n: 0, mean: null, p50: null, p90: null });
    expect(report.previous).toMatchObject({ week: '2026-03-16', count: 1 });
  });

  it('on-call load counts the pages that reached the person apart from those that reached nobody', async () => {
    const dana = await prisma().person.create({ data: { handle: 'dana-load', name: 'Dana Load', timeZone: 'Europe/Berlin' } });
    const page = (status: string, createdAt: string) => prisma().page.create({ data: { personId: dana.id, message: 'x', status, createdAt: new Date(createdAt) } });
    await page('sent', '2026-03-24T10:00:00Z');
    // Chat failed, but the SMS went out: she was woken.
    const bySms = await page('failed', '2026-03-24T23:30:00Z');
    await prisma().notification.create({ data: { pageId: bySms.id, via: 'sms', address: '+15550100009', dueAt: new Date('2026-03-24T23:30:00Z'), status: 'sent' } });
    // Chat failed and the SMS too: nobody was reached.
    const nothing = await page('failed', '2026-03-25T02:00:00Z');
    await prisma().notification.create({ data: { pageId: nothing.id, via: 'sms', address: '+15550100009', dueAt: new Date('2026-03-25T02:00:00Z'), status: 'failed' } });
    const report = await buildWeeklyReport(db().database.sql, options);
    expect(report.oncallLoad.find((p) => p.person === 'Dana Load')).toEqual({ person: 'Dana Load', pages: 3, atNight: 2, reached: 2 });
    expect(renderReportMarkdown(report)).toContain('- Dana Load: 3 page(s), 2 at night, 2 reached them');
    await prisma().page.deleteMany({ where: { personId: dana.id } });
  });

  it('breaks weeks down by severity and by team, and filters by team', async () => {
    const report = await buildWeeklyReport(db().database.sql, options);
    const week1 = report.rows.filter((r) => r.week === '2026-03-23');
    expect(week1.filter((r) => r.group === 'severity').map((r) => [r.key, r.count])).toEqual([['SEV1', 1], ['SEV2', 1], ['SEV3', 1]]);
    expect(week1.find((r) => r.group === 'team' && r.key === 'payments')).toMatchObject({ count: 2, mttr: { mean: 900 } });
    const payments = await buildWeeklyReport(db().database.sql, { ...options, team: 'payments' });
    expect(payments.rows.filter((r) => r.group === 'all').map((r) => r.count)).toEqual([2, 0, 0]);
  });

  it('lists the longest incidents and the resolved ones still missing a postmortem', async () => {
    await prisma().postmortem.create({ data: { incidentId: 3, markdown: '# RCA', generatedAt: new Date() } });
    const report = await buildWeeklyReport(db().database.sql, options);
    expect(report.longest.map((i) => [i.number, i.seconds])).toEqual([[3, 1200], [2, 600], [4, 300], [5, 240]]);
    expect(report.missingPostmortem.map((i) => i.number).sort()).toEqual([2, 4, 5]);
  });

  it('draws MTTA and MTTR per week as a PNG chart', async () => {
    const report = await buildWeeklyReport(db().database.sql, options);
    const svg = reportChartSvg(report);
    expect(svg).toContain('data-series="MTTA" data-week="2026-03-23" data-minutes="2.00"');
    expect(svg).toContain('data-series="MTTR" data-week="2026-03-23" data-minutes="11.67"');
    expect(svg).not.toContain('data-week="2026-04-06"');
    const png = reportChartPng(report);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([800, 360]);
    if (process.env.CHART_OUT) (await import('node:fs')).writeFileSync(process.env.CHART_OUT, png);
  });

  it('renders Markdown with the formulas under it, and CSV with one row per week and group', async () => {
    const report = await buildWeeklyReport(db().database.sql, options);
    const markdown = renderReportMarkdown(report);
    expect(markdown).toContain('| 2026-03-23 | 3 | 2m / 2m / 2m | 5m / 5m / 5m | 11m / 10m / 18m |');
    expect(markdown).toContain('MTTA: acknowledged at minus opened at');
    const csv = renderReportCsv(report).trim().split('\n');
    expect(csv[0]).toBe('week,group,key,incidents,mtta_mean_s,mtta_p50_s,mtta_p90_s,ttm_mean_s,ttm_p50_s,ttm_p90_s,mttr_mean_s,mttr_p50_s,mttr_p90_s');
    expect(csv).toContain('2026-03-23,all,all,3,120,120,168,300,300,300,700,600,1080');
  });
});

import { describe, expect, it } from 'vitest';
import { renderDiscordMessage } from '../../../src/chat/discord/embed.js';
import { renderSlackMessage } from '../../../src/chat/slack/block-kit.js';
import { endOfLastCompleteWeek } from '../../../src/reports/weekly-report-post.js';
import { renderReportMessage } from '../../../src/reports/weekly-report-render.js';
import type { Stat, WeeklyReport, WeekRow } from '../../../src/reports/weekly-report.js';

const stat = (mean: number | null): Stat => ({ n: mean === null ? 0 : 1, mean, p50: mean, p90: mean });
const row = (week: string, group: WeekRow['group'], key: string, count: number, mtta: number | null, mttr: number | null): WeekRow => ({
  week,
  group,
  key,
  count,
  mtta: stat(mtta),
  ttm: stat(null),
  mttr: stat(mttr),
});

const report: WeeklyReport = {
  timeZone: 'Europe/Berlin',
  team: null,
  weeks: ['2026-11-16', '2026-11-23'],
  previous: undefined,
  rows: [
    row('2026-11-16', 'all', 'all', 1, 60, 600),
    row('2026-11-16', 'severity', 'SEV3', 1, 60, 600),
    row('2026-11-16', 'team', 'platform', 1, 60, 600),
    row('2026-11-23', 'all', 'all', 4, 120, 7_200),
    row('2026-11-23', 'severity', 'SEV1', 1, 60, 3_600),
    row('2026-11-23', 'severity', 'SEV2', 3, 180, 8_400),
    row('2026-11-23', 'team', 'payments', 3, 120, 9_000),
    row('2026-11-23', 'team', 'no team', 1, null, 1_800),
  ],
  longest: [
    { number: 7, title: 'Checkout 5xx\n# above 5%', severity: 1, seconds: 10_800, private: false },
    { number: 9, title: 'Card numbers in the logs', severity: 2, seconds: 7_200, private: true },
    { number: 8, title: 'Disk full', severity: 2, seconds: 3_600, private: false },
    { number: 4, title: 'a', severity: 3, seconds: 60, private: false },
    { number: 5, title: 'b', severity: 3, seconds: 50, private: false },
    { number: 6, title: 'c', severity: 3, seconds: 40, private: false },
  ],
  missingPostmortem: [],
  noisiest: [],
  maintenance: [],
  oncallLoad: [],
};

describe('the weekly report in chat', () => {
  const message = renderReportMessage(report, { channels: new Map([[7, 'C0INC7'], [9, 'C0INC9']]) });
  const text = message.sections.map((section) => section.text ?? '').join('\n');
  const fields = message.sections.flatMap((section) => section.fields ?? []);

  it('breaks the last week down by severity and by team, as fields', () => {
    expect(text).toContain('**By severity**, week of 2026-11-23 (means)');
    expect(text).toContain('**By team**, week of 2026-11-23 (means)');
    expect(fields).toEqual(
      expect.arrayContaining([
        { label: 'SEV1', value: '1 incident · MTTA 1m · MTTR 1h' },
        { label: 'SEV2', value: '3 incidents · MTTA 3m · MTTR 2h 20m' },
        { label: 'Team payments', value: '3 incidents · MTTA 2m · MTTR 2h 30m' },
        { label: 'No team', value: '1 incident · MTTA — · MTTR 30m' },
        { label: 'Incidents, week of 2026-11-23', value: '4 (+3)' },
      ]),
    );
    // The week before is in the week lines, not in the breakdown.
    expect(fields.map((field) => field.label)).not.toContain('SEV3');
  });

  it('lists the five longest incidents with links to their channels, a private one without its title, each on one line', () => {
    expect(text).toContain('**Longest incidents**');
    expect(text).toContain('- **INC-7** SEV1 · 3h · <#C0INC7> · Checkout 5xx # above 5%');
    expect(text).toContain('- **INC-9** SEV2 · 2h · <#C0INC9> · _private_');
    expect(text).toContain('- **INC-8** SEV2 · 1h · Disk full');
    expect(text).not.toContain('Card numbers');
    expect(text).not.toContain('INC-6');
    expect(message.mentions).toEqual(['C0INC7', 'C0INC9']);
  });

  it('Slack shows the breakdown as section fields and the links live; Discord as embed fields', () => {
    const slack = JSON.stringify(renderSlackMessage(message).blocks);
    expect(slack).toContain('"text":"*SEV2*\\n3 incidents · MTTA 3m · MTTR 2h 20m"');
    expect(slack).toContain('"text":"*Team payments*\\n3 incidents · MTTA 2m · MTTR 2h 30m"');
    expect(slack).toContain('<#C0INC7>');
    const embed = renderDiscordMessage({ ...message, mentions: ['111', '222'] }).embeds![0]!;
    expect(embed.fields).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'SEV2', value: '3 incidents · MTTA 3m · MTTR 2h 20m' })]));
    expect(embed.fields).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Team payments' })]));
  });

  it('says so when the week had no incidents', () => {
    const quiet = renderReportMessage({ ...report, rows: [row('2026-11-23', 'all', 'all', 0, null, null)], longest: [] });
    expect(quiet.sections.map((section) => section.text ?? '').join('\n')).toContain('week of 2026-11-23: no incidents');
  });

  it('the scheduled post reports on complete weeks: on a Monday morning, up to the Sunday before', () => {
    expect(endOfLastCompleteWeek(new Date('2026-11-30T08:00:00Z'), 'Europe/Berlin').toISOString()).toBe('2026-11-29T22:59:59.999Z');
    expect(endOfLastCompleteWeek(new Date('2026-12-04T16:00:00Z'), 'UTC').toISOString()).toBe('2026-11-29T23:59:59.999Z');
  });
});

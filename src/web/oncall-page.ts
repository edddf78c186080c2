import { DateTime } from 'luxon';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { shiftsBetween, type ScheduleOverride } from '../oncall/on-call-at.js';
import { onCallNow, schedulesFor } from '../oncall/oncall-queries.js';
import { h } from './web-page.js';

export type OncallView = 'week' | 'month';

/** The days each view covers, from the start of today in the reader's zone. */
export const VIEW_DAYS: Record<OncallView, number> = { week: 7, month: 31 };

/**
 * Who is on call now and next for every team, then each schedule's shifts over the view,
 * overrides marked and gaps (nobody on call) shown as such: read from oncall.yaml and the
 * overrides stored, as /oncall and the pager read them.
 */
export function oncallPageContent(config: OncallConfig, overrides: readonly ScheduleOverride[], options: { now: Date; view: OncallView; timeZone: string }): string {
  const nameOf = (key: string | undefined) => (key ? (config.people[key]?.name ?? key) : undefined);
  const when = (at: Date) => DateTime.fromJSDate(at).setZone(options.timeZone).toFormat('ccc d LLL HH:mm');
  const teams = Object.values(config.teams);
  if (teams.every((team) => schedulesFor(config, team.key).length === 0)) return '<p>No schedules are configured in oncall.yaml.</p>';

  const nowRows = teams.flatMap((team) =>
    schedulesFor(config, team.key).map((schedule) => {
      const current = onCallNow(schedule, overrides, options.now);
      const who = nameOf(current.personKey);
      return `<tr><th scope="row">${h(team.name)}</th><td>${h(schedule.name)}</td><td${who ? '' : ' class="gap"'}>${who ? h(who) : '<strong>nobody (a gap)</strong>'}${current.via === 'override' ? ' <span class="muted">(override)</span>' : ''}</td><td>${current.until ? h(when(current.until)) : '—'}</td><td>${h(nameOf(current.next) ?? (current.until ? 'nobody (a gap)' : '—'))}</td></tr>`;
    }),
  );
  const start = DateTime.fromJSDate(options.now).setZone(options.timeZone).startOf('day');
  const from = start.toJSDate();
  const to = start.plus({ days: VIEW_DAYS[options.view] }).toJSDate();
  const seen = new Set<string>();
  const schedules = teams.flatMap((team) => schedulesFor(config, team.key)).filter((schedule) => !seen.has(schedule.key) && seen.add(schedule.key));
  const tables = schedules
    .map((schedule) => {
      const shifts = shiftsBetween(schedule, overrides, from, to);
      const gaps = shifts.filter((shift) => shift.personKey === undefined).length;
      const rows = shifts
        .map((shift) => {
          const who = nameOf(shift.personKey);
          return `<tr${who ? '' : ' class="gap"'}><td>${h(when(shift.start))}</td><td>${h(when(shift.end))}</td><td>${who ? h(who) : '<strong>nobody (a gap)</strong>'}</td><td>${shift.via === 'override' ? 'override' : h(shift.via ?? '')}</td></tr>`;
        })
        .join('');
      return `<h3 id="schedule-${h(schedule.key)}">${h(schedule.name)}</h3>${gaps ? `<p class="gap-note" role="note"><strong>${gaps} gap(s)</strong>: nobody is on call in the rows marked below.</p>` : ''}
<div class="scroll"><table><caption>${h(schedule.name)}, times in ${h(options.timeZone)}</caption><thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col">On call</th><th scope="col">How</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    })
    .join('');
  const viewLink = (view: OncallView, label: string) => (view === options.view ? `<strong aria-current="page">${label}</strong>` : `<a href="/ui/oncall?view=${view}">${label}</a>`);
  return `<h2 id="now">Now</h2><div class="scroll"><table><caption>Times in ${h(options.timeZone)}</caption><thead><tr><th scope="col">Team</th><th scope="col">Schedule</th><th scope="col">On call</th><th scope="col">Until</th><th scope="col">Then</th></tr></thead><tbody>${nowRows.join('')}</tbody></table></div>
<h2 id="shifts">Shifts</h2><p>${viewLink('week', 'This week')} · ${viewLink('month', 'This month')}</p>${tables}`;
}

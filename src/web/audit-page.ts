import { DateTime } from 'luxon';
import type { AuditEntryView } from '../access/audit-log.js';
import { h } from './web-page.js';

/** The audit trail for admins: who did what, newest first, with a filter by person and action. */
export function auditPageContent(entries: AuditEntryView[], filter: { actor: string; action: string; days: number }, timeZone: string): string {
  const form = `<form class="filters" method="get" action="/ui/audit" aria-label="Filter the audit trail">
<label for="a-actor">Person<input id="a-actor" name="actor" value="${h(filter.actor)}" maxlength="100"></label>
<label for="a-action">Action starts with<input id="a-action" name="action" value="${h(filter.action)}" maxlength="100"></label>
<label for="a-days">Days back<input id="a-days" name="days" type="number" min="1" max="365" value="${filter.days}"></label>
<button type="submit">Show</button></form>`;
  if (entries.length === 0) return `${form}<p>Nothing recorded for these filters.</p>`;
  const when = (at: Date) => DateTime.fromJSDate(at).setZone(timeZone).toFormat('yyyy-LL-dd HH:mm:ss ZZZZ');
  const rows = entries
    .map((e) => `<tr><td>${h(when(e.at))}</td><td>${h(e.actorName)}${e.actorHandle ? ` <span class="muted">(${h(e.actorHandle)})</span>` : ''}</td><td>${h(e.platform)}</td><td>${h(e.action)}</td><td>${h(e.result)}</td><td>${h(e.detail ?? '')}</td><td><code>${h(e.args === null || e.args === undefined ? '' : JSON.stringify(e.args).slice(0, 300))}</code></td></tr>`)
    .join('');
  return `${form}<div class="scroll"><table><caption>Newest first, at most ${entries.length === 500 ? 'the latest 500' : 'all'}; times in ${h(timeZone)}</caption><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Where</th><th scope="col">Action</th><th scope="col">Result</th><th scope="col">Why</th><th scope="col">Arguments</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

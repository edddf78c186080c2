import { DateTime } from 'luxon';
import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import { getIncident, getTimeline } from '../incidents/incident-queries.js';

import { loadRunView } from '../playbooks/playbook-messages.js';
import { draftPostmortem } from '../reports/postmortem.js';
import { visibleTo } from './incident-visibility.js';
import { markdownToHtml } from './markdown-html.js';
import { h } from './web-page.js';
import type { Viewer } from './web-viewer.js';

/** The longest timeline one page shows; the rest is in the postmortem download and the API. */
const TIMELINE_LIMIT = 2_000;

/** Whether the viewer may see incident `id` (false also when there is no such incident: the answer is the same). */
export async function canSeeIncident(database: Database, viewer: Viewer, id: number): Promise<boolean> {
  const rows = await database.sql.query(sql`SELECT 1 FROM incidents i WHERE i.id = ${id}::int AND ${visibleTo(viewer)}`);
  return rows.length === 1;
}

/** One incident's whole story: facts, alerts, playbook progress, timeline, postmortem. */
export async function incidentPageContent(database: Database, viewer: Viewer, id: number, options: { changeWindowMs?: number; now: Date }): Promise<string | undefined> {
  const incident = await getIncident(database.prisma, id);
  if (!incident) return undefined;
  const [timeline, run, postmortem] = await Promise.all([
    getTimeline(database.prisma, id, { limit: TIMELINE_LIMIT }),
    loadRunView(database.prisma, id),
    draftPostmortem(database.prisma, id, { now: options.now, changeWindowMs: options.changeWindowMs }),
  ]);
  const when = (iso: string | null) => (iso ? DateTime.fromISO(iso).setZone(viewer.timeZone).toFormat('yyyy-LL-dd HH:mm:ss ZZZZ') : '—');
  const fact = (name: string, value: string) => `<dt>${name}</dt><dd>${value}</dd>`;
  const roles = Object.entries(incident.roles).map(([role, name]) => `${h(role)}: ${h(name)}`).join(', ');
  const facts = `<dl class="facts">${[
    fact('Title', h(incident.title)),
    fact('Severity', h(incident.severity)),
    fact('Status', `<span class="${h(incident.status)}">${h(incident.status)}</span>`),
    fact('Team', h(incident.team ?? '—')),
    fact('Service', h(incident.service ?? '—')),
    fact('Opened', h(when(incident.openedAt))),
    fact('Acknowledged', h(when(incident.acknowledgedAt))),
    fact('Mitigated', h(when(incident.mitigatedAt))),
    fact('Resolved', h(when(incident.resolvedAt))),
    fact('Roles', roles || '—'),
    ...(incident.summary ? [fact('Summary', h(incident.summary))] : []),
    ...(incident.private ? [fact('Visibility', 'private: only the people in it and admins see it')] : []),
  ].join('')}</dl>`;

  const alerts = incident.alerts.length
    ? `<table><caption>${incident.alerts.length} alert(s)</caption><thead><tr><th scope="col">Alert</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Started</th><th scope="col">Fired</th></tr></thead><tbody>${incident.alerts
        .map((alert) => `<tr><td>${h(alert.title)}</td><td>${h(alert.source)}</td><td>${h(alert.status)}</td><td>${h(when(alert.startsAt))}</td><td>${alert.fireCount}×</td></tr>`)
        .join('')}</tbody></table>`
    : '<p>Declared by hand: no alerts.</p>';

  // A run left unfinished stays "running" in storage (a re-opened incident carries on with it),
  // but a resolved incident's playbook is not going on: it says where it stopped.
  const stopped = run?.status === 'running' && incident.status === 'resolved';
  const playbook = run
    ? `<p>${h(run.playbookName)}: ${stopped ? 'stopped when the incident was resolved' : h(run.status)}</p><ol>${run.definition.steps
        .map((step) => {
          const state = run.steps.find((s) => s.stepId === step.id);
          const reached = state?.status === 'active' || (!state && step.id === run.currentStepId);
          const mark = stopped && reached ? 'not done (where it stopped)' : state ? `${state.status}${state.choice ? ` → ${state.choice}` : ''}${state.actorName ? ` (${state.actorName})` : ''}` : step.id === run.currentStepId ? 'current step' : stopped ? 'not done' : 'to do';
          return `<li${step.id === run.currentStepId && !stopped ? ' aria-current="step"' : ''}>${h(step.title)} <span class="muted">${h(mark)}</span></li>`;
        })
        .join('')}</ol>`
    : '<p>No playbook runs for this incident.</p>';

  const entries = timeline
    .map((event) => `<tr><td>${h(when(event.at))}</td><td>${h(event.actor.name)}</td><td>${h(event.text)}</td></tr>`)
    .join('');
  const timelineTable = `<table><caption>Times in ${h(viewer.timeZone)}${timeline.length === TIMELINE_LIMIT ? `; the first ${TIMELINE_LIMIT} entries` : ''}</caption><thead><tr><th scope="col">Time</th><th scope="col">Who</th><th scope="col">What</th></tr></thead><tbody>${entries}</tbody></table>`;

  return `${facts}
<h2 id="alerts">Alerts</h2>${alerts}
<h2 id="playbook">Playbook</h2>${playbook}
<h2 id="timeline">Timeline</h2>${timelineTable}
<h2 id="postmortem">Postmortem</h2><p><a href="/ui/incidents/${id}/postmortem.md" download>Download the postmortem (Markdown)</a></p>
<section aria-labelledby="postmortem" class="postmortem">${postmortem ? markdownToHtml(postmortem) : ''}</section>`;
}


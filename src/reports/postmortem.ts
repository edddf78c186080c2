import { DateTime } from 'luxon';
import { ALERT_SOURCES } from '../alerts/alert.js';
import type { PrismaClient } from '../db/database.js';
import { changesNear, type ChangeNearIncident } from '../incidents/change-events.js';
import { loadIncidentRecord } from '../incidents/incident-record.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import { systemClock } from '../time/clock.js';
import { formatDuration } from '../time/duration.js';
import { elapsedMs } from '../time/elapsed.js';

/** Everything the postmortem says, read from the database. */
export interface PostmortemFacts {
  id: number;
  title: string;
  severity: number;
  status: string;
  private: boolean;
  team: string | null;
  service: string | null;
  summary: string | null;
  openedAt: Date;
  /** When the problem began: its first alert's start if that came before the opening (problemStart). */
  startedAt: Date;
  acknowledgedAt: Date | null;
  mitigatedAt: Date | null;
  resolvedAt: Date | null;
  firstAlert: { source: string; title: string; startsAt: Date; links: Record<string, string> } | null;
  alertCount: number;
  timeline: { at: Date; actor: string; kind: string; text: string; tag: string | null }[];
  roles: { role: string; name: string }[];
  steps: { title: string; status: string; by: string | null; choice: string | null }[];
  playbook: string | null;
  /** Change events of its service or team from `changeWindowMs` before it began (problemStart) until it resolved. */
  changes: ChangeNearIncident[];
  changeWindowMs: number;
}

/** CHANGE_EVENT_WINDOW's default: how long before an incident a change is listed under "What changed". */
export const DEFAULT_CHANGE_WINDOW_MS = 2 * 3_600_000;

export interface PostmortemOptions {
  changeWindowMs?: number;
  now?: Date;
}

/** The longest a maintenance window holds alerts (maintenance-command's MAX_WINDOW_MS). */
const LONGEST_HOLD_MS = 7 * 24 * 3_600_000;

/**
 * Where "What changed" looks back from: the first alert's own start when it began before the
 * incident opened (held by a maintenance window, or delivered late), else the opening. A start
 * more than the longest hold before the opening is a sender's clock, not a hold, and is not used.
 */
export function problemStart(openedAt: Date, alertStarts: readonly Date[]): Date {
  const earliest = Math.min(openedAt.getTime(), ...alertStarts.map((at) => at.getTime()).filter((at) => at >= openedAt.getTime() - LONGEST_HOLD_MS));
  return new Date(earliest);
}

export async function loadPostmortemFacts(prisma: PrismaClient, id: number, options: PostmortemOptions = {}): Promise<PostmortemFacts | undefined> {
  const incident = await loadIncidentRecord(prisma, id);
  if (!incident) return undefined;
  const changeWindowMs = options.changeWindowMs ?? DEFAULT_CHANGE_WINDOW_MS;
  const startedAt = problemStart(incident.openedAt, incident.alerts.map((alert) => alert.startsAt));
  const changes = await changesNear(
    prisma,
    { openedAt: startedAt, resolvedAt: incident.resolvedAt, service: incident.service, teamKey: incident.team?.key ?? null },
    changeWindowMs,
    options.now ?? systemClock.now(),
  );
  const timeline = await prisma.timelineEvent.findMany({ where: { incidentId: id }, orderBy: [{ at: 'asc' }, { id: 'asc' }] });
  const first = incident.alerts[0];
  return {
    id: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    private: incident.private,
    team: incident.team?.name ?? null,
    service: incident.service,
    summary: incident.summary,
    openedAt: incident.openedAt,
    startedAt,
    acknowledgedAt: incident.acknowledgedAt,
    mitigatedAt: incident.mitigatedAt,
    resolvedAt: incident.resolvedAt,
    firstAlert: first ? { source: first.source, title: first.title, startsAt: first.startsAt, links: first.links } : null,
    alertCount: incident.alerts.length,
    timeline: timeline.map((e) => ({ at: e.at, actor: e.actorName, kind: e.kind, text: e.text, tag: e.tag })),
    roles: incident.roles.map((r) => ({ role: r.role, name: r.person.name })),
    steps: (incident.playbook?.steps ?? []).flatMap((step) =>
      step.status && step.status !== 'active' && step.status !== 'pending' ? [{ title: step.title, status: step.status, by: step.by, choice: step.choice }] : [],
    ),
    playbook: incident.playbook?.name ?? null,
    changes,
    changeWindowMs,
  };
}

const utc = (date: Date | null) => (date ? DateTime.fromJSDate(date, { zone: 'UTC' }).toFormat("yyyy-MM-dd HH:mm 'UTC'") : '—');
const after = (from: Date, to: Date | null) => (to ? formatDuration(elapsedMs(from, to)) : 'not yet');
const cell = (text: string) => oneLine(text).replace(/\|/g, '\\|');
const PLACEHOLDER = '_To be written._';

/** The RCA draft, from facts only: what happened when, who did what, and what the notes say. */
export function renderPostmortem(facts: PostmortemFacts): string {
  const notes = (tag: string) =>
    facts.timeline.filter((e) => e.tag === tag).map((e) => `- ${e.text.replace(/^\s*(root\s*cause|rootcause|impact|action)\s*:\s*/i, '')} (${e.actor}, ${utc(e.at)})`);
  const people = [...new Set(facts.timeline.filter((e) => e.actor !== 'incident-bot' && !(ALERT_SOURCES as readonly string[]).includes(e.actor)).map((e) => e.actor))];
  const link = facts.firstAlert ? Object.entries(facts.firstAlert.links).map(([name, url]) => `[${name}](${url})`).join(', ') : '';
  const lines = [
    `# Postmortem: ${incidentLabel(facts.id)} ${oneLine(facts.title)}`,
    '',
    `_Draft generated from the incident timeline. Status: ${facts.status}${facts.private ? ' · private' : ''}._`,
    '',
    '## Summary',
    '',
    facts.summary ?? PLACEHOLDER,
    '',
    '| | |',
    '| --- | --- |',
    `| Severity | ${severityLabel(facts.severity)} |`,
    `| Team | ${cell(facts.team ?? '—')} |`,
    `| Service | ${cell(facts.service ?? '—')} |`,
    // From its first alert's start when that came before the opening (held, or delivered late).
    `| Impact window | ${utc(facts.startedAt)} to ${facts.resolvedAt ? utc(facts.resolvedAt) : 'ongoing'} |`,
    `| Time to acknowledge | ${after(facts.openedAt, facts.acknowledgedAt)} |`,
    `| Time to mitigate | ${after(facts.openedAt, facts.mitigatedAt)} |`,
    `| Time to resolve | ${after(facts.openedAt, facts.resolvedAt)} |`,
    '',
    '## Detection',
    '',
    facts.firstAlert
      ? `First alert: **${oneLine(facts.firstAlert.title)}** from ${facts.firstAlert.source} at ${utc(facts.firstAlert.startsAt)}${link ? ` (${link})` : ''}; ${facts.alertCount} alert(s) in all.`
      : 'Declared by hand; no alert fired.',
    '',
    '## What changed',
    '',
    ...(facts.changes.length
      ? facts.changes.map((c) => {
          const links = Object.entries(c.links).map(([name, url]) => `[${name}](${url})`).join(', ');
          const where = [c.service, c.source].filter(Boolean).map((text) => oneLine(text!)).join(', ');
          return `- ${utc(c.at)}: ${oneLine(c.summary)}${where ? ` (${where})` : ''}${links ? ` ${links}` : ''}`;
        })
      : [`No change events of ${facts.service ? 'this service' : 'this team'} from ${formatDuration(facts.changeWindowMs)} before it began${facts.resolvedAt ? ' until it resolved' : ''} (PagerDuty change events, CHANGE_EVENT_WINDOW; it began at its first alert's start, or when it opened if that was earlier).`]),
    '',
    '## Impact',
    '',
    ...(notes('impact').length ? notes('impact') : [PLACEHOLDER]),
    '',
    '## Root cause',
    '',
    ...(notes('rootcause').length ? notes('rootcause') : [PLACEHOLDER]),
    '',
    '## Contributing factors',
    '',
    PLACEHOLDER,
    '',
    '## Action items',
    '',
    ...(notes('action').length ? notes('action').map((line) => line.replace(/^- /, '- [ ] ')) : [PLACEHOLDER]),
    '',
    '## Timeline',
    '',
    '| time (UTC) | who | what |',
    '| --- | --- | --- |',
    ...facts.timeline.map((e) => `| ${utc(e.at)} | ${cell(e.actor)} | ${cell(e.text)} |`),
    '',
  ];
  if (facts.playbook) {
    lines.push(`## Playbook: ${facts.playbook}`, '');
    lines.push(...(facts.steps.length ? facts.steps.map((s) => `- ${s.status === 'done' ? 'Done' : 'Skipped'}: ${s.title}${s.choice ? ` → ${s.choice}` : ''}${s.by ? ` (${s.by})` : ''}`) : ['No steps recorded.']), '');
  }
  lines.push('## Who took part', '');
  lines.push(...(facts.roles.map((r) => `- ${r.name} (${r.role})`).concat(people.filter((p) => !facts.roles.some((r) => r.name === p)).map((p) => `- ${p}`))));
  if (facts.roles.length === 0 && people.length === 0) lines.push('- Nobody recorded.');
  return lines.join('\n') + '\n';
}

/** The draft as it would be written now, for reading: it records nothing. */
export async function draftPostmortem(prisma: PrismaClient, id: number, options: PostmortemOptions = {}): Promise<string | undefined> {
  const facts = await loadPostmortemFacts(prisma, id, options);
  return facts ? renderPostmortem(facts) : undefined;
}

/**
 * Writes (or rewrites) the draft and keeps it: a person asked for the postmortem, so the weekly
 * report no longer lists the incident as missing one.
 */
export async function generatePostmortem(prisma: PrismaClient, id: number, now: Date, changeWindowMs?: number): Promise<string | undefined> {
  const markdown = await draftPostmortem(prisma, id, { now, changeWindowMs });
  if (markdown === undefined) return undefined;
  await prisma.postmortem.upsert({ where: { incidentId: id }, create: { incidentId: id, markdown, generatedAt: now }, update: { markdown, generatedAt: now } });
  return markdown;
}

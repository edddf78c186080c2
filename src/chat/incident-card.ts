import { DateTime } from 'luxon';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import { formatDuration } from '../time/duration.js';
import { elapsedMs } from '../time/elapsed.js';
import { chatIdOf } from './chat-identity.js';
import type { ChatPlatformName } from './chat-port.js';
import { incidentButtonValue, stepButtonValue } from './commands/button-actions.js';
import type { PersonRef } from '../incidents/incident-record.js';
import type { IncidentFacts } from './incident-facts.js';
import { channelLink, mention, type MessageButton, type MessageColor, type MessageField, type NeutralMessage } from './neutral-message.js';

const STATUS_COLOR: Record<IncidentFacts['status'], MessageColor> = { triggered: 'red', acknowledged: 'orange', mitigated: 'yellow', resolved: 'green' };

function time(date: Date | null): string {
  return date ? DateTime.fromJSDate(date).toUTC().toFormat("yyyy-MM-dd HH:mm 'UTC'") : '—';
}

export function personLabel(person: PersonRef, platform: ChatPlatformName): string {
  const id = chatIdOf(person, platform);
  return id ? mention(id) : person.name;
}

/** The incident card: what is wrong, how bad, who has it, and the buttons to act; `now` is when it is rendered (the footer's "updated"). */
export function incidentCard(facts: IncidentFacts, platform: ChatPlatformName, options: { now: Date; publicUrl?: string }): NeutralMessage {
  const label = incidentLabel(facts.id);
  const fields: MessageField[] = [
    { label: 'Severity', value: severityLabel(facts.severity) },
    { label: 'Status', value: facts.status },
    { label: 'Team', value: facts.team ?? '—' },
    { label: 'Service', value: facts.service ?? '—' },
  ];
  const commander = facts.roles.find((role) => role.role === 'commander');
  fields.push({ label: 'Commander', value: commander ? personLabel(commander.person, platform) : '_none yet: `/incident role commander @you`_' });
  for (const role of facts.roles.filter((r) => r.role !== 'commander')) fields.push({ label: role.role, value: personLabel(role.person, platform) });
  const links = facts.firstAlert ? Object.entries(facts.firstAlert.links).map(([name, url]) => `[${name}](${url})`) : [];
  fields.push({ label: 'Source', value: [facts.source, ...links].join(' · ') });
  fields.push({ label: 'Opened', value: time(facts.openedAt) });
  if (facts.acknowledgedAt) fields.push({ label: 'Acknowledged', value: `${time(facts.acknowledgedAt)} (after ${formatDuration(elapsedMs(facts.openedAt, facts.acknowledgedAt))})` });
  if (facts.mitigatedAt) fields.push({ label: 'Mitigated', value: time(facts.mitigatedAt) });
  if (facts.resolvedAt) fields.push({ label: 'Resolved', value: `${time(facts.resolvedAt)} (after ${formatDuration(elapsedMs(facts.openedAt, facts.resolvedAt))})` });
  if (facts.alertCount > 0) fields.push({ label: 'Alerts', value: `${facts.firingCount} firing of ${facts.alertCount}` });
  if (facts.flapping.length > 0) fields.push({ label: 'Flapping', value: facts.flapping.map((a) => `${oneLine(a.title)} (fired ${a.fires} times lately; pages nobody twice)`).join('; ') });
  if (facts.playbook) fields.push({ label: 'Playbook', value: `${facts.playbook.name}${facts.playbook.currentStepTitle ? ` — now: ${facts.playbook.currentStepTitle}` : ` (${facts.playbook.status})`}` });

  const sections = [] as NeutralMessage['sections'];
  const description = facts.firstAlert?.description?.trim();
  if (description) sections.push({ text: description });
  sections.push({ fields });
  if (facts.summary) sections.push({ text: `**Resolution:** ${facts.summary}` });

  const buttons: MessageButton[] = [];
  const value = incidentButtonValue(facts.id);
  if (facts.status === 'triggered') buttons.push({ action: 'incident.ack', label: 'Acknowledge', value, style: 'primary' });
  if (facts.status !== 'resolved') buttons.push({ action: 'incident.resolve', label: 'Resolve', value, style: 'danger' });
  if (facts.playbook && facts.playbook.status === 'running') buttons.push({ action: 'step.next', label: 'Next step', value: stepButtonValue(facts.id) });
  // Feedback for the weekly report: worth giving after the fact too.
  buttons.push({ action: 'incident.noise', label: 'Noisy', value });

  return {
    summary: `${label} ${severityLabel(facts.severity)} ${facts.status}: ${oneLine(facts.title)}`,
    title: `${label}: ${oneLine(facts.title)}`,
    color: facts.status === 'resolved' ? 'green' : facts.severity <= 2 && facts.status === 'triggered' ? 'red' : STATUS_COLOR[facts.status],
    sections,
    buttons,
    footer: `${label} · ${facts.private ? 'private · ' : ''}updated ${time(options.now)}`,
    fullTextUrl: options.publicUrl ? `${options.publicUrl.replace(/\/$/, '')}/api/incidents/${facts.id}` : undefined,
    mentions: facts.roles.map((role) => chatIdOf(role.person, platform)).filter((id): id is string => Boolean(id)),
  };
}

/** What the announcement channel learns: everything for a public incident, only that it exists for a private one. */
export function incidentAnnouncement(facts: IncidentFacts, channelId: string | undefined, platform: ChatPlatformName): NeutralMessage {
  const label = incidentLabel(facts.id);
  if (facts.private) {
    return {
      summary: `${label}: a private ${severityLabel(facts.severity)} incident is ${facts.status}`,
      color: 'grey',
      sections: [{ text: `A **private** ${severityLabel(facts.severity)} incident (${label}) is ${facts.status}. Its details are shared with the people working on it.` }],
    };
  }
  const where = channelId ? channelLink(channelId) : 'its channel';
  return {
    summary: `${label} ${severityLabel(facts.severity)} ${facts.status}: ${oneLine(facts.title)}`,
    title: `${label}: ${oneLine(facts.title)}`,
    color: STATUS_COLOR[facts.status],
    sections: [{ text: `${severityLabel(facts.severity)} · ${facts.status}${facts.team ? ` · ${facts.team}` : ''} — join ${where}` }],
    mentions: channelId ? [channelId] : [],
  };
}

export function channelTopic(facts: IncidentFacts): string {
  return `${severityLabel(facts.severity)} · ${facts.status} · ${oneLine(facts.title)}`.slice(0, 250);
}

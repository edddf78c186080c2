import { describe, expect, it } from 'vitest';
import { incidentChannelName } from '../../../src/chat/channel-name.js';
import { channelTopic, incidentAnnouncement, incidentCard } from '../../../src/chat/incident-card.js';
import type { IncidentFacts } from '../../../src/chat/incident-facts.js';

const facts = (overrides: Partial<IncidentFacts> = {}): IncidentFacts => ({
  id: 42,
  title: 'Checkout 5xx above 5% in eu-west-1',
  severity: 1,
  status: 'triggered',
  private: false,
  team: 'Payments',
  service: 'checkout',
  source: 'alertmanager',
  openedAt: new Date('2026-11-24T03:00:00Z'),
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: null,
  summary: null,
  roles: [],
  paged: [],
  declaredBy: null,
  firstAlert: { title: 'HighErrorRate', description: 'checkout 5xx above 5%', links: { generator: 'http://prometheus/graph' } },
  alertCount: 2,
  firingCount: 2,
  flapping: [],
  playbook: null,
  ...overrides,
});

describe('incident channel names', () => {
  it('follow Slack`s rules: inc-<number>-<slug>, lowercase, at most 80 characters', () => {
    expect(incidentChannelName(42, 'Checkout 5xx above 5% in eu-west-1')).toBe('inc-42-checkout-5xx-above-5-in-eu-west-1');
    expect(incidentChannelName(7, 'Ünïcödé Façade — DB down!!')).toBe('inc-7-unicode-facade-db-down');
    const long = incidentChannelName(123456, 'x'.repeat(300), 3);
    expect(long.length).toBeLessThanOrEqual(80);
    expect(long).toMatch(/^inc-123456-x+-3$/);
    expect(incidentChannelName(5, '!!!')).toBe('inc-5');
  });
});

describe('incident card', () => {
  const buttons = (f: IncidentFacts) => incidentCard(f, 'slack', { now: RENDERED_AT }).buttons!.map((b) => b.action);

  it('shows what is wrong, how bad, and where it came from', () => {
    const card = incidentCard(facts(), 'slack', { now: RENDERED_AT });
    expect(card.title).toBe('INC-42: Checkout 5xx above 5% in eu-west-1');
    expect(card.color).toBe('red');
    const fields = Object.fromEntries(card.sections.flatMap((s) => s.fields ?? []).map((f) => [f.label, f.value]));
    expect(fields).toMatchObject({ Severity: 'SEV1', Status: 'triggered', Team: 'Payments', Service: 'checkout', Alerts: '2 firing of 2' });
    expect(fields.Source).toBe('alertmanager · [generator](http://prometheus/graph)');
    expect(fields.Commander).toContain('/incident role commander');
  });

  it('says when it was rendered by the clock it is given, not the machine`s', () => {
    expect(incidentCard(facts(), 'slack', { now: RENDERED_AT }).footer).toBe('INC-42 · updated 2026-12-04 03:15 UTC');
  });

  it('offers the buttons that make sense for the status', () => {
    expect(buttons(facts())).toEqual(['incident.ack', 'incident.resolve', 'incident.noise']);
    expect(buttons(facts({ status: 'acknowledged', acknowledgedAt: new Date('2026-11-24T03:04:00Z') }))).toEqual(['incident.resolve', 'incident.noise']);
    // Whether it was noise is often clearest once it is over.
    expect(buttons(facts({ status: 'resolved' }))).toEqual(['incident.noise']);
    expect(buttons(facts({ playbook: { name: 'API errors', status: 'running', currentStepTitle: 'Check the deploy' } }))).toContain('step.next');
  });

  it('names people by their platform mention', () => {
    const alice = { id: 1, name: 'Alice', slackId: 'U1', discordId: '111', mattermostId: null, teamsId: null };
    const card = incidentCard(facts({ roles: [{ role: 'commander', person: alice }] }), 'discord', { now: RENDERED_AT });
    expect(JSON.stringify(card)).toContain('<@111>');
    expect(card.mentions).toEqual(['111']);
  });

  it('tells the announcement channel only that a private incident exists', () => {
    const secret = facts({ private: true, title: 'Leaked AWS key for billing account' });
    const text = JSON.stringify(incidentAnnouncement(secret, 'C1', 'slack'));
    expect(text).not.toContain('AWS');
    expect(text).toContain('private');
    expect(JSON.stringify(incidentAnnouncement(facts(), 'C1', 'slack'))).toContain('<#C1>');
    expect(incidentAnnouncement(facts(), 'C1', 'slack').mentions).toEqual(['C1']);
  });

  it('puts severity and status in the topic', () => {
    expect(channelTopic(facts({ status: 'acknowledged' }))).toBe('SEV1 · acknowledged · Checkout 5xx above 5% in eu-west-1');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { usageTable } from '../../../src/chat/commands/command-usage.js';
import { projectRoot } from '../../../src/project-root.js';

const RENDERED_AT = new Date('2026-12-04T03:15:00Z');

describe('README', () => {
  it('shows the command table generated from the parser`s own spec, so docs cannot drift', () => {
    expect(readFileSync(join(projectRoot(), 'README.md'), 'utf8')).toContain(usageTable());
  });
});

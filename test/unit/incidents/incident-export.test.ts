import { describe, expect, it } from 'vitest';
import { incidentExportDocument, type IncidentExportSource } from '../../../src/incidents/incident-export.js';

const at = (text: string) => new Date(text);
const EMAIL = 'jane.doe@example.com';
const PHONE = '+44 20 7946 0958';

/** An incident that went through everything, with personal data in each free-text field. */
function source(): IncidentExportSource {
  const alice = { name: 'Alice Archer', handle: 'alice' };
  return {
    id: 7,
    title: `Checkout failing for ${EMAIL}`,
    severity: 1,
    status: 'resolved',
    private: false,
    team: { key: 'payments', name: 'Payments' },
    service: 'checkout',
    source: 'alertmanager',
    routeId: 'payments',
    playbookId: 'checkout',
    summary: `called ${PHONE} back`,
    reopenCount: 0,
    openedAt: at('2026-11-24T10:00:00Z'),
    acknowledgedAt: at('2026-11-24T10:02:30Z'),
    mitigatedAt: null,
    resolvedAt: at('2026-11-24T11:00:00.500Z'),
    createdAt: at('2026-11-24T10:00:01Z'),
    alerts: [
      {
        attachedAt: at('2026-11-24T10:05:00Z'),
        alert: {
          id: 2, incidentId: 9, source: 'alertmanager', fingerprint: 'b', status: 'resolved', title: 'second', description: null, sourceSeverity: 'warning',
          labels: { alertname: 'B' }, annotations: {}, links: {}, startsAt: at('2026-11-24T10:04:00Z'), endsAt: at('2026-11-24T10:30:00Z'),
          fireCount: 1, receivedCount: 2, lastReceivedAt: at('2026-11-24T10:30:00Z'), flappingSince: null,
        },
      },
      {
        attachedAt: at('2026-11-24T10:00:01Z'),
        alert: {
          id: 1, incidentId: 7, source: 'alertmanager', fingerprint: 'a', status: 'firing', title: `Declines for ${EMAIL}`, description: `ring ${PHONE}`, sourceSeverity: 'critical',
          labels: { alertname: 'A', customer: EMAIL, replicas: 3 }, annotations: { summary: `for ${EMAIL}` }, links: { runbook: 'https://admin:hunter2-pw@wiki/run' },
          startsAt: at('2026-11-24T10:00:00Z'), endsAt: null, fireCount: 3, receivedCount: 5, lastReceivedAt: at('2026-11-24T10:40:00Z'), flappingSince: null,
        },
      },
    ],
    timeline: [
      { id: 11n, at: at('2026-11-24T10:10:00Z'), kind: 'note', actorType: 'person', actorName: 'Alice Archer', text: `customer ${EMAIL} called from ${PHONE}`, tag: 'impact', data: { quoted: [EMAIL] } },
      { id: 10n, at: at('2026-11-24T10:00:01Z'), kind: 'incident.opened', actorType: 'source', actorName: 'alertmanager', text: 'opened', tag: null, data: null },
    ],
    roles: [{ role: 'commander', assignedAt: at('2026-11-24T10:03:00Z'), person: alice }],
    channels: [{ platform: 'slack', channelId: 'C1', name: 'inc-7-checkout', private: false, topic: `SEV1 · ${EMAIL}`, createdAt: at('2026-11-24T10:00:02Z') }],
    pages: [
      {
        id: 4, level: 1, message: `INC-7 for ${EMAIL}`, status: 'acknowledged', platform: 'slack', error: null,
        createdAt: at('2026-11-24T10:00:02Z'), sentAt: at('2026-11-24T10:00:03Z'), acknowledgedAt: at('2026-11-24T10:02:30Z'), person: alice,
        notifications: [
          { id: 9, via: 'sms', address: PHONE, status: 'sent', dueAt: at('2026-11-24T10:02:00Z'), heldFrom: null, sentAt: at('2026-11-24T10:02:01Z'), error: null, foldedInto: null },
          { id: 8, via: 'email', address: 'alice@example.com', status: 'sent', dueAt: at('2026-11-24T10:00:02Z'), heldFrom: null, sentAt: at('2026-11-24T10:00:04Z'), error: null, foldedInto: null },
        ],
      },
    ],
    playbookRun: {
      playbookId: 'checkout', playbookName: 'Checkout down', contentHash: 'abc', currentStepId: null, status: 'completed',
      startedAt: at('2026-11-24T10:00:02Z'), finishedAt: at('2026-11-24T10:50:00Z'),
      definition: { steps: [{ id: 'triage', title: 'Triage' }, { id: 'rollback', title: 'Roll back' }, { id: 'comms', title: 'Tell support' }] },
      steps: [
        { stepId: 'rollback', status: 'done', choice: `asked ${EMAIL}`, at: at('2026-11-24T10:40:00Z'), actor: { name: 'Alice Archer' } },
        { stepId: 'triage', status: 'done', choice: null, at: at('2026-11-24T10:20:00Z'), actor: null },
      ],
    },
    postmortem: { generatedAt: at('2026-11-25T09:00:00Z'), markdown: `# Postmortem\nCustomer ${EMAIL}` },
  };
}

describe('the export document of one incident', () => {
  it('carries the incident with format, version, UTC times and the durations MTTA and MTTR are made of', () => {
    const document = incidentExportDocument(source(), { redact: false });
    expect(document.format).toBe('incident-bot.incident');
    expect(document.version).toBe(1);
    expect(document.redacted).toBe(false);
    expect(document.incident).toMatchObject({
      number: 7, id: 'INC-7', severity: 'SEV1', status: 'resolved', team: 'payments', teamName: 'Payments', service: 'checkout', private: false,
      openedAt: '2026-11-24T10:00:00.000Z', acknowledgedAt: '2026-11-24T10:02:30.000Z', mitigatedAt: null, resolvedAt: '2026-11-24T11:00:00.500Z',
      secondsToAcknowledge: 150, secondsToMitigate: null, secondsToResolve: 3600.5,
    });
  });

  it('lists alerts in the order they joined, the timeline oldest first, notifications by due time, and steps in the playbook`s order', () => {
    const document = incidentExportDocument(source(), { redact: false });
    expect(document.alerts.map((a) => [a.fingerprint, a.current])).toEqual([['a', true], ['b', false]]);
    // A label value that is not text is not a label: left out rather than invented.
    expect(document.alerts[0]!.labels).toEqual({ alertname: 'A', customer: EMAIL });
    expect(document.timeline.map((e) => e.id)).toEqual(['10', '11']);
    expect(document.pages[0]!.notifications.map((n) => n.via)).toEqual(['email', 'sms']);
    expect(document.playbook!.steps.map((s) => [s.id, s.status, s.by])).toEqual([['triage', 'done', null], ['rollback', 'done', 'Alice Archer'], ['comms', null, null]]);
    expect(document.roles).toEqual([{ role: 'commander', person: { name: 'Alice Archer', handle: 'alice' }, assignedAt: '2026-11-24T10:03:00.000Z' }]);
    expect(document.postmortem).toEqual({ generatedAt: '2026-11-25T09:00:00.000Z', markdown: `# Postmortem\nCustomer ${EMAIL}` });
  });

  it('keeps every free-text value as stored when REDACT_PII is off', () => {
    const text = JSON.stringify(incidentExportDocument(source(), { redact: false }));
    expect(text).toContain(EMAIL);
    expect(text).toContain(PHONE);
    expect(text).toContain('hunter2-pw');
  });

  it('masks personal data and secrets in every free-text field when REDACT_PII is on, and keeps what joins and groups', () => {
    const document = incidentExportDocument(source(), { redact: true });
    const text = JSON.stringify(document);
    for (const original of [EMAIL, PHONE, 'alice@example.com', 'hunter2-pw']) expect(text).not.toContain(original);
    expect(document.redacted).toBe(true);
    expect(document.incident.title).toBe('Checkout failing for [email]');
    expect(document.incident.summary).toBe('called [phone] back');
    expect(document.alerts[0]).toMatchObject({ title: 'Declines for [email]', description: 'ring [phone]', labels: { alertname: 'A', customer: '[email]' }, annotations: { summary: 'for [email]' } });
    expect(document.alerts[0]!.links.runbook).toBe('https://admin:[password]@wiki/run');
    expect(document.timeline[1]).toMatchObject({ text: 'customer [email] called from [phone]', data: { quoted: ['[email]'] } });
    expect(document.channels[0]!.topic).toBe('SEV1 · [email]');
    expect(document.pages[0]!.message).toBe('INC-7 for [email]');
    expect(document.pages[0]!.notifications.map((n) => n.address)).toEqual(['[email]', '[phone]']);
    expect(document.playbook!.steps[1]!.choice).toBe('asked [email]');
    expect(document.postmortem!.markdown).toBe('# Postmortem\nCustomer [email]');
    // Who, what and where stay: names, handles, fingerprints, label keys, channel ids.
    expect(document.pages[0]!.person).toEqual({ name: 'Alice Archer', handle: 'alice' });
    expect(document.alerts.map((a) => a.fingerprint)).toEqual(['a', 'b']);
    expect(document.channels[0]!.channelId).toBe('C1');
  });

  it('is the same, byte for byte, each time it is built from the same rows', () => {
    expect(JSON.stringify(incidentExportDocument(source(), { redact: true }))).toBe(JSON.stringify(incidentExportDocument(source(), { redact: true })));
  });
});

import { beforeEach, expect, it } from 'vitest';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { normalizePagerDuty } from '../../../src/alerts/pagerduty.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { exportIncidentsOpened } from '../../../src/incidents/incident-export-queries.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { draftPostmortem } from '../../../src/reports/postmortem.js';
import { describeEachDatabase } from '../../support/test-database.js';

/**
 * An incident opens when the bot receives the alert, as PagerDuty and Opsgenie open theirs,
 * whatever start the sender gives: PagerDuty's own documented example carries a timestamp from
 * 2015, and a sender's clock may run ahead. The alert keeps the start it was sent with.
 */
describeEachDatabase('incidents open when their first alert is received', (db) => {
  const now = new Date('2026-12-06T03:40:00Z');
  let clock = now;
  let intake: AlertIntake;
  beforeEach(async () => {
    await db().database.prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs RESTART IDENTITY CASCADE');
    clock = now;
    intake = new AlertIntake({ database: db().database, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 0, storeRawAlerts: false, clock: { now: () => clock } });
  });
  const opened = async () => {
    const incident = await db().database.prisma.incident.findFirstOrThrow({ select: { id: true, openedAt: true } });
    const alert = await db().database.prisma.alert.findFirstOrThrow({ select: { startsAt: true } });
    const entry = await db().database.prisma.timelineEvent.findFirstOrThrow({ where: { kind: 'incident.opened' }, select: { at: true } });
    return { openedAt: incident.openedAt, alertStartsAt: alert.startsAt, openedEntryAt: entry.at };
  };

  it('a PagerDuty trigger with a timestamp twelve days old opens the incident now; the alert keeps its timestamp; an export of the last day has it', async () => {
    const timestamp = '2026-11-23T10:00:00Z';
    const batch = normalizePagerDuty({ routing_key: 'r'.repeat(32), event_action: 'trigger', dedup_key: 'disk-db-1', payload: { summary: 'Disk full on db-1', source: 'db-1', severity: 'critical', timestamp } }, now);
    expect((await intake.receive(batch))[0]!.outcome).toBe('created');
    expect(await opened()).toEqual({ openedAt: now, alertStartsAt: new Date(timestamp), openedEntryAt: now });
    const exported = [];
    for await (const document of exportIncidentsOpened(db().database.prisma, { since: new Date(now.getTime() - 24 * 3600_000) }, { redact: false })) exported.push(document.incident.number);
    expect(exported).toEqual([1]);
  });

  it('an alert whose sender clock runs an hour ahead opens the incident now, not in the future', async () => {
    const ahead = new Date(now.getTime() + 3600_000).toISOString();
    expect((await intake.receive(normalizeGeneric({ title: 'Queue backlog', fingerprint: 'q-1', starts_at: ahead }, now)))[0]!.outcome).toBe('created');
    expect(await opened()).toEqual({ openedAt: now, alertStartsAt: new Date(ahead), openedEntryAt: now });
  });
  it('resolved by an end the sender recorded before the bot received the alert, the incident resolves when it opened, never before', async () => {
    const startsAt = new Date(now.getTime() - 20 * 60_000).toISOString();
    const endsAt = new Date(now.getTime() - 10 * 60_000).toISOString();
    expect((await intake.receive(normalizeGeneric({ title: 'Queue backlog', fingerprint: 'q-1', starts_at: startsAt }, now)))[0]!.outcome).toBe('created');
    expect((await intake.receive(normalizeGeneric({ title: 'Queue backlog', fingerprint: 'q-1', status: 'resolved', starts_at: startsAt, ends_at: endsAt }, now)))[0]!.outcome).toBe('resolved');
    const incident = await db().database.prisma.incident.findFirstOrThrow({ select: { status: true, openedAt: true, resolvedAt: true } });
    expect(incident).toEqual({ status: 'resolved', openedAt: now, resolvedAt: now });
    const resolvedEntry = await db().database.prisma.timelineEvent.findFirstOrThrow({ where: { kind: 'status.resolved' }, select: { at: true } });
    expect(resolvedEntry.at).toEqual(now);
    // The alert keeps the end its sender recorded.
    expect((await db().database.prisma.alert.findFirstOrThrow({ select: { endsAt: true } })).endsAt).toEqual(new Date(endsAt));
    // The postmortem's impact window starts when the alert did, before the bot heard of it.
    const markdown = (await draftPostmortem(db().database.prisma, 1, { now }))!;
    expect(markdown).toContain('| Impact window | 2026-12-06 03:20 UTC to 2026-12-06 03:40 UTC |');
    expect(markdown).toContain('| Time to resolve | 0s |');
  });
  it('a sender clock an hour ahead, an alert of ten minutes: opened and resolved on the bot\'s clock, ten minutes apart', async () => {
    const ahead = (at: Date) => new Date(at.getTime() + 3600_000).toISOString();
    const startsAt = ahead(now);
    expect((await intake.receive(normalizeGeneric({ title: 'Queue backlog', fingerprint: 'q-1', starts_at: startsAt }, clock)))[0]!.outcome).toBe('created');
    clock = new Date(now.getTime() + 10 * 60_000);
    const resolved = normalizeGeneric({ title: 'Queue backlog', fingerprint: 'q-1', status: 'resolved', starts_at: startsAt, ends_at: ahead(clock) }, clock);
    expect((await intake.receive(resolved))[0]!.outcome).toBe('resolved');
    const incident = await db().database.prisma.incident.findFirstOrThrow({ select: { openedAt: true, resolvedAt: true } });
    expect(incident).toEqual({ openedAt: now, resolvedAt: clock });
    const kinds = await db().database.prisma.timelineEvent.findMany({ orderBy: [{ at: 'asc' }, { id: 'asc' }], select: { kind: true, at: true } });
    // The alert's own start and end, as sent, stay its own; what the bot did is on its clock.
    expect(kinds.filter((k) => k.kind === 'incident.opened' || k.kind === 'status.resolved').map((k) => [k.kind, k.at])).toEqual([
      ['incident.opened', now],
      ['status.resolved', clock],
    ]);
  });
});

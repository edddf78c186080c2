import { beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.js';
import type { Actor } from '../../../src/incidents/actor.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { IncidentService, noteTag } from '../../../src/incidents/incident-service.js';
import { describeEachDatabase } from '../../support/test-database.js';

describeEachDatabase('incident service', (db) => {
  let now: Date;
  let service: IncidentService;
  let alice: Actor;
  let bob: { id: number; name: string };
  const prisma = () => db().database.prisma;

  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, timeline_events, jobs, incident_roles, people, teams RESTART IDENTITY CASCADE');
    now = new Date('2026-11-24T03:00:00Z');
    service = new IncidentService(db().database, noEffects, { clock: { now: () => now } });
    const a = await prisma().person.create({ data: { name: 'Alice' } });
    alice = { kind: 'person', personId: a.id, name: 'Alice' };
    bob = await prisma().person.create({ data: { name: 'Bob' } });
    await prisma().team.create({ data: { key: 'payments', name: 'Payments' } });
  });

  const timelineKinds = async (id: number) => (await prisma().timelineEvent.findMany({ where: { incidentId: id }, orderBy: { id: 'asc' } })).map((e) => e.kind);

  it('runs a declared incident through its whole life, each step on the timeline with its actor', async () => {
    const { id } = await service.declare({ title: 'Checkout down in eu-west', severity: 2, team: 'payments', private: true }, alice);
    now = new Date(now.getTime() + 4 * 60_000);
    await service.acknowledge(id, alice);
    await service.assignRole(id, 'commander', bob, alice);
    await service.setSeverity(id, 1, alice);
    await service.postStatusUpdate(id, 'Rolling back deploy 4812', alice);
    expect(await service.addNote(id, 'rootcause: bad config push', alice)).toEqual({ tag: 'rootcause' });
    now = new Date(now.getTime() + 10 * 60_000);
    await service.mitigate(id, alice);
    now = new Date(now.getTime() + 30 * 60_000);
    await service.resolve(id, alice, 'Rolled back; config validation added');

    const incident = await prisma().incident.findUniqueOrThrow({ where: { id }, include: { team: true, roles: true } });
    expect(incident).toMatchObject({ status: 'resolved', severity: 1, private: true, source: 'manual', summary: 'Rolled back; config validation added' });
    expect(incident.team?.key).toBe('payments');
    expect(incident.roles).toMatchObject([{ role: 'commander', personId: bob.id }]);
    expect(incident.acknowledgedAt).toEqual(new Date('2026-11-24T03:04:00Z'));
    expect(incident.mitigatedAt).toEqual(new Date('2026-11-24T03:14:00Z'));
    expect(incident.resolvedAt).toEqual(new Date('2026-11-24T03:44:00Z'));
    expect(await timelineKinds(id)).toEqual([
      'incident.declared', 'status.acknowledged', 'role.assigned', 'severity.changed', 'status.update', 'note', 'status.mitigated', 'status.resolved',
    ]);
    const actors = await prisma().timelineEvent.findMany({ where: { incidentId: id }, select: { actorName: true, actorId: true } });
    const aliceId = alice.kind === 'person' ? alice.personId : -1;
    expect(actors.every((a) => a.actorName === 'Alice' && a.actorId === aliceId)).toBe(true);
  });

  it('refuses impossible transitions with a clear reason', async () => {
    const { id } = await service.declare({ title: 'x' }, alice);
    await service.acknowledge(id, alice);
    await expect(service.acknowledge(id, alice)).rejects.toThrow('INC-1 is already acknowledged');
    await service.resolve(id, alice);
    await expect(service.resolve(id, alice)).rejects.toThrow('INC-1 is already resolved');
    await expect(service.mitigate(id, alice)).rejects.toThrow('INC-1 is resolved; re-open it first');
    await expect(service.acknowledge(99, alice)).rejects.toMatchObject({ code: 'not_found', message: 'There is no incident INC-99' });
    await expect(service.setSeverity(id, 7, alice)).rejects.toThrow('Severity must be 1 to 4 (got 7)');
    await expect(service.declare({ title: '   ' }, alice)).rejects.toBeInstanceOf(AppError);
    await expect(service.declare({ title: 'x', team: 'nope' }, alice)).rejects.toThrow('There is no team "nope"');
  });

  it('re-opens a resolved incident and bumps the escalation version on each escalation change', async () => {
    const { id } = await service.declare({ title: 'x' }, alice);
    await service.acknowledge(id, alice);
    await service.resolve(id, alice);
    await service.reopen(id, alice, 'customers still see errors');
    const incident = await prisma().incident.findUniqueOrThrow({ where: { id } });
    expect(incident).toMatchObject({ status: 'triggered', reopenCount: 1, resolvedAt: null, escalationVersion: 3 });
    expect((await timelineKinds(id)).at(-1)).toBe('status.reopened');
  });

  it('counts mitigation as the acknowledgement when none came first', async () => {
    const { id } = await service.declare({ title: 'x' }, alice);
    now = new Date(now.getTime() + 60_000);
    await service.mitigate(id, alice);
    expect((await prisma().incident.findUniqueOrThrow({ where: { id } })).acknowledgedAt).toEqual(now);
  });

  it('writes one coalesced sync job per incident, whatever the number of changes', async () => {
    const { id } = await service.declare({ title: 'x' }, alice);
    await service.acknowledge(id, alice);
    await service.addNote(id, 'looking', alice);
    expect(await prisma().job.count({ where: { subject: `incident:${id}` } })).toBe(1);
  });
});

describe('noteTag', () => {
  it('tags notes for the postmortem by their first word', () => {
    expect(noteTag('rootcause: disk filled')).toBe('rootcause');
    expect(noteTag('Root cause: x')).toBe('rootcause');
    expect(noteTag('IMPACT: 3% of checkouts failed')).toBe('impact');
    expect(noteTag('action: add alert on disk')).toBe('action');
    expect(noteTag('the root cause is unclear')).toBeUndefined();
  });
});

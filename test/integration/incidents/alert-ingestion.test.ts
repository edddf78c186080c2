import { beforeEach, expect, it } from 'vitest';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import type { AlertBatch, NormalizedAlert } from '../../../src/alerts/alert.js';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { normalizePagerDuty } from '../../../src/alerts/pagerduty.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { combineEffects, noEffects } from '../../../src/incidents/incident-effects.js';
import { escalationEffects } from '../../../src/engine/escalation-jobs.js';
import { chatSyncEffects, CONTENT_SYNC_DELAY_MS } from '../../../src/delivery/chat-sync-effects.js';
import { IncidentService } from '../../../src/incidents/incident-service.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { sharedFixture } from '../../support/fixtures.js';
import { describeEachDatabase } from '../../support/test-database.js';
import { countingDatabase } from '../../support/counting-database.js';
import type { Database } from '../../../src/db/database.js';
import { sql, type Sql, type SqlFragment } from '../../../src/db/sql.js';

const MINUTE = 60_000;

describeEachDatabase('alert ingestion', (db) => {
  let now: Date;
  let intake: AlertIntake;
  const prisma = () => db().database.prisma;

  beforeEach(async () => {
    const p = prisma();
    await p.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs RESTART IDENTITY CASCADE');
    now = new Date('2026-11-24T10:00:00Z');
    intake = new AlertIntake({
      database: db().database,
      oncall: () => emptyOncallConfig(),
      // A bot with chat: every change queues its incident's sync job.
      effects: chatSyncEffects(() => true),
      reopenWindowMs: 30 * MINUTE,
      storeRawAlerts: true,
      clock: { now: () => now },
    });
  });

  const generic = (body: unknown) => normalizeGeneric(body, now);
  const counts = async () => ({
    incidents: await prisma().incident.count(),
    alerts: await prisma().alert.count(),
    timeline: await prisma().timelineEvent.count(),
    jobs: await prisma().job.count(),
  });

  it('opens an incident for a new alert, with its timeline and one follow-up job', async () => {
    const [result] = await intake.receive(generic({ title: 'Disk full on db-1', severity: 'critical', labels: { host: 'db-1' } }));
    expect(result).toMatchObject({ outcome: 'created', incidentId: 1 });
    const incident = await prisma().incident.findUniqueOrThrow({ where: { id: 1 }, include: { timeline: true } });
    expect(incident).toMatchObject({ title: 'Disk full on db-1', severity: 1, status: 'triggered', source: 'generic', routeId: 'default' });
    expect(incident.openedAt).toEqual(now);
    expect(incident.timeline.map((e) => e.kind)).toEqual(['incident.opened', 'alert.firing']);
    expect(await prisma().job.findMany({ select: { kind: true, subject: true } })).toEqual([{ kind: 'incident.sync', subject: 'incident:1' }]);
    const alert = await prisma().alert.findFirstOrThrow();
    expect(alert.raw).toEqual({ title: 'Disk full on db-1', severity: 'critical', labels: { host: 'db-1' } });
  });

  it('dedups: an identical retry changes nothing, a changed repeat updates the one alert', async () => {
    const body = { title: 'Disk full on db-1', labels: { host: 'db-1' }, starts_at: '2026-11-24T09:59:00Z' };
    await intake.receive(generic(body));
    const before = await counts();
    const [retry] = await intake.receive(generic(body));
    expect(retry!.outcome).toBe('unchanged');
    expect(await counts()).toEqual(before);

    const [changed] = await intake.receive(generic({ ...body, description: 'now 99%' }));
    expect(changed!.outcome).toBe('updated');
    expect(await prisma().alert.count()).toBe(1);
    expect((await prisma().alert.findFirstOrThrow()).description).toBe('now 99%');
  });

  it('queues no sync job when no chat platform is set up, and a later one for a change of text alone', async () => {
    let chat = false;
    let wakes = 0;
    const effects = combineEffects(escalationEffects, chatSyncEffects(() => chat));
    const bot = new AlertIntake({ database: db().database, oncall: () => emptyOncallConfig(), effects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: false, clock: { now: () => now }, onCommitted: () => wakes++ });
    const firing = (description?: string) => notification([{ fingerprint: 'disk', description }]);
    const sync = () => prisma().job.findMany({ where: { kind: 'incident.sync' }, select: { subject: true, dueAt: true } });
    expect((await bot.receive(firing()))[0]).toMatchObject({ outcome: 'created', incidentId: 1 });
    // The escalation job was queued: the worker is woken to run it now.
    expect(wakes).toBe(1);
    expect((await bot.receive(firing('now 95%')))[0]!.outcome).toBe('updated');
    expect(await sync()).toEqual([]);
    // Nothing queued: the worker is left alone.
    expect(wakes).toBe(1);

    chat = true;
    const before = Date.now();
    expect((await bot.receive(firing('now 99%')))[0]!.outcome).toBe('updated');
    const [later] = await sync();
    // Due by the database's clock: no sooner than the delay after the request was sent.
    expect(later!.dueAt.getTime()).toBeGreaterThanOrEqual(before + CONTENT_SYNC_DELAY_MS - 1_000);
    // A resolution is shown at once: the pending sync becomes due now, still one job.
    await bot.receive(notification([{ fingerprint: 'disk', status: 'resolved', description: 'now 99%' }]));
    const [now_] = await sync();
    expect(now_!.dueAt.getTime()).toBeLessThan(later!.dueAt.getTime());
    expect(await sync()).toHaveLength(1);
  });

  it('attaches the alerts of one Alertmanager group to one incident', async () => {
    const results = await intake.receive(normalizeAlertmanager(sharedFixture('alertmanager/firing.json')));
    expect(results.map((r) => r.incidentId)).toEqual([1, 1]);
    expect(await counts()).toMatchObject({ incidents: 1, alerts: 2, jobs: 1 });
  });

  it('resolves an incident by itself when all its alerts clear before anyone acknowledged', async () => {
    await intake.receive(normalizeAlertmanager(sharedFixture('alertmanager/firing.json')));
    const firing = sharedFixture('alertmanager/firing.json') as { alerts: { status: string; endsAt: string }[]; status: string };
    firing.alerts[0]!.status = 'resolved';
    firing.alerts[0]!.endsAt = '2026-11-24T00:50:00Z';
    await intake.receive(normalizeAlertmanager(firing));
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: 1 } })).status).toBe('triggered');

    await intake.receive(normalizeAlertmanager(sharedFixture('alertmanager/resolved.json')));
    const incident = await prisma().incident.findUniqueOrThrow({ where: { id: 1 }, include: { timeline: { orderBy: { id: 'asc' } } } });
    expect(incident.status).toBe('resolved');
    expect(incident.openGroupKey).toBeNull();
    expect(incident.acknowledgedAt).toBeNull();
    const last = incident.timeline.at(-1)!;
    expect(last).toMatchObject({ kind: 'status.resolved', actorType: 'source', actorName: 'alertmanager' });
    expect(last.text).toContain('all alerts resolved before anyone acknowledged');
  });

  it('leaves an acknowledged incident to the humans when its alerts clear', async () => {
    await intake.receive(generic({ title: 'Latency high', labels: { svc: 'api' } }));
    await incidentService().acknowledge(1, { kind: 'person', personId: await personId('Alice'), name: 'Alice' });
    await intake.receive(generic({ title: 'Latency high', labels: { svc: 'api' }, status: 'resolved' }));
    const incident = await prisma().incident.findUniqueOrThrow({ where: { id: 1 }, include: { timeline: { orderBy: { id: 'asc' } } } });
    expect(incident.status).toBe('acknowledged');
    expect(incident.timeline.at(-1)).toMatchObject({ kind: 'alerts.cleared' });
  });

  it('re-opens an incident when its alert fires again within the window, and opens a new one after it', async () => {
    const body = { title: 'Queue backlog', labels: { queue: 'emails' } };
    await intake.receive(generic(body));
    now = new Date(now.getTime() + 5 * MINUTE);
    await intake.receive(generic({ ...body, status: 'resolved' }));
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: 1 } })).status).toBe('resolved');

    now = new Date(now.getTime() + 10 * MINUTE);
    const [refire] = await intake.receive(generic(body));
    expect(refire).toMatchObject({ outcome: 'reopened', incidentId: 1 });
    const reopened = await prisma().incident.findUniqueOrThrow({ where: { id: 1 } });
    expect(reopened).toMatchObject({ status: 'triggered', reopenCount: 1, resolvedAt: null });

    now = new Date(now.getTime() + 5 * MINUTE);
    await intake.receive(generic({ ...body, status: 'resolved' }));
    now = new Date(now.getTime() + 2 * 60 * MINUTE);
    const [late] = await intake.receive(generic(body));
    expect(late).toMatchObject({ outcome: 'refired', incidentId: 2 });
    const alert = await prisma().alert.findFirstOrThrow();
    expect(alert).toMatchObject({ incidentId: 2, fireCount: 3 });
    // The first incident keeps the alert in its history.
    expect(await prisma().incidentAlert.count({ where: { incidentId: 1 } })).toBe(1);
    expect(await prisma().incidentAlert.count({ where: { incidentId: 2 } })).toBe(1);
  });

  it('raises the incident`s severity when a more severe alert joins it', async () => {
    await intake.receive(generic({ title: 'Errors up', severity: 'warning', group: 'checkout', labels: { a: '1' } }));
    await intake.receive(generic({ title: 'Errors way up', severity: 'critical', group: 'checkout', labels: { a: '2' } }));
    const incident = await prisma().incident.findUniqueOrThrow({ where: { id: 1 }, include: { timeline: true } });
    expect(incident.severity).toBe(1);
    expect(incident.timeline.find((e) => e.kind === 'severity.changed')?.text).toBe('Severity SEV3 → SEV1 (raised by alert "Errors way up")');
  });

  it('acknowledges from a PagerDuty acknowledge event and clears on resolve', async () => {
    await intake.receive(normalizePagerDuty(sharedFixture('pagerduty/trigger.json'), now));
    const [ack] = await intake.receive(normalizePagerDuty(sharedFixture('pagerduty/acknowledge.json'), now));
    expect(ack!.outcome).toBe('acknowledged');
    expect(await prisma().incident.findUniqueOrThrow({ where: { id: 1 } })).toMatchObject({ status: 'acknowledged', acknowledgedAt: now });
    const [resolved] = await intake.receive(normalizePagerDuty(sharedFixture('pagerduty/resolve.json'), now));
    expect(resolved!.outcome).toBe('resolved');
    expect((await prisma().alert.findFirstOrThrow()).title).toBe('Disk 95% full on db-3');
    const [unknown] = await intake.receive(normalizePagerDuty({ routing_key: 'k', event_action: 'resolve', dedup_key: 'never-seen' }, now));
    expect(unknown!.outcome).toBe('ignored');
  });

  it('survives a storm: 10,000 alerts for 100 fingerprints end as 100 alerts and one job per incident', async () => {
    const batches: AlertBatch[] = [];
    for (let request = 0; request < 1_000; request++) {
      const alerts: NormalizedAlert[] = [];
      for (let i = 0; i < 10; i++) {
        const fp = (request * 10 + i) % 100;
        alerts.push(generic({ title: `Node ${fp} unreachable`, group: `rack-${fp % 10}`, fingerprint: `node-${fp}`, starts_at: '2026-11-24T09:00:00Z' }).alerts[0]!);
      }
      batches.push({ source: 'generic', alerts, raw: null, truncated: 0 });
    }
    for (let i = 0; i < batches.length; i += 50) await Promise.all(batches.slice(i, i + 50).map((batch) => intake.receive(batch)));
    const result = await counts();
    expect(result.alerts).toBe(100);
    expect(result.incidents).toBe(10);
    expect(result.jobs).toBe(10);
    expect(await prisma().timelineEvent.count({ where: { kind: 'alert.firing' } })).toBe(100);
  });

  it('opens one incident when many requests carry the same new alert at once', async () => {
    const body = { title: 'Payment provider timeout', labels: { provider: 'acme' } };
    const results = await Promise.all(Array.from({ length: 40 }, () => intake.receive(generic(body))));
    expect(new Set(results.map((r) => r[0]!.incidentId))).toEqual(new Set([1]));
    expect(results.filter((r) => r[0]!.outcome === 'created')).toHaveLength(1);
    expect(await counts()).toMatchObject({ incidents: 1, alerts: 1 });
  });

  it('gives the incident the chosen playbook, and a private playbook makes it private', async () => {
    const withPlaybook = new AlertIntake({
      database: db().database,
      oncall: () => emptyOncallConfig(),
      effects: noEffects,
      reopenWindowMs: 30 * MINUTE,
      storeRawAlerts: true,
      clock: { now: () => now },
      choosePlaybook: ({ alert }) => (alert.labels.category === 'security' ? { id: 'security-breach', private: true } : { id: 'default', private: false }),
    });
    await withPlaybook.receive(generic({ title: 'AWS key on GitHub', labels: { category: 'security' } }));
    await withPlaybook.receive(generic({ title: 'Disk full', labels: { host: 'db-2' } }));
    const [leak, disk] = await prisma().incident.findMany({ orderBy: { id: 'asc' } });
    expect(leak).toMatchObject({ playbookId: 'security-breach', private: true });
    expect(disk).toMatchObject({ playbookId: 'default', private: false });
  });

  /** One Alertmanager notification of ungrouped alerts: each alert is its own group. */
  const notification = (alerts: { fingerprint: string; status?: 'firing' | 'resolved'; description?: string; severity?: string; startsAt?: string }[]) =>
    normalizeAlertmanager({
      version: '4',
      status: 'firing',
      receiver: 'bot',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: '',
      alerts: alerts.map(({ fingerprint, status = 'firing', description, severity = 'warning', startsAt = '2026-11-24T09:00:00Z' }) => ({
        status,
        labels: { alertname: 'Down', instance: fingerprint, severity },
        annotations: { summary: `${fingerprint} down`, ...(description ? { description } : {}) },
        startsAt,
        endsAt: status === 'resolved' ? '2026-11-24T09:30:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint,
      })),
    });

  it('applies one notification mixing new alerts, new content, a resolution and a re-fire in the order it lists them', async () => {
    await intake.receive(notification([{ fingerprint: 'c' }]));
    const results = await intake.receive(
      notification([
        { fingerprint: 'a' },
        { fingerprint: 'b' },
        { fingerprint: 'c', description: 'first change' },
        { fingerprint: 'a', status: 'resolved' },
        { fingerprint: 'a', startsAt: '2026-11-24T09:40:00Z' },
        { fingerprint: 'd' },
        { fingerprint: 'c', description: 'second change' },
      ]),
    );
    expect(results.map((r) => [r.outcome, r.incidentId])).toEqual([
      ['created', 2],
      ['created', 3],
      ['updated', 1],
      ['resolved', 2],
      ['reopened', 2],
      ['created', 4],
      ['updated', 1],
    ]);
    // Incidents are numbered in the order their first alerts came in.
    const incidents = await prisma().incident.findMany({ orderBy: { id: 'asc' }, select: { id: true, title: true, status: true } });
    expect(incidents.map((i) => [i.id, i.title, i.status])).toEqual([
      [1, 'c down', 'triggered'],
      [2, 'a down', 'triggered'],
      [3, 'b down', 'triggered'],
      [4, 'd down', 'triggered'],
    ]);
    const timeline = await prisma().timelineEvent.findMany({ where: { incidentId: 2 }, orderBy: { id: 'asc' } });
    expect(timeline.map((e) => e.kind)).toEqual(['incident.opened', 'alert.firing', 'alert.resolved', 'status.resolved', 'status.reopened', 'alert.firing']);
    const c = await prisma().alert.findUniqueOrThrow({ where: { source_fingerprint: { source: 'alertmanager', fingerprint: 'c' } } });
    expect(c).toMatchObject({ description: 'second change', receivedCount: 3 });
    expect((await prisma().alert.findMany({ orderBy: { id: 'asc' } })).map((a) => a.fingerprint)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('writes a notification of many new alerts with the same few statements as one of two', async () => {
    const statementsFor = async (alerts: number, first: number) => {
      const { database: counting, statements } = countingDatabase(db().database);
      const counted = new AlertIntake({ database: counting, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: true, clock: { now: () => now } });
      const fingerprints = Array.from({ length: alerts }, (_, i) => ({ fingerprint: `host-${first + i}`, severity: i === alerts - 1 ? 'critical' : 'warning' }));
      const opened = await counted.receive(notification(fingerprints));
      expect(opened.every((r) => r.outcome === 'created')).toBe(true);
      // Numbered in the order the alerts came in: the first to fire has the lowest number.
      const numbers = opened.map((r) => r.incidentId!);
      expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
      expect(new Set(numbers).size).toBe(alerts);
      const changed = fingerprints.map((f) => ({ ...f, description: 'changed' }));
      const before = statements();
      const updated = await counted.receive(notification(changed));
      expect(updated.every((r) => r.outcome === 'updated')).toBe(true);
      return { open: before, change: statements() - before };
    };
    const small = await statementsFor(2, 0);
    const large = await statementsFor(300, 100);
    expect(large).toEqual(small);
    expect(small.open).toBeLessThanOrEqual(8);
    expect(small.change).toBeLessThanOrEqual(4);
    expect(await prisma().incident.count()).toBe(302);
    expect(await prisma().timelineEvent.count({ where: { kind: 'alert.firing' } })).toBe(302);
    expect(await prisma().incidentAlert.count()).toBe(302);
  });

  it('applies new content of an alert it has just seen in one statement, with its incident`s sync job', async () => {
    const { database: counting, statements } = countingDatabase(db().database);
    let wakes = 0;
    const bot = new AlertIntake({ database: counting, oncall: () => emptyOncallConfig(), effects: chatSyncEffects(() => true), reopenWindowMs: 30 * MINUTE, storeRawAlerts: true, clock: { now: () => now }, onCommitted: () => wakes++ });
    const [opened] = await bot.receive(notification([{ fingerprint: 'disk' }]));
    await prisma().job.deleteMany();
    const before = { statements: statements(), wakes };
    const [changed] = await bot.receive(notification([{ fingerprint: 'disk', description: 'now 99%' }]));
    expect(changed).toEqual({ outcome: 'updated', alertId: opened!.alertId, incidentId: opened!.incidentId });
    // No read first: the change, its check and the sync job are one statement.
    expect(statements() - before.statements).toBe(1);
    expect(wakes).toBe(before.wakes + 1);
    expect(await prisma().alert.findFirstOrThrow()).toMatchObject({ description: 'now 99%', receivedCount: 2 });
    expect(await prisma().job.findMany({ select: { kind: true, subject: true } })).toEqual([{ kind: 'incident.sync', subject: `incident:${opened!.incidentId}` }]);
    // The same content again is a repeat: read, answered, nothing written.
    const [again] = await bot.receive(notification([{ fingerprint: 'disk', description: 'now 99%' }]));
    expect(again!.outcome).toBe('unchanged');
    expect(statements() - before.statements).toBe(2);
    expect((await prisma().alert.findFirstOrThrow()).receivedCount).toBe(2);
  });

  it('decides from what is stored, not from what it saw, when another replica changed the alert since', async () => {
    const replica = () => new AlertIntake({ database: db().database, oncall: () => emptyOncallConfig(), effects: chatSyncEffects(() => true), reopenWindowMs: 30 * MINUTE, storeRawAlerts: true, clock: { now: () => now } });
    const [a, b] = [replica(), replica()];
    const [opened] = await a.receive(notification([{ fingerprint: 'x' }]));
    // Replica A saw it firing; B resolves it (ended 09:30).
    expect((await b.receive(notification([{ fingerprint: 'x', status: 'resolved' }])))[0]!.outcome).toBe('resolved');
    // News of the occurrence that ended is stale, though A last saw the alert firing with other content.
    const [late] = await a.receive(notification([{ fingerprint: 'x', description: 'late news' }]));
    expect(late!.outcome).toBe('stale');
    expect(await prisma().alert.findFirstOrThrow()).toMatchObject({ status: 'resolved', description: null });
    // A new occurrence fires it again: a re-fire of the incident, not an update of a firing alert.
    const [again] = await a.receive(notification([{ fingerprint: 'x', description: 'back', startsAt: '2026-11-24T09:45:00Z' }]));
    expect(again).toMatchObject({ outcome: 'reopened', incidentId: opened!.incidentId });
    expect(await prisma().alert.findFirstOrThrow()).toMatchObject({ status: 'firing', description: 'back' });
  });

  it('keeps the order of two notifications of one alert in a batch it retries after a conflict', async () => {
    await intake.receive(notification([{ fingerprint: 'x', description: 'a' }]));
    // The batch's first transaction fails as a deadlock would; the retry decides again.
    const database = db().database;
    let failed = false;
    const deadlocking = {
      ...database,
      transaction: <T>(work: (tx: Sql) => Promise<T>) => {
        if (failed) return database.transaction(work);
        failed = true;
        return Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' }));
      },
      get intake() {
        return deadlocking;
      },
    } as Database;
    const bot = new AlertIntake({ database: deadlocking, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: false, clock: { now: () => now } });
    // One notification lists x twice: the text changes, then changes back.
    const results = await bot.receive(notification([{ fingerprint: 'x', description: 'b' }, { fingerprint: 'x', description: 'a' }]));
    expect(failed).toBe(true);
    expect(results.map((result) => result.outcome)).toEqual(['updated', 'updated']);
    expect(await prisma().alert.findFirstOrThrow()).toMatchObject({ description: 'a', receivedCount: 3 });
  });

  it('applies a change sent right behind a resolve of the same alert after the resolve, not before it', async () => {
    await intake.receive(notification([{ fingerprint: 'x' }]));
    const gated = firstTransactionAtAGate(db().database);
    const bot = new AlertIntake({ database: gated.database, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: false, clock: { now: () => now } });
    // The bot sees the alert firing, then its resolve's write waits at the gate.
    expect((await bot.receive(notification([{ fingerprint: 'x', description: 'seen' }])))[0]!.outcome).toBe('updated');
    const resolve = bot.receive(notification([{ fingerprint: 'x', status: 'resolved', description: 'seen' }]));
    await gated.reached();
    const refire = bot.receive(notification([{ fingerprint: 'x', description: 'fires again', startsAt: '2026-11-24T09:45:00Z' }]));
    const early = await Promise.race([refire.then(() => 'answered'), new Promise((done) => setTimeout(() => done('waiting'), 200))]);
    expect(early).toBe('waiting');
    gated.open();
    expect((await resolve)[0]!.outcome).toBe('resolved');
    expect((await refire)[0]!.outcome).toBe('reopened');
    expect(await prisma().alert.findFirstOrThrow()).toMatchObject({ status: 'firing', description: 'fires again' });
  });

  it('keeps a request`s alerts pending until all of it is stored, though its change failed', async () => {
    await intake.receive(notification([{ fingerprint: 'k' }, { fingerprint: 'j' }]));
    const database = db().database;
    let armed = false;
    let changeFailed = false;
    let readHeld = false;
    let openRead!: () => void;
    const readGate = new Promise<void>((resolve) => (openRead = resolve));
    const failing = {
      ...database,
      sql: {
        async query(fragment: SqlFragment) {
          if (armed && fragment.statementName === 'ingest.read-states-applying-changes' && !changeFailed) {
            changeFailed = true;
            throw new Error('the change of k fails');
          }
          if (armed && fragment.statementName === 'ingest.read-alert-states' && !readHeld) {
            readHeld = true;
            await readGate;
          }
          return database.sql.query(fragment);
        },
      },
      get intake() {
        return failing;
      },
    } as Database;
    const bot = new AlertIntake({ database: failing, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: false, clock: { now: () => now } });
    // The bot sees both firing.
    await bot.receive(notification([{ fingerprint: 'k', description: 'seen' }, { fingerprint: 'j', description: 'seen' }]));
    armed = true;
    // One request: new content for k (sent as a change, which fails) and j resolved (read first, held).
    const first = bot.receive(notification([{ fingerprint: 'k', description: 'newer' }, { fingerprint: 'j', status: 'resolved', description: 'seen' }]));
    const firstFailed = first.then(() => 'stored', (error: Error) => error.message);
    while (!changeFailed || !readHeld) await new Promise((done) => setTimeout(done, 1));
    // j fires again: it must take effect after the resolve still on its way, not as a change before it.
    const refire = bot.receive(notification([{ fingerprint: 'j', description: 'fires again', startsAt: '2026-11-24T09:45:00Z' }]));
    const early = await Promise.race([firstFailed, refire.then(() => 'refire answered'), new Promise((done) => setTimeout(() => done('waiting'), 200))]);
    expect(early).toBe('waiting');
    openRead();
    expect(await firstFailed).toBe('the change of k fails');
    expect((await refire)[0]!.outcome).toBe('reopened');
    expect(await prisma().alert.findFirstOrThrow({ where: { fingerprint: 'j' } })).toMatchObject({ status: 'firing', description: 'fires again' });
  });

  it('decides again under lock when another request changed the alert between its read and its write', async () => {
    await intake.receive(notification([{ fingerprint: 'x' }]));
    const database = db().database;
    let raced = false;
    const racing = {
      ...database,
      sql: {
        async query(fragment: SqlFragment) {
          // Between this request's read and its write, another request resolves the same alert.
          if (fragment.statementName === 'ingest.update-if-unchanged' && !raced) {
            raced = true;
            await database.sql.query(sql`UPDATE alerts SET status = 'resolved', ends_at = '2026-11-24T09:30:00Z', received_count = received_count + 1 WHERE fingerprint = 'x'`);
          }
          return database.sql.query(fragment);
        },
      },
      get intake() {
        return racing;
      },
    } as Database;
    const racer = new AlertIntake({ database: racing, oncall: () => emptyOncallConfig(), effects: chatSyncEffects(() => true), reopenWindowMs: 30 * MINUTE, storeRawAlerts: true, clock: { now: () => now } });
    const [result] = await racer.receive(notification([{ fingerprint: 'x', description: 'late news of the ended occurrence' }]));
    expect(raced).toBe(true);
    // Written blindly it would have made a resolved alert firing again with the old start.
    expect(result!.outcome).toBe('stale');
    const stored = await prisma().alert.findFirstOrThrow({ where: { fingerprint: 'x' } });
    expect(stored).toMatchObject({ status: 'resolved', description: null, receivedCount: 2 });

    const [fresh] = await racer.receive(notification([{ fingerprint: 'y' }]));
    const [changed] = await racer.receive(notification([{ fingerprint: 'y', description: 'now worse' }]));
    expect([fresh!.outcome, changed!.outcome]).toEqual(['created', 'updated']);
    expect(await prisma().job.count({ where: { subject: `incident:${changed!.incidentId}` } })).toBe(1);
  });

  it('decides a resolve sent right behind its trigger after the trigger is written, not from the read before it', async () => {
    // The trigger's write waits at the gate, so the resolve's read happens while it is on its way.
    const gated = firstTransactionAtAGate(db().database);
    const pagerDuty = new AlertIntake({ database: gated.database, oncall: () => emptyOncallConfig(), effects: noEffects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: false, clock: { now: () => now } });
    const trigger = pagerDuty.receive(normalizePagerDuty(sharedFixture('pagerduty/trigger.json'), now));
    await gated.reached();
    const resolve = pagerDuty.receive(normalizePagerDuty(sharedFixture('pagerduty/resolve.json'), now));
    // The resolve is not answered while the trigger is unwritten (answered from the read, it was "ignored").
    const early = await Promise.race([resolve.then(() => 'answered'), new Promise((done) => setTimeout(() => done('waiting'), 200))]);
    expect(early).toBe('waiting');
    gated.open();
    expect((await trigger)[0]!.outcome).toBe('created');
    expect((await resolve)[0]!.outcome).toBe('resolved');
    expect(await prisma().alert.findFirstOrThrow()).toMatchObject({ status: 'resolved' });
  });

  it('stores hostile text verbatim', async () => {
    const evil = `Robert'); DROP TABLE incidents;-- \u0000x`.replace('\u0000', '');
    await intake.receive(generic({ title: evil, labels: { "k'--": "v'; DELETE FROM alerts;" } }));
    const alert = await prisma().alert.findFirstOrThrow();
    expect(alert.title).toBe(evil);
    expect(alert.labels).toEqual({ "k'--": "v'; DELETE FROM alerts;" });
    expect(await prisma().incident.count()).toBe(1);
  });

  async function personId(name: string): Promise<number> {
    return (await prisma().person.create({ data: { name } })).id;
  }

  function incidentService() {
    return new IncidentService(db().database, noEffects, { clock: { now: () => now } });
  }
});

/** The database, its first transaction held at a gate: `reached` once one waits there, `open` lets it go. */
function firstTransactionAtAGate(database: Database) {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  let transactions = 0;
  const gated = {
    ...database,
    transaction: async <T>(work: (tx: Sql) => Promise<T>) => {
      if (transactions++ === 0) await gate;
      return database.transaction(work);
    },
    get intake() {
      return gated;
    },
  } as Database;
  return {
    database: gated,
    open,
    async reached() {
      while (transactions === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    },
  };
}

import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { escalationEffects, escalationStepHandler, ESCALATION_STEP_JOB, PAGE_DELIVERY_JOB } from '../../../src/engine/escalation-jobs.js';
import { claimDueJobs } from '../../../src/engine/job-store.js';
import { JobWorker } from '../../../src/engine/job-worker.js';
import { Delivery } from '../../../src/delivery/delivery.js';
import { pageDeliveryHandler } from '../../../src/delivery/page-delivery.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { IncidentService } from '../../../src/incidents/incident-service.js';
import { createLogger } from '../../../src/logging.js';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { levelTargetResolver, overridesFromDatabase } from '../../../src/oncall/level-target-resolver.js';
import { emptyOncallConfig, type OncallConfig } from '../../../src/oncall/oncall-config.js';
import { loadOncallFile } from '../../../src/oncall/oncall-file.js';
import { projectRoot } from '../../../src/project-root.js';
import { describeEachDatabase } from '../../support/test-database.js';

const log = createLogger('silent');

function oncall(repeat = 0): OncallConfig {
  const config = emptyOncallConfig();
  for (const key of ['alice', 'bob', 'carol']) config.people[key] = { key, name: key[0]!.toUpperCase() + key.slice(1), timeZone: 'UTC', roles: [] };
  config.teams.db = { key: 'db', name: 'Databases', members: ['bob', 'carol'], services: ['postgres'], schedules: [], escalationPolicy: 'db' };
  config.escalationPolicies.db = {
    key: 'db',
    name: 'Databases',
    repeat,
    levels: [
      { targets: [{ kind: 'person', key: 'alice' }], delayMs: 400 },
      { targets: [{ kind: 'team', key: 'db' }], delayMs: 400 },
    ],
  };
  return config;
}

describeEachDatabase('escalation', (db) => {
  let worker: JobWorker;
  let intake: AlertIntake;
  let incidents: IncidentService;
  let config: OncallConfig;
  const prisma = () => db().database.prisma;

  async function setUp(repeat: number) {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams RESTART IDENTITY CASCADE');
    config = oncall(repeat);
    await syncDirectory(prisma(), config);
    const database = db().database;
    const handlers = new Map([
      [ESCALATION_STEP_JOB, escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase) })],
      [PAGE_DELIVERY_JOB, pageDeliveryHandler({ database, delivery: new Delivery({ prisma: database.prisma, ports: [] }), log })],
      ['incident.sync', async () => {}],
    ]);
    worker = new JobWorker(database, handlers, log, { pollMs: 25 });
    const onCommitted = () => worker.wake();
    intake = new AlertIntake({ database, oncall: () => config, effects: escalationEffects, reopenWindowMs: 60_000, storeRawAlerts: false, onCommitted });
    incidents = new IncidentService(database, escalationEffects, { onCommitted });
    worker.start();
  }

  beforeEach(() => setUp(0));
  afterEach(async () => {
    await worker.stop();
  });

  const pagesOf = async () =>
    (await prisma().page.findMany({ orderBy: { id: 'asc' }, include: { person: true } })).map((p) => `${p.level}:${p.person.name}`);
  const waitFor = async (what: () => Promise<boolean>, ms = 5_000) => {
    const deadline = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const fire = () => intake.receive(normalizeGeneric({ title: 'Replication lag 90s', service: 'postgres', severity: 'critical' }, new Date()));

  it('pages each level in turn after its delay, and records that nobody acknowledged', async () => {
    await fire();
    await waitFor(async () => (await pagesOf()).length >= 1);
    expect(await pagesOf()).toEqual(['1:Alice']);
    await waitFor(async () => (await pagesOf()).length >= 3);
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol']);
    await waitFor(async () => (await prisma().timelineEvent.count({ where: { kind: 'escalation.exhausted' } })) === 1);
    // No chat platform here: each page is recorded as failed, with the reason, on the timeline.
    await waitFor(async () => (await prisma().page.count({ where: { status: 'failed' } })) === 3);
    expect((await prisma().timelineEvent.findFirstOrThrow({ where: { kind: 'page.failed' } })).text).toBe('Could not page Alice: no chat platform is configured');
  });

  it('says the policy ran out only once the last level has had its time, and not at all if that person acknowledges', async () => {
    // Driven by hand, one round of due jobs at a time, so the step after the last level can be
    // read while it is pending: no worker runs it behind the test's back.
    await worker.stop();
    await fire();
    const runDue = async (until: () => Promise<boolean>) => waitFor(async () => (await worker.runOnce(), await until()));
    await runDue(async () => (await pagesOf()).length >= 3);
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol']);
    const last = await prisma().job.findFirstOrThrow({ where: { kind: ESCALATION_STEP_JOB } });
    expect(last.payload).toMatchObject({ level: 2, round: 0 });
    // The last level's delay is 400 ms: the step is due that long after the step that paged Bob
    // and Carol was written, both by the database's clock in one transaction (no measured time).
    expect(last.dueAt.getTime() - last.createdAt.getTime()).toBe(400);
    await runDue(async () => (await prisma().timelineEvent.count({ where: { kind: 'escalation.exhausted' } })) === 1);
    // And it did not run before it was due (a lower bound: a busy machine only makes it later).
    const exhausted = await prisma().timelineEvent.findFirstOrThrow({ where: { kind: 'escalation.exhausted' } });
    expect(exhausted.at.getTime()).toBeGreaterThanOrEqual(last.dueAt.getTime());

    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages RESTART IDENTITY CASCADE');
    worker.start();
    await fire();
    await waitFor(async () => (await pagesOf()).length >= 3);
    await incidents.acknowledge(1, { kind: 'bot' });
    // Until no escalation step is left (cancelled, or run and fenced off), not for a fixed time.
    await waitFor(async () => (await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB } })) === 0);
    expect(await prisma().timelineEvent.count({ where: { kind: 'escalation.exhausted' } })).toBe(0);
  });

  it('stops escalating once someone acknowledges: pending steps are fenced', async () => {
    await fire();
    await waitFor(async () => (await pagesOf()).length >= 1);
    await incidents.acknowledge(1, { kind: 'bot' });
    await waitFor(async () => (await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB } })) === 0);
    expect(await pagesOf()).toEqual(['1:Alice']);
  });

  it('a step written before an ack does nothing when it runs after it', async () => {
    await worker.stop();
    await fire();
    // The first step is pending; the ack bumps the version before any worker runs it.
    await incidents.acknowledge(1, { kind: 'bot' });
    await prisma().$executeRawUnsafe(`INSERT INTO jobs (kind, subject, payload, due_at, fence) VALUES ('${ESCALATION_STEP_JOB}', 'incident:1', '{"level":0,"round":0}', now(), 0)`);
    worker.start();
    // Until the stale step has run (its job is gone), not for a fixed time.
    await waitFor(async () => (await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB } })) === 0);
    expect(await pagesOf()).toEqual([]);
  });

  it('a worker that dies right after a step commits leaves nothing to repeat, and the next step is not held back by its lease', async () => {
    await worker.stop();
    await fire();
    const database = db().database;
    const step = escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase) });
    // Worker "dead" claims the first step with a long lease, runs it, and is killed before it can mark the job done.
    const [first] = await database.transaction((tx) => claimDueJobs(tx, 'dead', 10, 60_000));
    await step(first!);
    expect(await pagesOf()).toEqual(['1:Alice']);
    // The step's own transaction completed its job: no leased leftover to run again when the lease ends.
    expect(await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB, lockedBy: 'dead' } })).toBe(0);
    worker.start();
    await waitFor(async () => (await pagesOf()).length >= 3);
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol']);
  });

  it('a step whose lease passed to another worker does nothing for the worker that lost it', async () => {
    await worker.stop();
    await fire();
    const database = db().database;
    const step = escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase) });
    const [stale] = await database.transaction((tx) => claimDueJobs(tx, 'slow', 10, 1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [taken] = await database.transaction((tx) => claimDueJobs(tx, 'fast', 10, 60_000));
    expect(taken!.id).toBe(stale!.id);
    await step(taken!);
    await step(stale!);
    expect(await pagesOf()).toEqual(['1:Alice']);
  });

  it('repeats the policy as many times as it says', async () => {
    await worker.stop();
    await setUp(1);
    await fire();
    await waitFor(async () => (await pagesOf()).length >= 6, 8_000);
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol', '1:Alice', '2:Bob', '2:Carol']);
  });

  it('pages whoever a schedule has on call when the level fires, overrides included', async () => {
    config.schedules.primary = {
      key: 'primary',
      name: 'Primary',
      timeZone: 'UTC',
      layers: [{ name: 'daily', participants: ['bob'], rotation: { kind: 'daily' }, handoffTime: '00:00', start: '2026-01-01', restrictions: [] }],
    };
    config.escalationPolicies.db!.levels = [{ targets: [{ kind: 'schedule', key: 'primary' }], delayMs: 60_000 }];
    const carol = await prisma().person.findFirstOrThrow({ where: { handle: 'carol' } });
    await prisma().oncallOverride.create({
      data: { scheduleKey: 'primary', personId: carol.id, startsAt: new Date(Date.now() - 60_000), endsAt: new Date(Date.now() + 3_600_000) },
    });
    await fire();
    await waitFor(async () => (await pagesOf()).length >= 1);
    expect(await pagesOf()).toEqual(['1:Carol']);
  });

  it('pages a person once per pass, however many levels name them, and again in each repeat the policy asks for', async () => {
    await worker.stop();
    await setUp(1);
    // Alice is paged at level 1 and is also a target of level 2, beside the team.
    config.escalationPolicies.db!.levels = [
      { targets: [{ kind: 'person', key: 'alice' }], delayMs: 50 },
      { targets: [{ kind: 'team', key: 'db' }, { kind: 'person', key: 'alice' }], delayMs: 50 },
    ];
    await fire();
    await waitFor(async () => (await prisma().timelineEvent.count({ where: { kind: 'escalation.exhausted' } })) === 1, 10_000);
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol', '1:Alice', '2:Bob', '2:Carol']);
    const skipped = await prisma().timelineEvent.findMany({ where: { kind: 'page.skipped' }, orderBy: { id: 'asc' } });
    expect(skipped.map((event) => event.text)).toEqual([
      'Escalation level 2: not paging Alice again, already paged in this pass',
      'Escalation level 2, repeat 1: not paging Alice again, already paged in this pass',
    ]);
  });

  it('the shipped oncall.yaml pages the person on call, a second person and the manager, once each', async () => {
    await worker.stop();
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams RESTART IDENTITY CASCADE');
    const shipped = loadOncallFile(join(projectRoot(), 'oncall.yaml')).config;
    await syncDirectory(prisma(), shipped);
    const database = db().database;
    // Tuesday 1 December 2026, 03:00 in Berlin: Bruno's week on payments.
    const at = new Date('2026-12-01T02:00:00Z');
    const step = escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => shipped, async () => []), clock: () => at });
    const checkout = new AlertIntake({ database, oncall: () => shipped, effects: escalationEffects, reopenWindowMs: 60_000, storeRawAlerts: false });
    await checkout.receive(normalizeGeneric({ title: 'Checkout 5xx above 5%', service: 'checkout', severity: 'critical' }, at));
    // Run the policy to its end by hand: each step as soon as it is written, nobody acknowledging.
    for (let rounds = 0; rounds < 20; rounds++) {
      await prisma().job.updateMany({ where: { kind: ESCALATION_STEP_JOB }, data: { dueAt: new Date(0) } });
      const claimed = await database.transaction((tx) => claimDueJobs(tx, 'by-hand', 10, 60_000));
      const steps = claimed.filter((job) => job.kind === ESCALATION_STEP_JOB);
      if (steps.length === 0) break;
      for (const job of steps) await step(job);
    }
    expect(await prisma().timelineEvent.count({ where: { kind: 'escalation.exhausted' } })).toBe(1);
    expect(await pagesOf()).toEqual(['1:Bruno Keller', '2:Chen Wei', '3:Emma Lindqvist']);
  });

  it('starts again from the first level when a resolved incident re-opens', async () => {
    await fire();
    await waitFor(async () => (await pagesOf()).length >= 1);
    await incidents.resolve(1, { kind: 'bot' });
    await incidents.reopen(1, { kind: 'bot' }, 'still broken');
    await waitFor(async () => (await pagesOf()).length >= 2);
    expect((await pagesOf()).slice(0, 2)).toEqual(['1:Alice', '1:Alice']);
  });
});

import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { escalationEffects, escalationStepHandler } from '../../../src/engine/escalation-jobs.js';
import { ESCALATION_STEP_JOB, PAGE_DELIVERY_JOB } from '../../../src/engine/job-kinds.js';
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
import { contactPlanner } from '../../../src/paging/paging.js';
import { countingDatabase } from '../../support/counting-database.js';
import { JobTime, runDueJobs } from '../../support/job-time.js';
import { describeEachDatabase } from '../../support/test-database.js';

const log = createLogger('silent');
const MINUTE = 60_000;
/** Each level's delay: realistic, since the tests move time forward instead of waiting for it. */
const LEVEL_DELAY = 5 * MINUTE;

function oncall(repeat = 0): OncallConfig {
  const config = emptyOncallConfig();
  for (const key of ['alice', 'bob', 'carol']) config.people[key] = { key, name: key[0]!.toUpperCase() + key.slice(1), timeZone: 'UTC', roles: [] };
  config.teams.db = { key: 'db', name: 'Databases', members: ['bob', 'carol'], services: ['postgres'], schedules: [], escalationPolicy: 'db' };
  config.escalationPolicies.db = {
    key: 'db',
    name: 'Databases',
    repeat,
    levels: [
      { targets: [{ kind: 'person', key: 'alice' }], delayMs: LEVEL_DELAY },
      { targets: [{ kind: 'team', key: 'db' }], delayMs: LEVEL_DELAY },
    ],
  };
  return config;
}

describeEachDatabase('escalation', (db) => {
  let worker: JobWorker;
  let intake: AlertIntake;
  let incidents: IncidentService;
  let config: OncallConfig;
  let time: JobTime;
  const prisma = () => db().database.prisma;
  /** The worker is driven by hand: what is due runs, nothing runs behind the test's back. */
  const runDue = () => runDueJobs(worker);

  async function setUp(repeat: number) {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams RESTART IDENTITY CASCADE');
    config = oncall(repeat);
    await syncDirectory(prisma(), config);
    const database = db().database;
    time = new JobTime(database);
    const clock = time.clock;
    const handlers = new Map([
      [ESCALATION_STEP_JOB, escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase), planContacts: contactPlanner(() => config, false), clock })],
      [PAGE_DELIVERY_JOB, pageDeliveryHandler({ database, delivery: new Delivery({ prisma: database.prisma, ports: [], clock }), log, clock })],
      ['incident.sync', async () => {}],
    ]);
    worker = new JobWorker(database, handlers, log);
    intake = new AlertIntake({ database, oncall: () => config, effects: escalationEffects, reopenWindowMs: 60_000, storeRawAlerts: false, clock });
    incidents = new IncidentService(database, escalationEffects, { clock });
  }

  beforeEach(() => setUp(0));
  afterEach(async () => {
    await worker.stop();
  });

  const pagesOf = async () =>
    (await prisma().page.findMany({ orderBy: { id: 'asc' }, include: { person: true } })).map((p) => `${p.level}:${p.person.name}`);
  const exhausted = () => prisma().timelineEvent.count({ where: { kind: 'escalation.exhausted' } });
  const fire = () => intake.receive(normalizeGeneric({ title: 'Replication lag 90s', service: 'postgres', severity: 'critical' }, time.clock.now()));

  it('pages each level in turn after its delay, and records that nobody acknowledged', async () => {
    await fire();
    await runDue();
    expect(await pagesOf()).toEqual(['1:Alice']);
    // A minute short of the delay (a minute of slack for a slow machine), level 2 is not due.
    await time.advance(LEVEL_DELAY - MINUTE);
    await runDue();
    expect(await pagesOf()).toEqual(['1:Alice']);
    await time.advance(MINUTE);
    await runDue();
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol']);
    expect(await exhausted()).toBe(0);
    await time.advance(LEVEL_DELAY);
    await runDue();
    expect(await exhausted()).toBe(1);
    // No chat platform here: each page is recorded as failed, with the reason, on the timeline.
    expect(await prisma().page.count({ where: { status: 'failed' } })).toBe(3);
    expect((await prisma().timelineEvent.findFirstOrThrow({ where: { kind: 'page.failed' } })).text).toBe('Could not page Alice in chat: no chat platform is configured');
  });

  it('says the policy ran out only once the last level has had its time, and not at all if that person acknowledges', async () => {
    await fire();
    await runDue();
    await time.advance(LEVEL_DELAY);
    await runDue();
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol']);
    const last = await prisma().job.findFirstOrThrow({ where: { kind: ESCALATION_STEP_JOB } });
    expect(last.payload).toMatchObject({ level: 2, round: 0 });
    // The step after the last level is due the last level's delay after the step that paged Bob
    // and Carol was written, both by the database's clock in one transaction (no measured time).
    expect(last.dueAt.getTime() - last.createdAt.getTime()).toBe(LEVEL_DELAY);
    await time.advance(LEVEL_DELAY - MINUTE);
    await runDue();
    expect(await exhausted()).toBe(0);
    await time.advance(MINUTE);
    await runDue();
    expect(await exhausted()).toBe(1);
    // Written at the bot's time when it ran: both levels' delays after the alert.
    const ranOut = await prisma().timelineEvent.findFirstOrThrow({ where: { kind: 'escalation.exhausted' } });
    expect(ranOut.at).toEqual(time.clock.now());

    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages RESTART IDENTITY CASCADE');
    await fire();
    await runDue();
    await time.advance(LEVEL_DELAY);
    await runDue();
    expect(await pagesOf()).toHaveLength(3);
    await incidents.acknowledge(1, { kind: 'bot' });
    await time.advance(LEVEL_DELAY);
    await runDue();
    // No escalation step is left (cancelled, or run and fenced off), and the policy did not "run out".
    expect(await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB } })).toBe(0);
    expect(await exhausted()).toBe(0);
  });

  it('sends the chat message when the person`s rules say, and at once when they give chat no time', async () => {
    config.people.alice = { ...config.people.alice!, slackId: 'U0ALICE', notify: { high: [{ via: 'chat', afterMs: 3 * MINUTE }] } };
    config.people.bob = { ...config.people.bob!, slackId: 'U0BOB', notify: { high: [{ via: 'email', afterMs: 0 }] } };
    await fire();
    await runDue();
    const delivered = () => prisma().page.findMany({ where: { status: { not: 'pending' } }, include: { person: true } });
    expect(await delivered()).toEqual([]);
    expect(await prisma().timelineEvent.findFirstOrThrow({ where: { kind: 'page.created' } })).toMatchObject({ text: 'Paging Alice (level 1), then chat +3m' });
    await time.advance(3 * MINUTE - 1_000);
    await runDue();
    expect(await delivered()).toEqual([]);
    await time.advance(1_000);
    await runDue();
    expect((await delivered()).map((page) => page.person.name)).toEqual(['Alice']);
    await time.advance(LEVEL_DELAY);
    await runDue();
    // Bob's rules have no chat step: his chat message goes with the page, as Carol's (no rules) does.
    expect((await delivered()).map((page) => page.person.name).sort()).toEqual(['Alice', 'Bob', 'Carol']);
  });

  it('stops escalating once someone acknowledges: pending steps are fenced', async () => {
    await fire();
    await runDue();
    expect(await pagesOf()).toEqual(['1:Alice']);
    await incidents.acknowledge(1, { kind: 'bot' });
    await time.advance(2 * LEVEL_DELAY);
    await runDue();
    expect(await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB } })).toBe(0);
    expect(await pagesOf()).toEqual(['1:Alice']);
  });

  it('a step written before an ack does nothing when it runs after it', async () => {
    await fire();
    // The first step is pending; the ack bumps the version before any worker runs it.
    await incidents.acknowledge(1, { kind: 'bot' });
    await prisma().$executeRawUnsafe(`INSERT INTO jobs (kind, subject, payload, due_at, fence) VALUES ('${ESCALATION_STEP_JOB}', 'incident:1', '{"level":0,"round":0}', now(), 0)`);
    await runDue();
    // The stale step ran (its job is gone) and paged nobody.
    expect(await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB } })).toBe(0);
    expect(await pagesOf()).toEqual([]);
  });

  it('a worker that dies right after a step commits leaves nothing to repeat, and the next step is not held back by its lease', async () => {
    await fire();
    const database = db().database;
    const step = escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase), clock: time.clock });
    // Worker "dead" claims the first step with a long lease, runs it, and is killed before it can mark the job done.
    const [first] = await database.transaction((tx) => claimDueJobs(tx, 'dead', 10, 60_000));
    await step(first!);
    expect(await pagesOf()).toEqual(['1:Alice']);
    // The step's own transaction completed its job: no leased leftover to run again when the lease ends.
    expect(await prisma().job.count({ where: { kind: ESCALATION_STEP_JOB, lockedBy: 'dead' } })).toBe(0);
    // Level 2 comes after its own delay, well inside the dead worker's minute-long lease.
    await time.advance(LEVEL_DELAY);
    await runDue();
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol']);
  });

  it('a step whose lease passed to another worker does nothing for the worker that lost it', async () => {
    await fire();
    const database = db().database;
    const step = escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase), clock: time.clock });
    const [stale] = await database.transaction((tx) => claimDueJobs(tx, 'slow', 10, MINUTE));
    await time.advance(MINUTE + 1);
    const [taken] = await database.transaction((tx) => claimDueJobs(tx, 'fast', 10, 60_000));
    expect(taken!.id).toBe(stale!.id);
    await step(taken!);
    await step(stale!);
    expect(await pagesOf()).toEqual(['1:Alice']);
  });

  /** Incidents of their own (each alert its own group), each with its first step due now. */
  const fireMany = (count: number, from = 0) =>
    Promise.all(Array.from({ length: count }, (_, n) => intake.receive(normalizeGeneric({ title: `Replication lag on db-${from + n}`, service: 'postgres', severity: 'critical', labels: { host: `db-${from + n}` } }, time.clock.now()))));
  const claimSteps = (workerId: string) =>
    db().database.transaction(async (tx) => (await claimDueJobs(tx, workerId, 100, MINUTE)).filter((job) => job.kind === ESCALATION_STEP_JOB));

  it('runs the steps claimed together in one transaction of the same statements for 12 incidents as for 2, writing what one at a time would', async () => {
    const counted = countingDatabase(db().database);
    const steps = escalationStepHandler({ database: counted.database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase), planContacts: contactPlanner(() => config, false), clock: time.clock });
    await fireMany(2);
    const two = await claimSteps('batch');
    expect(two).toHaveLength(2);
    await steps.batch!(two);
    const forTwo = counted.statements();
    await fireMany(12, 2);
    const twelve = await claimSteps('batch');
    expect(twelve).toHaveLength(12);
    await steps.batch!(twelve);
    expect(counted.statements() - forTwo).toBe(forTwo);

    expect(await pagesOf()).toEqual(Array.from({ length: 14 }, () => '1:Alice'));
    const pages = await prisma().page.findMany({ orderBy: { id: 'asc' } });
    expect(new Set(pages.map((page) => page.incidentId)).size).toBe(14);
    for (const page of pages) {
      const created = await prisma().timelineEvent.findMany({ where: { incidentId: page.incidentId!, kind: 'page.created' } });
      expect(created.map((entry) => [entry.text, (entry.data as { pageId: number }).pageId])).toEqual([['Paging Alice (level 1)', page.id]]);
    }
    // Each incident's next step, fenced by its version, and each page's delivery: nothing else, nothing twice.
    const pending = await prisma().job.findMany({ where: { status: 'pending' }, orderBy: { id: 'asc' } });
    expect(pending.filter((job) => job.kind === ESCALATION_STEP_JOB).map((job) => [job.subject, job.payload])).toEqual(
      pages.map((page) => [`incident:${page.incidentId}`, { level: 1, round: 0, paged: [pages[0]!.personId] }]),
    );
    expect(pending.filter((job) => job.kind === PAGE_DELIVERY_JOB).map((job) => job.subject).sort()).toEqual(pages.map((page) => `page:${page.id}`).sort());
  });

  it('records the outcome of pages delivered side by side in one transaction: each page and its timeline entry', async () => {
    await fireMany(12);
    await worker.runOnce(); // the 12 first steps, together
    const counted = countingDatabase(db().database);
    const deliver = pageDeliveryHandler({ database: counted.database, delivery: new Delivery({ prisma: db().database.prisma, ports: [], clock: time.clock }), log, clock: time.clock });
    const deliveries = await db().database.transaction(async (tx) => (await claimDueJobs(tx, 'pages', 100, MINUTE)).filter((job) => job.kind === PAGE_DELIVERY_JOB));
    expect(deliveries).toHaveLength(12);
    await Promise.all(deliveries.map((job) => deliver(job)));
    // Page by page this was a read (several with Prisma) and two statements each; together, one
    // read, then a lock, an update and an insert.
    expect(counted.statements()).toBeLessThanOrEqual(1 + 6);
    const pages = await prisma().page.findMany({ orderBy: { id: 'asc' } });
    expect(pages.map((page) => [page.status, page.error])).toEqual(pages.map(() => ['failed', 'no chat platform is configured']));
    for (const page of pages) {
      const failed = await prisma().timelineEvent.findMany({ where: { incidentId: page.incidentId!, kind: 'page.failed' } });
      expect(failed.map((entry) => [entry.text, (entry.data as { pageId: number }).pageId])).toEqual([['Could not page Alice in chat: no chat platform is configured', page.id]]);
    }
  });

  it('runs the rest of a batch when one step in it fails, and retries that one on its own', async () => {
    const database = db().database;
    const resolve = levelTargetResolver(() => config, overridesFromDatabase);
    const steps = escalationStepHandler({
      database,
      // One incident's copied policy names a target nobody can resolve (a bug, a corrupt row).
      resolveTargets: async (level, at, tx) => {
        if (level.targets.some((target) => target.key === 'ghost')) throw new Error('no such target: ghost');
        return resolve(level, at, tx);
      },
      clock: time.clock,
    });
    const batchWorker = new JobWorker(database, new Map([[ESCALATION_STEP_JOB, steps], [PAGE_DELIVERY_JOB, async () => {}]]), log);
    await fireMany(3);
    const [broken] = await prisma().incident.findMany({ orderBy: { id: 'asc' }, take: 1 });
    await prisma().$executeRawUnsafe(`UPDATE incidents SET escalation_policy = jsonb_set(escalation_policy, '{levels,0,targets}', '[{"kind":"person","key":"ghost"}]') WHERE id = ${broken!.id}`);
    expect(await batchWorker.runOnce()).toBe(3);
    const paged = await prisma().page.findMany({ orderBy: { id: 'asc' } });
    expect(paged.map((page) => page.incidentId!).sort((a, b) => a - b)).toEqual([broken!.id + 1, broken!.id + 2]);
    const left = await prisma().job.findFirstOrThrow({ where: { kind: ESCALATION_STEP_JOB, subject: `incident:${broken!.id}` } });
    expect(left).toMatchObject({ status: 'pending', attempts: 1, lastError: 'no such target: ghost' });
    await batchWorker.stop();
  });

  it('repeats the policy as many times as it says', async () => {
    await setUp(1);
    await fire();
    for (let level = 0; level < 5; level++) {
      await runDue();
      await time.advance(LEVEL_DELAY);
    }
    await runDue();
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol', '1:Alice', '2:Bob', '2:Carol']);
    expect(await exhausted()).toBe(1);
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
      data: { scheduleKey: 'primary', personId: carol.id, startsAt: new Date(time.clock.now().getTime() - 60_000), endsAt: new Date(time.clock.now().getTime() + 3_600_000) },
    });
    await fire();
    await runDue();
    expect(await pagesOf()).toEqual(['1:Carol']);
  });

  it('pages a person once per pass, however many levels name them, and again in each repeat the policy asks for', async () => {
    await setUp(1);
    // Alice is paged at level 1 and is also a target of level 2, beside the team.
    config.escalationPolicies.db!.levels = [
      { targets: [{ kind: 'person', key: 'alice' }], delayMs: LEVEL_DELAY },
      { targets: [{ kind: 'team', key: 'db' }, { kind: 'person', key: 'alice' }], delayMs: LEVEL_DELAY },
    ];
    await fire();
    for (let level = 0; level < 5; level++) {
      await runDue();
      await time.advance(LEVEL_DELAY);
    }
    await runDue();
    expect(await exhausted()).toBe(1);
    expect(await pagesOf()).toEqual(['1:Alice', '2:Bob', '2:Carol', '1:Alice', '2:Bob', '2:Carol']);
    const skipped = await prisma().timelineEvent.findMany({ where: { kind: 'page.skipped' }, orderBy: { id: 'asc' } });
    expect(skipped.map((event) => event.text)).toEqual([
      'Escalation level 2: not paging Alice again, already paged in this pass',
      'Escalation level 2, repeat 1: not paging Alice again, already paged in this pass',
    ]);
  });

  it('the shipped oncall.yaml pages the person on call, a second person and the manager, once each', async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams RESTART IDENTITY CASCADE');
    const shipped = loadOncallFile(join(projectRoot(), 'oncall.yaml')).config;
    await syncDirectory(prisma(), shipped);
    const database = db().database;
    // Tuesday 1 December 2026, 03:00 in Berlin: Bruno's week on payments.
    const at = new Date('2026-12-01T02:00:00Z');
    const step = escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => shipped, async () => []), clock: { now: () => at } });
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
    await runDue();
    await incidents.resolve(1, { kind: 'bot' });
    await incidents.reopen(1, { kind: 'bot' }, 'still broken');
    await runDue();
    expect(await pagesOf()).toEqual(['1:Alice', '1:Alice']);
  });
});

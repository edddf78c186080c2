import { afterEach, expect, it } from 'vitest';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { loadIncidentFacts } from '../../../src/chat/incident-facts.js';
import { incidentCard } from '../../../src/chat/incident-card.js';
import { escalationEffects, escalationStepHandler } from '../../../src/engine/escalation-jobs.js';
import { ESCALATION_STEP_JOB, FLAP_SETTLE_JOB, INCIDENT_SYNC_JOB, PAGE_DELIVERY_JOB } from '../../../src/engine/job-kinds.js';
import { JobWorker } from '../../../src/engine/job-worker.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { flapSettleHandler } from '../../../src/incidents/flap-settle.js';
import { createLogger } from '../../../src/logging.js';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { levelTargetResolver, overridesFromDatabase } from '../../../src/oncall/level-target-resolver.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { buildWeeklyReport } from '../../../src/reports/weekly-report.js';
import { renderReportMarkdown } from '../../../src/reports/weekly-report-render.js';
import { JobTime, runDueJobs } from '../../support/job-time.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;
/** FLAP_DETECTION's default, 2/30m. */
const FLAP = { fires: 2, windowMs: 30 * MINUTE };
const config = parseOncallYaml(
  [
    'people:',
    '  alice: { name: Alice }',
    '  bob: { name: Bob }',
    'escalation_policies:',
    '  storage: { levels: [{ targets: [{ person: alice }], delay: 10m }, { targets: [{ person: bob }], delay: 10m }] }',
    'default_route: { escalation_policy: storage }',
  ].join('\n'),
);

describeEachDatabase('a flapping alert', (db) => {
  let worker: JobWorker | undefined;
  afterEach(() => worker?.stop());

  it('pages once: flapping, its incident stays open, nobody is paged twice, the escalation still goes on, and it settles', async () => {
    const database = db().database;
    const prisma = database.prisma;
    await prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams RESTART IDENTITY CASCADE');
    await syncDirectory(prisma, config);
    const time = new JobTime(database);
    const clock = time.clock;
    const intake = new AlertIntake({ database, oncall: () => config, effects: escalationEffects, reopenWindowMs: 30 * MINUTE, storeRawAlerts: false, clock, flap: FLAP });
    worker = new JobWorker(
      database,
      new Map([
        [ESCALATION_STEP_JOB, escalationStepHandler({ database, resolveTargets: levelTargetResolver(() => config, overridesFromDatabase), clock })],
        [FLAP_SETTLE_JOB, flapSettleHandler({ database, effects: escalationEffects, clock, windowMs: FLAP.windowMs })],
        [PAGE_DELIVERY_JOB, async () => {}],
        [INCIDENT_SYNC_JOB, async () => {}],
      ]),
      createLogger('silent'),
    );
    const send = (status: 'firing' | 'resolved') => intake.receive(normalizeGeneric({ title: 'Disk nearly full on db-1', fingerprint: 'disk-db-1', status, severity: 'critical' }, clock.now()));
    const pages = async () => (await prisma.page.findMany({ orderBy: { id: 'asc' }, include: { person: true } })).map((p) => p.person.name);
    const status = async () => (await prisma.incident.findUniqueOrThrow({ where: { id: 1 } })).status;
    const minutes = async (n: number) => {
      await time.advance(n * MINUTE);
      await runDueJobs(worker!);
    };

    // Fires (a page), and clears before anyone looked: resolved, as any alert that clears.
    await send('firing');
    await runDueJobs(worker);
    expect(await pages()).toEqual(['Alice']);
    await minutes(2);
    await send('resolved');
    expect(await status()).toBe('resolved');
    // Fires again within half an hour: flapping. Re-opened, and Alice, already paged for it, is not paged again.
    await minutes(2);
    await send('firing');
    await runDueJobs(worker);
    expect(await status()).toBe('triggered');
    expect(await pages()).toEqual(['Alice']);
    const timeline = async () => (await prisma.timelineEvent.findMany({ where: { incidentId: 1 }, orderBy: { id: 'asc' } })).map((e) => e.text);
    expect(await timeline()).toContain('Alert "Disk nearly full on db-1" is flapping: it fired 2 times in 30m. The incident stays open while it flaps, and nobody already paged for it is paged again.');
    expect(await timeline()).toContain('Escalation level 1: not paging Alice again, already paged in this pass');
    const card = incidentCard((await loadIncidentFacts(prisma, 1))!, 'slack', { now: clock.now() });
    expect(JSON.stringify(card)).toContain('Disk nearly full on db-1 (fired 2 times lately; pages nobody twice)');

    // Clearing no longer resolves it (the next flap would page again)...
    await minutes(1);
    await send('resolved');
    expect(await status()).toBe('triggered');
    // ...and it keeps flapping without a page, while escalation still goes on to Bob.
    for (let i = 0; i < 2; i++) {
      await minutes(2);
      await send('firing');
      await minutes(1);
      await send('resolved');
    }
    expect(await pages()).toEqual(['Alice']);
    await minutes(5);
    expect(await pages()).toEqual(['Alice', 'Bob']);
    expect(await status()).toBe('triggered');
    // Clear for the whole window after its last fire (29 minutes ago now): it stops flapping and the incident resolves itself.
    await minutes(23);
    expect(await status()).toBe('triggered');
    await minutes(2);
    expect(await status()).toBe('resolved');
    expect((await prisma.alert.findFirstOrThrow()).flappingSince).toBeNull();
    expect((await timeline()).at(-1)).toBe('Resolved: its flapping alert stayed clear for 30m');

    const report = renderReportMarkdown(await buildWeeklyReport(database.sql, { weeks: 1, timeZone: 'UTC', now: clock.now() }));
    expect(report).toContain('(flapping)');
  });
});

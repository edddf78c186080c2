import { beforeEach, expect, it } from 'vitest';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import type { Database } from '../../../src/db/database.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { emptyOncallConfig } from '../../../src/oncall/oncall-config.js';
import { parsePlaybook } from '../../../src/playbooks/playbook-file.js';
import { playbookEffects } from '../../../src/playbooks/playbook-runner.js';
import { describeEachDatabase } from '../../support/test-database.js';
import { countingDatabase } from '../../support/counting-database.js';

const DRILL = `id: drill
name: Disk drill
match: { labels: { alertname: DiskFull } }
steps:
  - { id: page-dba, title: Page the DBA, when: { labels: { env: production } }, remind_after: 15m }
  - { id: look, title: Look at the disk }
  - { id: clean, title: Clean up }
`;
const OTHER = `id: other
name: Something else
match: { title: "certificate" }
steps:
  - { id: renew, title: Renew it }
`;

describeEachDatabase('playbooks of incidents alerts open', (db) => {
  const now = new Date('2026-12-05T01:00:00Z');
  const library = { all: () => [DRILL, OTHER].map((text, i) => parsePlaybook(text, `p${i}.yaml`).playbook!) };
  const prisma = () => db().database.prisma;
  const intakeOn = (database: Database) =>
    new AlertIntake({ database, oncall: () => emptyOncallConfig(), effects: playbookEffects(library, { now: () => now }), reopenWindowMs: 60_000, storeRawAlerts: false, clock: { now: () => now } });

  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, playbook_runs, playbook_step_states RESTART IDENTITY CASCADE');
  });

  const notification = (alerts: { fingerprint: string; env?: string; summary?: string; alertname?: string }[]) =>
    normalizeAlertmanager({
      version: '4', status: 'firing', receiver: 'bot', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: '',
      alerts: alerts.map(({ fingerprint, env = 'staging', summary = `${fingerprint} disk full`, alertname = 'DiskFull' }) => ({
        status: 'firing', labels: { alertname, instance: fingerprint, env }, annotations: { summary },
        startsAt: '2026-12-05T00:59:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint,
      })),
    });

  it('starts each new incident\'s playbook in the transaction that opened it, on its alert\'s labels, queueing no start job', async () => {
    const results = await intakeOn(db().database).receive(notification([
      { fingerprint: 'db-1', env: 'production' },
      { fingerprint: 'db-2' },
      { fingerprint: 'tls-1', summary: 'certificate expires in 3 days', alertname: 'CertExpiry' },
    ]));
    expect(results.map((r) => [r.outcome, r.incidentId])).toEqual([['created', 1], ['created', 2], ['created', 3]]);

    const runs = await prisma().playbookRun.findMany({ orderBy: { incidentId: 'asc' }, select: { incidentId: true, playbookId: true, currentStepId: true, status: true } });
    // Each run holds a copy of its own playbook, though the batch sent each playbook once.
    const copies = await prisma().playbookRun.findMany({ orderBy: { incidentId: 'asc' }, select: { definition: true } });
    expect(copies.map(({ definition }) => (definition as { id: string; steps: unknown[] }).id)).toEqual(['drill', 'drill', 'other']);
    expect(copies.map(({ definition }) => (definition as { steps: unknown[] }).steps.length)).toEqual([3, 3, 1]);
    expect(runs).toEqual([
      { incidentId: 1, playbookId: 'drill', currentStepId: 'page-dba', status: 'running' },
      { incidentId: 2, playbookId: 'drill', currentStepId: 'look', status: 'running' },
      { incidentId: 3, playbookId: 'other', currentStepId: 'renew', status: 'running' },
    ]);
    const timeline = await prisma().timelineEvent.findMany({ where: { incidentId: 1 }, orderBy: { id: 'asc' } });
    expect(timeline.map((e) => e.kind)).toEqual(['incident.opened', 'alert.firing', 'playbook.started']);
    expect(timeline[2]!.text).toMatch(/^Playbook "Disk drill" started/);
    expect(await prisma().incident.findMany({ orderBy: { id: 'asc' }, select: { playbookId: true } })).toEqual([{ playbookId: 'drill' }, { playbookId: 'drill' }, { playbookId: 'other' }]);

    const jobs = await prisma().job.findMany({ orderBy: { id: 'asc' }, select: { kind: true, subject: true } });
    expect(jobs.filter((job) => job.kind === 'playbook.start')).toEqual([]);
    // Only incident 1 waits on "page-dba", the one step with remind_after.
    expect(jobs.filter((job) => job.kind === 'playbook.reminder').map((job) => job.subject)).toEqual(['incident:1']);
  });

  it('skips a step whose `when` the alert does not meet, as a run started later would', async () => {
    const intake = intakeOn(db().database);
    await intake.receive(notification([{ fingerprint: 'db-1', env: 'production' }, { fingerprint: 'db-2' }]));
    const states = await prisma().playbookStepState.findMany({ orderBy: [{ runId: 'asc' }, { stepId: 'asc' }], select: { runId: true, stepId: true, status: true } });
    expect(states).toEqual([
      { runId: 1, stepId: 'page-dba', status: 'active' },
      { runId: 2, stepId: 'look', status: 'active' },
      { runId: 2, stepId: 'page-dba', status: 'skipped' },
    ]);
    const skipped = await prisma().timelineEvent.findFirstOrThrow({ where: { incidentId: 2, kind: 'step.skipped' } });
    expect(skipped.text).toContain('Skipped step "Page the DBA"');
    // A second notification of the same alerts starts nothing again.
    await intake.receive(notification([{ fingerprint: 'db-1', env: 'production' }, { fingerprint: 'db-3' }]));
    expect(await prisma().playbookRun.count()).toBe(3);
    expect(await prisma().timelineEvent.count({ where: { kind: 'playbook.started' } })).toBe(3);
  });

  it('starts the playbooks of 60 new incidents with the statements it takes for 2', async () => {
    const statementsFor = async (count: number, first: number) => {
      const { database: counting, statements } = countingDatabase(db().database);
      await intakeOn(counting).receive(notification(Array.from({ length: count }, (_, i) => ({ fingerprint: `node-${first + i}` }))));
      return statements();
    };
    const two = await statementsFor(2, 0);
    // The read; then, in the transaction: insert the alerts, opening their groups' incidents and
    // linking them, in one statement; start the playbooks; append the timeline with the jobs.
    expect(two).toBe(4);
    expect(await statementsFor(60, 100)).toBe(two);
    expect(await prisma().playbookRun.count()).toBe(62);
    // Staging alerts: each run skipped "page-dba" and waits on "look".
    expect(await prisma().playbookStepState.count()).toBe(124);
  });
});

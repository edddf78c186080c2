import { expect, it } from 'vitest';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { AlertIntake } from '../../../src/incidents/alert-intake.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { IncidentService } from '../../../src/incidents/incident-service.js';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { buildWeeklyReport } from '../../../src/reports/weekly-report.js';
import { renderReportMarkdown, renderReportMessage } from '../../../src/reports/weekly-report-render.js';
import { ManualClock } from '../../../src/time/clock.js';
import { reportPageContent } from '../../../src/web/report-page.js';
import { describeEachDatabase } from '../../support/test-database.js';

const config = parseOncallYaml(
  [
    'people:',
    '  ana: { name: Ana Ruiz }',
    '  ben: { name: Ben Ode }',
    'routes:',
    '  - { id: disk-space, match: { labels: { alertname: DiskFull } } }',
    '  - { id: cpu, match: { labels: { alertname: CpuHigh } } }',
    '  - { id: secrets, private: true, match: { labels: { alertname: TokenLeak } } }',
  ].join('\n'),
);

describeEachDatabase('noise feedback in the weekly report', (db) => {
  it('ranks alerts by noise votes, then volume, with the responder time each cost and the route to tune', async () => {
    const prisma = db().database.prisma;
    await prisma.$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams, noise_votes RESTART IDENTITY CASCADE');
    await syncDirectory(prisma, config);
    const clock = new ManualClock('2026-04-07T10:00:00Z');
    const database = db().database;
    const intake = new AlertIntake({ database, oncall: () => config, effects: noEffects, reopenWindowMs: 0, storeRawAlerts: false, clock });
    const incidents = new IncidentService(database, noEffects, { clock });
    const alert = (alertname: string, status: 'firing' | 'resolved') =>
      normalizeGeneric({ title: `${alertname} on node-1`, fingerprint: alertname, status, labels: { alertname } }, clock.now());
    /** The alert fires, and resolves 5 minutes later; returns the incident it opened. */
    const flap = async (alertname: string) => {
      const [fired] = await intake.receive(alert(alertname, 'firing'));
      clock.advance(300_000);
      await intake.receive(alert(alertname, 'resolved'));
      clock.advance(600_000);
      return fired!.incidentId!;
    };
    const disk: number[] = [];
    for (let i = 0; i < 3; i++) disk.push(await flap('DiskFull'));
    for (let i = 0; i < 5; i++) await flap('CpuHigh');
    // One disk incident was paged and worked: paged at once, acknowledged 2 minutes later, resolved 5 after that.
    const [fired] = await intake.receive(alert('DiskFull', 'firing'));
    const worked = fired!.incidentId!;
    const ana = await prisma.person.findUniqueOrThrow({ where: { handle: 'ana' } });
    const ben = await prisma.person.findUniqueOrThrow({ where: { handle: 'ben' } });
    await prisma.page.create({ data: { incidentId: worked, personId: ana.id, message: 'paged', createdAt: clock.now() } });
    clock.advance(120_000);
    await incidents.acknowledge(worked, { kind: 'person', personId: ana.id, name: ana.name });
    clock.advance(300_000);
    await incidents.resolve(worked, { kind: 'person', personId: ana.id, name: ana.name });
    await incidents.markNoisy(worked, { kind: 'person', personId: ana.id, name: ana.name }, 'threshold at 80% on a volume that idles at 85%');
    await incidents.markNoisy(disk[0]!, { kind: 'person', personId: ben.id, name: ben.name });
    // Saying it twice counts once.
    const again = await incidents.markNoisy(disk[0]!, { kind: 'person', personId: ben.id, name: ben.name }, 'flaps all night');
    expect(again).toEqual({ again: true });

    // An alert of a private route: its incidents are private, so is its title in what the report shows.
    await flap('TokenLeak');

    const report = await buildWeeklyReport(database.sql, { weeks: 1, timeZone: 'UTC', now: new Date('2026-04-08T12:00:00Z') });
    expect(report.noisiest.map((a) => [a.fingerprint, a.firings, a.incidents, a.noiseVotes, a.route, a.privateOnly])).toEqual([
      ['DiskFull', 4, 4, 2, 'disk-space', false],
      ['CpuHigh', 5, 5, 0, 'cpu', false],
      ['TokenLeak', 1, 1, 0, 'secrets', true],
    ]);
    expect(renderReportMarkdown(report)).toContain('- (an alert of private incidents) (generic, TokenLeak): fired 1 time(s)');
    expect(renderReportMarkdown(report)).not.toContain('TokenLeak on node-1');
    expect(reportPageContent(report, { weeks: 1, teams: [], showPrivateTitles: false })).not.toContain('TokenLeak on node-1');
    expect(reportPageContent(report, { weeks: 1, teams: [], showPrivateTitles: true })).toContain('TokenLeak on node-1');
    expect(report.noisiest[0]).toMatchObject({ pageToAckSeconds: 120, ackToResolveSeconds: 300 });
    const markdown = renderReportMarkdown(report);
    expect(markdown).toContain('- DiskFull on node-1 (generic, DiskFull): fired 4 time(s) in 4 incident(s), 2 noise vote(s); responders spent 7m (page to ack 2m, ack to resolve 5m); tune route disk-space');
    expect(JSON.stringify(renderReportMessage(report))).toContain('DiskFull on node-1 ×4 (2 noise votes), route disk-space');
    const timeline = await prisma.timelineEvent.findMany({ where: { incidentId: disk[0]!, kind: 'noise.vote' } });
    expect(timeline.map((e) => e.text)).toEqual(['Ben Ode marked this incident as noise', 'Ben Ode marked this incident as noise: flaps all night']);
  });
});

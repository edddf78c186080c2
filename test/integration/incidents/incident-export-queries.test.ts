import { beforeAll, expect, it } from 'vitest';
import { exportIncidentsOpened, loadIncidentExport } from '../../../src/incidents/incident-export-queries.js';
import type { IncidentExport } from '../../../src/incidents/incident-export.js';
import { describeEachDatabase } from '../../support/test-database.js';

describeEachDatabase('reading incidents for export', (db) => {
  const prisma = () => db().database.prisma;
  const day = (n: number) => new Date(Date.UTC(2026, 10, n, 12));
  // Numbers and opening times disagree on purpose (an incident opens at its first alert's start).
  const OPENED = [5, 2, 9, 3, 7, 8, 1, 6];

  beforeAll(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, timeline_events, people, teams RESTART IDENTITY CASCADE');
    for (const [index, date] of OPENED.entries()) {
      const incident = await prisma().incident.create({ data: { title: `Incident ${index + 1}`, severity: 2, source: 'generic', openedAt: day(date) } });
      await prisma().timelineEvent.create({ data: { incidentId: incident.id, at: day(date), kind: 'note', actorType: 'bot', actorName: 'bot', text: `note of ${incident.id}` } });
      const alert = await prisma().alert.create({
        data: {
          source: 'generic', fingerprint: `f${incident.id}`, status: 'firing', title: `alert of ${incident.id}`, labels: {}, annotations: {}, links: {},
          startsAt: day(date), lastReceivedAt: day(date), contentHash: 'x', incidentId: incident.id,
          raw: { authorization: 'Bearer raw-secret-of-the-sender' },
        },
      });
      await prisma().incidentAlert.create({ data: { incidentId: incident.id, alertId: alert.id } });
    }
  });

  const numbers = async (range: { since: Date; until?: Date }, batchSize: number) => {
    const documents: IncidentExport[] = [];
    for await (const document of exportIncidentsOpened(prisma(), range, { redact: false, batchSize })) documents.push(document);
    // Each document carries its own incident's rows, never a neighbour's from the same batch.
    for (const document of documents) {
      expect(document.timeline.map((e) => e.text)).toEqual([`note of ${document.incident.number}`]);
      expect(document.alerts.map((a) => a.title)).toEqual([`alert of ${document.incident.number}`]);
    }
    return documents.map((document) => document.incident.number);
  };

  it('pages through every incident opened in [since, until) by number, each once, whatever the batch size', async () => {
    const everything = [1, 2, 3, 4, 5, 6, 7, 8];
    for (const batchSize of [1, 2, 3, 8, 50]) expect(await numbers({ since: day(1) }, batchSize)).toEqual(everything);
    // Opened on the 3rd to the 6th: since included, until not.
    expect(await numbers({ since: day(3), until: day(7) }, 2)).toEqual([1, 4, 8]);
    expect(await numbers({ since: day(10) }, 2)).toEqual([]);
  });

  it('leaves the raw payload out, and has no document for an unknown number', async () => {
    const document = await loadIncidentExport(prisma(), 1, { redact: false });
    expect(document!.incident.id).toBe('INC-1');
    expect(JSON.stringify(document)).not.toContain('raw-secret-of-the-sender');
    expect(await loadIncidentExport(prisma(), 999, { redact: false })).toBeUndefined();
  });
});

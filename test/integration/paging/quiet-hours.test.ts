import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { emptyOncallConfig, type OncallConfig } from '../../../src/oncall/oncall-config.js';
import { smtpEmailPort } from '../../../src/paging/email/smtp-email-port.js';
import { markVerified } from '../../support/mark-verified.js';
import { startPagingEngine } from '../../support/paging-engine.js';
import { startSmtpInbox } from '../../support/smtp-inbox.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;

function oncall(): OncallConfig {
  const config = emptyOncallConfig();
  config.people.noor = {
    key: 'noor',
    name: 'Noor Haddad',
    timeZone: 'Europe/Berlin',
    roles: [],
    email: 'noor@example.com',
    notify: { high: [{ via: 'email', afterMs: MINUTE }], low: [{ via: 'email', afterMs: 0 }] },
    quietHours: { from: '22:00', to: '07:00' },
  };
  config.escalationPolicies.noor = { key: 'noor', name: 'Noor', repeat: 0, levels: [{ targets: [{ kind: 'person', key: 'noor' }], delayMs: 24 * 60 * MINUTE }] };
  config.defaultRoute = { ...config.defaultRoute, escalationPolicy: 'noor' };
  return config;
}

describeEachDatabase('quiet hours through the engine, a real SMTP server receiving', (db) => {
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let engine: ReturnType<typeof startPagingEngine>;
  const config = oncall();
  const prisma = () => db().database.prisma;
  const mailsAbout = (n: number) => inbox.mails.filter((m) => m.raw.includes(`INC-${n}`));

  beforeAll(async () => {
    inbox = await startSmtpInbox();
  });
  afterAll(() => inbox?.close());
  afterEach(() => engine?.stop());

  it('holds a low-urgency page until 07:00 in the person`s zone, and never holds a high-urgency one', async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams, notifications, contact_verifications, sent_messages RESTART IDENTITY CASCADE');
    await syncDirectory(prisma(), config);
    await markVerified(prisma(), 'noor', { email: 'noor@example.com' });
    // 23:30 in Berlin (22:30 UTC, winter time).
    engine = startPagingEngine(db().database, { config: () => config, contacts: [smtpEmailPort({ smtpUrl: inbox.url, from: 'pager@example.com' })], start: new Date('2026-12-01T22:30:00Z') });
    inbox.mails.length = 0;

    await engine.fire('Nightly export slow', 'warning');
    await engine.fire('Payments down', 'critical');
    await engine.runDue();
    const [low, high] = await prisma().incident.findMany({ orderBy: { id: 'asc' } });
    expect([low!.severity, high!.severity]).toEqual([3, 1]);
    expect((await prisma().timelineEvent.findFirstOrThrow({ where: { incidentId: low!.id, kind: 'page.created' } })).text).toBe('Paging Noor Haddad (level 1), then email +7h 30m');

    await engine.time.advance(MINUTE);
    await engine.runDue();
    expect(mailsAbout(high!.id)).toHaveLength(1);
    expect(mailsAbout(low!.id)).toHaveLength(0);

    // 06:59 in Berlin: still quiet.
    await engine.time.advance(7 * 60 * MINUTE + 28 * MINUTE);
    await engine.runDue();
    expect(mailsAbout(low!.id)).toHaveLength(0);
    await engine.time.advance(MINUTE);
    await engine.runDue();
    expect(mailsAbout(low!.id)).toHaveLength(1);
    expect((await prisma().notification.findFirstOrThrow({ where: { page: { incidentId: low!.id } } })).heldFrom).toEqual(new Date('2026-12-01T22:30:00Z'));
  });
  it('a page says which of the person\'s methods it could not use because they are not verified, and how to verify them', async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams, notifications, contact_verifications, sent_messages RESTART IDENTITY CASCADE');
    await syncDirectory(prisma(), config);
    engine = startPagingEngine(db().database, { config: () => config, contacts: [smtpEmailPort({ smtpUrl: inbox.url, from: 'pager@example.com' })], start: new Date('2026-12-01T12:00:00Z') });
    await engine.fire('Payments down', 'critical');
    await engine.runDue();
    const [incident] = await prisma().incident.findMany();
    expect((await prisma().timelineEvent.findFirstOrThrow({ where: { incidentId: incident!.id, kind: 'page.created' } })).text).toBe('Paging Noor Haddad (level 1); not verified yet, so not used: email (incident-bot oncall verify noor)');
    expect(await prisma().notification.count()).toBe(0);
  });
});

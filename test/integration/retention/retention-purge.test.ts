import { beforeEach, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import type { PrismaClient } from '../../../src/db/database.js';
import { retentionPlan } from '../../../src/retention/retention-plan.js';
import { sql } from '../../../src/db/sql.js';
import { countExpired, noCounts, purgeExpired } from '../../../src/retention/retention-purge.js';
import { describeEachDatabase } from '../../support/test-database.js';

const DAY = 86_400_000;
const MINUTE = 60_000;
const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);

const TABLES = [
  'alerts', 'incidents', 'incident_alerts', 'timeline_events', 'incident_roles', 'chat_channels', 'chat_channel_invites', 'playbook_runs', 'playbook_step_states',
  'pages', 'notifications', 'postmortems', 'noise_votes', 'audit_entries', 'processed_requests', 'opsgenie_requests', 'jobs', 'action_tokens', 'web_sessions', 'web_sign_ins', 'people',
];

let fingerprints = 0;

async function person(prisma: PrismaClient) {
  return prisma.person.create({ data: { name: `Ada ${++fingerprints}` } });
}

async function alert(prisma: PrismaClient, fields: { status: 'firing' | 'resolved'; lastReceivedAt: Date; endsAt?: Date; incidentId?: number; raw?: object | null }) {
  const created = await prisma.alert.create({
    data: {
      source: 'generic', fingerprint: `fp-${++fingerprints}`, status: fields.status, title: 'Disk full', labels: {}, annotations: {}, links: {},
      startsAt: new Date(fields.lastReceivedAt.getTime() - 3_600_000), endsAt: fields.endsAt ?? (fields.status === 'resolved' ? fields.lastReceivedAt : null),
      lastReceivedAt: fields.lastReceivedAt, contentHash: 'h', incidentId: fields.incidentId ?? null, raw: fields.raw === null ? undefined : (fields.raw ?? { payload: 'as received', secret: 'card 4111' }),
    },
  });
  if (fields.incidentId) await prisma.incidentAlert.create({ data: { incidentId: fields.incidentId, alertId: created.id } });
  return created;
}

/** A resolved incident with one of everything that hangs off it. */
async function incident(prisma: PrismaClient, resolvedAt: Date | null) {
  const who = await person(prisma);
  const created = await prisma.incident.create({
    data: { title: 'Checkout down', severity: 1, status: resolvedAt ? 'resolved' : 'acknowledged', source: 'manual', openedAt: new Date((resolvedAt ?? NOW).getTime() - 3_600_000), resolvedAt },
  });
  const id = created.id;
  await prisma.timelineEvent.createMany({ data: [1, 2, 3].map((n) => ({ incidentId: id, at: created.openedAt, kind: 'note', actorType: 'person', actorId: who.id, actorName: who.name, text: `note ${n}` })) });
  await prisma.incidentRole.create({ data: { incidentId: id, role: 'commander', personId: who.id, assignedAt: created.openedAt } });
  const channel = await prisma.chatChannel.create({ data: { incidentId: id, platform: 'slack', channelId: `C${id}`, name: `inc-${id}` } });
  await prisma.chatChannelInvite.create({ data: { chatChannelId: channel.id, userId: 'U1' } });
  const run = await prisma.playbookRun.create({ data: { incidentId: id, playbookId: 'db', playbookName: 'DB', contentHash: 'h', definition: {}, startedAt: created.openedAt } });
  await prisma.playbookStepState.create({ data: { runId: run.id, stepId: 'check', status: 'done', at: created.openedAt, actorId: who.id } });
  const page = await prisma.page.create({ data: { incidentId: id, personId: who.id, message: 'wake up', status: 'sent' } });
  await prisma.notification.create({ data: { pageId: page.id, via: 'sms', address: '+15005550006', dueAt: created.openedAt } });
  await prisma.postmortem.create({ data: { incidentId: id, markdown: '# What happened', generatedAt: created.openedAt } });
  await prisma.noiseVote.create({ data: { incidentId: id, personId: who.id, at: created.openedAt } });
  await prisma.job.create({ data: { kind: 'incident.sync', subject: `incident:${id}`, dueAt: NOW } });
  const attached = await alert(prisma, { status: resolvedAt ? 'resolved' : 'firing', lastReceivedAt: resolvedAt ?? NOW, incidentId: id });
  return { id, alertId: attached.id };
}

describeEachDatabase('retention purge', (db) => {
  const prisma = () => db().database.prisma;
  const count = async (table: string) => Number((await prisma().$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
  const counts = async (): Promise<Record<string, number>> => Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, await count(table)] as const)));
  const planFor = (env: Record<string, string> = {}, at = NOW) => retentionPlan(loadConfig(env), at);

  beforeEach(async () => {
    await prisma().$executeRawUnsafe(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`);
  });

  it('removes only what is older than its setting, and keeps what is newer', async () => {
    const just = MINUTE;
    // Raw payloads, 30 days: cleared on the alert, the alert kept.
    const oldRaw = await alert(prisma(), { status: 'firing', lastReceivedAt: ago(30 * DAY + just) });
    const newRaw = await alert(prisma(), { status: 'firing', lastReceivedAt: ago(30 * DAY - just) });
    // Resolved alerts, 365 days.
    const oldResolved = await alert(prisma(), { status: 'resolved', lastReceivedAt: ago(365 * DAY + just), raw: null });
    const newResolved = await alert(prisma(), { status: 'resolved', lastReceivedAt: ago(365 * DAY - just), raw: null });
    const oldFiring = await alert(prisma(), { status: 'firing', lastReceivedAt: ago(400 * DAY), raw: null });
    // Audit, 365 days.
    await prisma().auditEntry.createMany({ data: [ago(365 * DAY + just), ago(365 * DAY - just)].map((at, n) => ({ at, actorName: `a${n}`, platform: 'cli', action: 'x', result: 'ok' })) });
    // Request ids, 7 days; one that carries its own expiry is never forgotten before it.
    await prisma().processedRequest.createMany({
      data: [
        { key: 'old', createdAt: ago(7 * DAY + just) },
        { key: 'new', createdAt: ago(7 * DAY - just) },
        { key: 'old-but-remembered', createdAt: ago(8 * DAY), expiresAt: new Date(NOW.getTime() + DAY) },
        { key: 'expired-today', createdAt: ago(2 * 3_600_000), expiresAt: ago(just) },
      ],
    });
    await prisma().opsgenieRequest.createMany({ data: [ago(7 * DAY + just), ago(7 * DAY - just)].map((processedAt, n) => ({ id: `r${n}`, keyHash: 'k', action: 'Create', success: true, status: 'Created alert', processedAt })) });
    // Housekeeping: dead jobs and expired links 30 days on, sessions and sign-ins at their expiry.
    await prisma().job.createMany({ data: [ago(30 * DAY + just), ago(30 * DAY - just)].map((dueAt) => ({ kind: 'page.notify', status: 'dead', dueAt })) });
    await prisma().job.create({ data: { kind: 'report.weekly', status: 'pending', dueAt: ago(60 * DAY) } });
    const who = await person(prisma());
    await prisma().actionToken.createMany({ data: [ago(30 * DAY + just), ago(30 * DAY - just)].map((expiresAt, n) => ({ tokenHash: `t${n}`, purpose: 'ack', personId: who.id, expiresAt })) });
    await prisma().webSession.createMany({ data: [ago(just), new Date(NOW.getTime() + just)].map((expiresAt, n) => ({ idHash: `s${n}`, personId: who.id, csrfToken: 'c', via: 'oidc', expiresAt })) });
    await prisma().webSignIn.createMany({ data: [ago(just), new Date(NOW.getTime() + just)].map((expiresAt, n) => ({ stateHash: `g${n}`, browserHash: 'b', codeVerifier: 'v', nonce: 'n', returnTo: '/', expiresAt })) });

    const plan = planFor();
    const before = await countExpired(db().database.sql, plan);
    const result = await purgeExpired(db().database, plan, { pauseMs: 0 });
    expect(result.progress).toBeUndefined();
    expect(result.counts).toEqual({
      ...noCounts(),
      raw_payloads: 1, resolved_alerts: 1, audit_entries: 1, processed_requests: 1, opsgenie_requests: 1, expired_request_ids: 1, dead_jobs: 1, expired_links: 1, expired_web_sessions: 1, expired_web_sign_ins: 1,
    });
    expect(before).toEqual(result.counts);

    const alerts = await prisma().alert.findMany({ orderBy: { id: 'asc' } });
    expect(alerts.map((row) => row.id)).toEqual([oldRaw.id, newRaw.id, newResolved.id, oldFiring.id]);
    expect(alerts.find((row) => row.id === oldRaw.id)!.raw).toBeNull();
    expect(alerts.find((row) => row.id === newRaw.id)!.raw).toEqual({ payload: 'as received', secret: 'card 4111' });
    expect(alerts.find((row) => row.id === oldResolved.id)).toBeUndefined();
    expect((await prisma().auditEntry.findMany()).map((row) => row.actorName)).toEqual(['a1']);
    expect((await prisma().processedRequest.findMany({ orderBy: { key: 'asc' } })).map((row) => row.key)).toEqual(['new', 'old-but-remembered']);
    expect((await prisma().opsgenieRequest.findMany()).map((row) => row.id)).toEqual(['r1']);
    expect((await prisma().job.findMany({ orderBy: { id: 'asc' } })).map((row) => `${row.kind}:${row.status}`)).toEqual(['page.notify:dead', 'report.weekly:pending']);
    expect((await prisma().actionToken.findMany()).map((row) => row.tokenHash)).toEqual(['t1']);
    expect((await prisma().webSession.findMany()).map((row) => row.idHash)).toEqual(['s1']);
    expect((await prisma().webSignIn.findMany()).map((row) => row.stateHash)).toEqual(['g1']);

    // Run again: nothing more is old enough.
    expect((await purgeExpired(db().database, plan, { pauseMs: 0 })).counts).toEqual(noCounts());
  });

  it('keeps incidents, their timelines, roles, pages and postmortems by default, however old', async () => {
    const ancient = await incident(prisma(), ago(5 * 365 * DAY));
    const before = await counts();
    const { counts: removed } = await purgeExpired(db().database, planFor(), { pauseMs: 0 });
    expect(removed.incidents).toBe(0);
    const after = await counts();
    // Only its alert went (resolved five years ago), with its link to the incident; the incident's own record stays whole.
    expect(removed.resolved_alerts).toBe(1);
    expect(after).toEqual({ ...before, alerts: before.alerts! - 1, incident_alerts: before.incident_alerts! - 1 });
    expect(await prisma().incident.findUnique({ where: { id: ancient.id } })).not.toBeNull();
    expect(await prisma().postmortem.findUnique({ where: { incidentId: ancient.id } })).toMatchObject({ markdown: '# What happened' });
    expect(await prisma().timelineEvent.count({ where: { incidentId: ancient.id } })).toBe(3);
  });

  it('with RETAIN_INCIDENTS, deletes resolved incidents older than it with everything of theirs, and keeps newer and open ones', async () => {
    const old = await incident(prisma(), ago(91 * DAY));
    const recent = await incident(prisma(), ago(89 * DAY));
    const open = await incident(prisma(), null);
    await prisma().incident.update({ where: { id: open.id }, data: { openedAt: ago(400 * DAY) } });
    // An alert of the old incident that is kept (resolved recently, under RETAIN_RESOLVED_ALERTS) lets go of it.
    await prisma().alert.update({ where: { id: old.alertId }, data: { lastReceivedAt: ago(10 * DAY), endsAt: ago(10 * DAY) } });
    const { counts: removed } = await purgeExpired(db().database, planFor({ RETAIN_INCIDENTS: '90d' }), { pauseMs: 0 });
    expect(removed.incidents).toBe(1);
    expect((await prisma().incident.findMany({ orderBy: { id: 'asc' } })).map((row) => row.id)).toEqual([recent.id, open.id]);
    for (const table of ['timeline_events', 'incident_roles', 'chat_channels', 'playbook_runs', 'pages', 'postmortems', 'noise_votes', 'incident_alerts']) {
      const rows = await prisma().$queryRawUnsafe<{ incident_id: number }[]>(`SELECT incident_id FROM ${table}`);
      expect(new Set(rows.map((row) => Number(row.incident_id))), table).toEqual(new Set([recent.id, open.id]));
    }
    expect(await count('chat_channel_invites')).toBe(2);
    expect(await count('playbook_step_states')).toBe(2);
    expect(await count('notifications')).toBe(2);
    expect((await prisma().job.findMany()).map((row) => row.subject).sort()).toEqual([`incident:${recent.id}`, `incident:${open.id}`].sort());
    expect(await prisma().alert.findUnique({ where: { id: old.alertId } })).toMatchObject({ incidentId: null });
    // People outlive the incidents they were in.
    expect(await count('people')).toBe(3);
  });

  it('never removes a resolved alert of an incident that is still open, however long ago it resolved', async () => {
    const open = await incident(prisma(), null);
    const oldOfOpen = await alert(prisma(), { status: 'resolved', lastReceivedAt: ago(500 * DAY), incidentId: open.id });
    const loose = await alert(prisma(), { status: 'resolved', lastReceivedAt: ago(500 * DAY) });
    await purgeExpired(db().database, planFor(), { pauseMs: 0 });
    expect(await prisma().alert.findUnique({ where: { id: oldOfOpen.id } })).not.toBeNull();
    expect(await prisma().alert.findUnique({ where: { id: loose.id } })).toBeNull();
  });

  it('works through more rows than one batch, a batch at a time, and can stop and go on where it stopped', async () => {
    const oldAt = ago(400 * DAY);
    const newAt = ago(DAY);
    await prisma().auditEntry.createMany({ data: Array.from({ length: 260 }, (_, n) => ({ at: n % 5 === 0 ? newAt : oldAt, actorName: `a${n}`, platform: 'cli', action: 'x', result: 'ok' })) });
    for (let n = 0; n < 5; n++) {
      await prisma().alert.createMany({
        data: Array.from({ length: 50 }, (_, i) => ({
          source: 'generic', fingerprint: `bulk-${n}-${i}`, status: 'resolved' as const, title: 't', labels: {}, annotations: {}, links: {}, startsAt: oldAt,
          endsAt: i % 2 ? oldAt : newAt, lastReceivedAt: i % 2 ? oldAt : newAt, contentHash: 'h', raw: { n: i },
        })),
      });
    }
    // 208 old audit rows, 125 old resolved alerts among 250, 125 old raw payloads (the same alerts: they go whole).
    const plan = planFor();
    const expected = await countExpired(db().database.sql, plan);
    expect(expected).toMatchObject({ audit_entries: 208, resolved_alerts: 125, raw_payloads: 125 });

    const first = await purgeExpired(db().database, plan, { batchSize: 40, pauseMs: 0, maxBatches: 4 });
    // Four batches of 40 alerts looked at for their raw payloads: 80 of the 160 hold an old one.
    expect(first.counts.raw_payloads).toBe(80);
    expect(first.progress).toEqual({ category: 'raw_payloads', cursor: 160 });
    let total = first.counts;
    let progress = first.progress;
    let runs = 1;
    while (progress) {
      const next = await purgeExpired(db().database, plan, { batchSize: 40, pauseMs: 0, maxBatches: 4, resume: progress });
      total = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, v + next.counts[k as keyof typeof total]])) as typeof total;
      progress = next.progress;
      runs++;
    }
    expect(runs).toBeGreaterThan(3);
    expect(total).toMatchObject({ audit_entries: 208, resolved_alerts: 125, raw_payloads: 125 });
    expect(await prisma().auditEntry.count()).toBe(52);
    expect(await prisma().auditEntry.count({ where: { at: { lt: ago(365 * DAY) } } })).toBe(0);
    expect(await prisma().alert.count({ where: { lastReceivedAt: { lt: ago(365 * DAY) } } })).toBe(0);
    expect(await prisma().alert.count()).toBe(125);
    expect(await prisma().alert.count({ where: { raw: { equals: { n: 0 } } } })).toBe(5);
  });

  it('lets an alert that comes in while it runs go in between its batches, not after the whole purge', async () => {
    await prisma().auditEntry.createMany({ data: Array.from({ length: 3000 }, (_, n) => ({ at: ago(400 * DAY), actorName: `a${n}`, platform: 'cli', action: 'x', result: 'ok' })) });
    const purge = purgeExpired(db().database, retentionPlan({ ...loadConfig({}), RETAIN_RAW_PAYLOADS: undefined, RETAIN_RESOLVED_ALERTS: undefined }, NOW), { batchSize: 100, pauseMs: 0 });
    // Ingestion writes an alert in a transaction of its own; on embedded storage (one connection)
    // it waits for whatever holds the connection. Inside it, the audit rows the purge has not reached yet.
    const stillThere = await db().database.transaction(async (tx) => {
      await tx.query(sql`INSERT INTO alerts (source, fingerprint, status, title, labels, annotations, links, starts_at, last_received_at, content_hash)
        VALUES ('generic', 'during-purge', 'firing', 'Disk full', '{}', '{}', '{}', now(), now(), 'h')`);
      const [row] = await tx.query<{ n: number }>(sql`SELECT count(*)::int AS n FROM audit_entries`);
      return Number(row!.n);
    });
    expect(stillThere).toBeGreaterThan(0);
    expect((await purge).counts.audit_entries).toBe(3000);
    expect(await prisma().alert.count({ where: { fingerprint: 'during-purge' } })).toBe(1);
  });
});

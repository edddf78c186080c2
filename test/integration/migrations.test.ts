import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Prisma } from '../../src/db/generated/client.js';
import { migrate, pendingMigrations, readMigrations } from '../../src/db/migrator.js';
import { runCli } from '../support/run-cli.js';
import { createPostgresDatabase, databaseKinds, describeEachDatabase } from '../support/test-database.js';

describeEachDatabase('migrations', (db) => {
  it('records every migration as Prisma does, with the sha256 of its file', async () => {
    const rows = await db().database.prisma.$queryRaw<
      { migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }[]
    >`SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`;
    const files = readMigrations();
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(createHash('sha256').update(files[i]!.sql).digest('hex'));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
    expect(await pendingMigrations(db().database)).toEqual([]);
  });

  it('applies nothing the second time', async () => {
    const result = await migrate(db().database);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied.length).toBe(readMigrations().length);
  });

  it('builds exactly the schema the client expects: every model written and read back', async () => {
    const prisma = db().database.prisma;
    const at = new Date('2026-03-08T06:30:00.123Z');
    const person = await prisma.person.create({
      data: { handle: 'alice', name: 'Alice Doe', email: 'alice@example.com', slackId: 'U1', discordId: '111', mattermostId: 'q3mcmn5akfrbjq8bwetm4ysb4a', teamsId: '29:1abc', timeZone: 'Europe/Berlin' },
    });
    const team = await prisma.team.create({ data: { key: 'payments', name: 'Payments' } });
    await prisma.teamMember.create({ data: { teamId: team.id, personId: person.id } });
    const incident = await prisma.incident.create({
      data: {
        title: 'Checkout error rate above 5%',
        severity: 2,
        teamId: team.id,
        service: 'checkout',
        source: 'alertmanager',
        routeId: 'payments',
        openGroupKey: 'g1',
        groupKey: 'g1',
        escalationPolicy: { levels: [{ targets: ['schedule:primary'], delayMinutes: 5 }] },
        openedAt: at,
        acknowledgedAt: new Date(at.getTime() + 60_000),
      },
    });
    const alert = await prisma.alert.create({
      data: {
        source: 'alertmanager',
        fingerprint: 'f00d',
        status: 'firing',
        title: 'HighErrorRate',
        labels: { alertname: 'HighErrorRate', service: 'checkout' },
        annotations: { summary: 'It is broken' },
        links: { generator: 'http://prometheus/graph' },
        recentFires: [at],
        flappingSince: at,
        heldByWindow: 7,
        startsAt: at,
        lastReceivedAt: at,
        contentHash: 'abc',
        incidentId: incident.id,
        raw: { any: ['json', 1] },
      },
    });
    await prisma.incidentAlert.create({ data: { incidentId: incident.id, alertId: alert.id } });
    await prisma.timelineEvent.create({
      data: { incidentId: incident.id, at, kind: 'note', actorType: 'person', actorId: person.id, actorName: 'Alice Doe', text: 'rootcause: disk', tag: 'rootcause', data: { x: 1 } },
    });
    await prisma.incidentRole.create({ data: { incidentId: incident.id, role: 'commander', personId: person.id, assignedAt: at } });
    const channel = await prisma.chatChannel.create({ data: { incidentId: incident.id, platform: 'slack', channelId: 'C1', name: 'inc-1-checkout', private: false } });
    for (const platform of ['mattermost', 'teams'] as const) await prisma.chatChannel.create({ data: { incidentId: incident.id, platform, channelId: `${platform}-1`, name: 'inc-1-checkout', private: false } });
    await prisma.chatChannelInvite.create({ data: { chatChannelId: channel.id, userId: 'U1' } });
    await prisma.sentMessage.create({ data: { via: 'discord', idempotencyKey: `incident:${incident.id}:card`, target: 'C1', messageId: '1.2' } });
    const run = await prisma.playbookRun.create({
      data: { incidentId: incident.id, playbookId: 'api-errors', playbookName: 'API errors', contentHash: 'h', definition: { steps: [] }, currentStepId: 's1', startedAt: at },
    });
    await prisma.playbookStepState.create({ data: { runId: run.id, stepId: 's1', status: 'done', actorId: person.id, at } });
    await prisma.oncallOverride.create({
      data: { scheduleKey: 'primary', personId: person.id, startsAt: at, endsAt: new Date(at.getTime() + 3_600_000), createdById: person.id },
    });
    const page = await prisma.page.create({ data: { incidentId: incident.id, personId: person.id, level: 1, escalationVersion: 0, message: 'INC-1', status: 'sent', platform: 'slack', sentAt: at } });
    await prisma.notification.create({ data: { pageId: page.id, via: 'sms', address: '+15550100001', dueAt: at, heldFrom: at, providerId: 'SM1', slotAt: at, foldedInto: 1 } });
    await prisma.heartbeat.create({ data: { name: 'prometheus-prod', lastBeatAt: at, missedAt: at, beats: 3 } });
    await prisma.noiseVote.create({ data: { incidentId: incident.id, personId: person.id, routeId: 'default', reason: 'flaps', at } });
    await prisma.changeEvent.create({ data: { summary: 'Deploy 1.2.3', source: 'ci', at, receivedAt: at, routeId: 'default', service: 'checkout', teamKey: 'payments', details: { build: 7 }, links: { build: 'https://ci.example/7' }, routingKeyHash: 'ab' } });
    await prisma.opsgenieRequest.create({ data: { id: 'req-1', keyHash: 'cd', action: 'Create', success: true, status: 'Created alert', alertId: '4', alias: 'a-1', processedAt: at } });
    await prisma.calendarFeed.create({ data: { token: 'cal-token-1', kind: 'person', subject: 'alice', createdById: person.id, createdAt: at, revokedAt: at } });
    await prisma.coverRequest.create({ data: { teamKey: 'payments', scheduleKey: 'payments-weekly', requesterId: person.id, startsAt: at, endsAt: at, reason: 'dentist', status: 'taken', takenById: person.id, takenAt: at, overrideId: 1, platform: 'slack', createdAt: at } });
    await prisma.swapRequest.create({ data: { scheduleKey: 'payments-weekly', requesterId: person.id, otherId: person.id, mineFrom: at, mineTo: at, theirsFrom: at, theirsTo: at, status: 'accepted', platform: 'slack', decidedAt: at, createdAt: at } });
    await prisma.webSession.create({ data: { idHash: 'session-hash', personId: person.id, csrfToken: 'csrf', via: 'oidc', expiresAt: at, createdAt: at } });
    await prisma.webSignIn.create({ data: { stateHash: 'state-hash', browserHash: 'browser-hash', codeVerifier: 'verifier', nonce: 'nonce', returnTo: '/ui/incidents', expiresAt: at } });
    await prisma.maintenanceWindow.create({ data: { matcher: { service: 'checkout' }, teamKey: 'payments', startsAt: at, endsAt: at, endedAt: at, reason: 'upgrade', createdById: person.id, createdByName: 'Alice Doe', origin: 'oncall.yaml', recurrence: 'nightly' } });
    await prisma.actionToken.create({ data: { tokenHash: 'h1', purpose: 'ack', personId: person.id, pageId: page.id, via: 'email', address: 'a@example.com', expiresAt: at } });
    await prisma.contactVerification.create({ data: { personId: person.id, via: 'sms', address: '+15550100001', codeHash: 'c', codeExpiresAt: at, verifiedAt: at } });
    await prisma.postmortem.create({ data: { incidentId: incident.id, markdown: '# RCA', generatedAt: at } });
    await prisma.processedRequest.create({ data: { key: 'slack:event:Ev1' } });
    await prisma.job.create({ data: { kind: 'chat.sync', subject: `incident:${incident.id}`, coalesceKey: 'k', payload: { a: 1 }, dueAt: at, fence: 0 } });
    await prisma.auditEntry.create({ data: { actorId: person.id, actorName: 'Alice Doe', platform: 'slack', action: 'incident.ack', args: ['1'], result: 'ok' } });

    const read = await prisma.incident.findUniqueOrThrow({
      where: { id: incident.id },
      include: {
        team: { include: { members: true } },
        alerts: { include: { alert: true } },
        currentAlerts: true,
        timeline: true,
        roles: { include: { person: true } },
        channels: true,
        playbookRun: { include: { steps: true } },
        pages: { include: { notifications: true } },
        postmortem: true,
      },
    });
    expect(read.openedAt.toISOString()).toBe(at.toISOString());
    expect(read.escalationPolicy).toEqual({ levels: [{ targets: ['schedule:primary'], delayMinutes: 5 }] });
    expect(read.team?.members).toHaveLength(1);
    expect(read.alerts[0]?.alert.labels).toEqual({ alertname: 'HighErrorRate', service: 'checkout' });
    expect(read.currentAlerts[0]?.raw).toEqual({ any: ['json', 1] });
    expect(read.timeline[0]).toMatchObject({ kind: 'note', tag: 'rootcause', data: { x: 1 } });
    expect(typeof read.timeline[0]?.id).toBe('bigint');
    expect(read.roles[0]?.person.timeZone).toBe('Europe/Berlin');
    expect(read.channels[0]?.name).toBe('inc-1-checkout');
    expect(read.playbookRun?.steps[0]?.status).toBe('done');
    expect(read.pages[0]?.platform).toBe('slack');
    expect(read.pages[0]?.notifications[0]).toMatchObject({ via: 'sms', status: 'pending', providerId: 'SM1' });
    expect((await prisma.actionToken.findFirstOrThrow()).usedAt).toBeNull();
    expect((await prisma.contactVerification.findFirstOrThrow()).verifiedAt?.toISOString()).toBe(at.toISOString());
    expect(read.postmortem?.markdown).toBe('# RCA');
    expect(await prisma.oncallOverride.count()).toBe(1);
    expect((await prisma.sentMessage.findFirstOrThrow()).messageId).toBe('1.2');
    expect((await prisma.chatChannelInvite.findFirstOrThrow()).invitedAt).toBeInstanceOf(Date);
    expect((await prisma.processedRequest.findFirstOrThrow()).key).toBe('slack:event:Ev1');
    expect((await prisma.job.findFirstOrThrow()).payload).toEqual({ a: 1 });
    expect((await prisma.auditEntry.findFirstOrThrow()).args).toEqual(['1']);
    expect(read.currentAlerts[0]).toMatchObject({ recentFires: [at], flappingSince: at, heldByWindow: 7 });
    expect(read.pages[0]?.notifications[0]).toMatchObject({ slotAt: at, foldedInto: 1 });
    expect(await prisma.heartbeat.findFirstOrThrow()).toMatchObject({ name: 'prometheus-prod', beats: 3, missedAt: at });
    expect(await prisma.noiseVote.findFirstOrThrow()).toMatchObject({ reason: 'flaps', routeId: 'default' });
    expect(await prisma.changeEvent.findFirstOrThrow()).toMatchObject({ summary: 'Deploy 1.2.3', service: 'checkout', teamKey: 'payments', details: { build: 7 }, links: { build: 'https://ci.example/7' }, at, receivedAt: at, routingKeyHash: 'ab', source: 'ci', routeId: 'default' });
    expect(await prisma.opsgenieRequest.findFirstOrThrow()).toMatchObject({ id: 'req-1', keyHash: 'cd', action: 'Create', success: true, status: 'Created alert', alertId: '4', alias: 'a-1', processedAt: at });
    expect(await prisma.calendarFeed.findFirstOrThrow()).toMatchObject({ token: 'cal-token-1', kind: 'person', subject: 'alice', createdById: person.id, createdAt: at, revokedAt: at });
    expect(await prisma.coverRequest.findFirstOrThrow()).toMatchObject({ teamKey: 'payments', scheduleKey: 'payments-weekly', requesterId: person.id, startsAt: at, endsAt: at, reason: 'dentist', status: 'taken', takenById: person.id, takenAt: at, overrideId: 1, platform: 'slack', createdAt: at });
    expect(await prisma.swapRequest.findFirstOrThrow()).toMatchObject({ scheduleKey: 'payments-weekly', requesterId: person.id, otherId: person.id, mineFrom: at, mineTo: at, theirsFrom: at, theirsTo: at, status: 'accepted', platform: 'slack', decidedAt: at, createdAt: at });
    expect(await prisma.webSession.findFirstOrThrow()).toEqual({ idHash: 'session-hash', personId: person.id, csrfToken: 'csrf', via: 'oidc', expiresAt: at, createdAt: at });
    expect(await prisma.webSignIn.findFirstOrThrow()).toEqual({ stateHash: 'state-hash', browserHash: 'browser-hash', codeVerifier: 'verifier', nonce: 'nonce', returnTo: '/ui/incidents', expiresAt: at });
    expect(await prisma.maintenanceWindow.findFirstOrThrow()).toMatchObject({ matcher: { service: 'checkout' }, recurrence: 'nightly', endedAt: at });

    // A model added to the schema without being exercised here fails this test.
    const exercised = [
      'Person', 'Team', 'TeamMember', 'Incident', 'Alert', 'IncidentAlert', 'TimelineEvent', 'IncidentRole', 'ChatChannel', 'ChatChannelInvite',
      'SentMessage', 'PlaybookRun', 'PlaybookStepState', 'OncallOverride', 'Page', 'Postmortem', 'ProcessedRequest', 'Job', 'AuditEntry',
      'Notification', 'ActionToken', 'ContactVerification', 'Heartbeat', 'NoiseVote', 'MaintenanceWindow', 'ChangeEvent', 'OpsgenieRequest', 'CalendarFeed', 'CoverRequest', 'SwapRequest', 'WebSession', 'WebSignIn',
    ];
    expect(Object.keys(Prisma.ModelName).sort()).toEqual(exercised.sort());
  });

  it('keeps one open incident per group, and lets resolved ones share the key', async () => {
    const prisma = db().database.prisma;
    const base = { title: 't', severity: 3, source: 'generic', openedAt: new Date() };
    await prisma.incident.create({ data: { ...base, openGroupKey: 'grp', groupKey: 'grp' } });
    await expect(prisma.incident.create({ data: { ...base, openGroupKey: 'grp', groupKey: 'grp' } })).rejects.toMatchObject({ code: 'P2002' });
    await prisma.incident.create({ data: { ...base, openGroupKey: null, groupKey: 'grp', status: 'resolved' } });
    await prisma.incident.create({ data: { ...base, openGroupKey: null, groupKey: 'grp', status: 'resolved' } });
  });
});

describe.skipIf(!databaseKinds().includes('postgres'))('migrations under concurrency [postgres]', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it('two processes migrating one empty database at once apply each migration once', async () => {
    const target = await createPostgresDatabase();
    cleanups.push(target.drop);
    const results = await Promise.all([
      runCli(['migrate'], { DATABASE_URL: target.url }),
      runCli(['migrate'], { DATABASE_URL: target.url }),
    ]);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(results.filter((r) => r.stdout.includes('Applied')).length).toBe(1);
    expect(results.filter((r) => r.stdout.includes('up to date')).length).toBe(1);

    const pg = await import('pg');
    const client = new pg.default.Client({ connectionString: target.url });
    await client.connect();
    const { rows } = await client.query('SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" GROUP BY 1 ORDER BY 1');
    await client.end();
    expect(rows).toEqual(readMigrations().map((m) => ({ migration_name: m.name, n: 1 })));
  });
});


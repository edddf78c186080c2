import { beforeEach, expect, it } from 'vitest';
import { TokenBuckets } from '../../../src/abuse/token-buckets.js';
import { AuditLog, findAuditEntries } from '../../../src/access/audit-log.js';
import { CommandGateway } from '../../../src/chat/commands/command-gateway.js';
import type { CommandHandlers, CommandReply } from '../../../src/chat/commands/command-dispatch.js';
import { parseCommandText } from '../../../src/chat/commands/parse-command-text.js';
import { parseButtonAction } from '../../../src/chat/commands/button-actions.js';
import { maintenanceCommandHandlers } from '../../../src/chat/maintenance-command-handlers.js';
import { webLinkCommandHandler } from '../../../src/web/web-link-command.js';
import { contactCommandHandlers } from '../../../src/chat/contact-command-handlers.js';
import { incidentCommandHandlers } from '../../../src/chat/incident-command-handlers.js';
import { oncallCommandHandlers } from '../../../src/chat/oncall-command-handlers.js';
import { PeopleDirectory } from '../../../src/chat/people-directory.js';
import { noEffects } from '../../../src/incidents/incident-effects.js';
import { IncidentService } from '../../../src/incidents/incident-service.js';
import { createLogger } from '../../../src/logging.js';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { emptyOncallConfig, type OncallConfig } from '../../../src/oncall/oncall-config.js';
import { describeEachDatabase } from '../../support/test-database.js';

const log = createLogger('silent');

function oncall(): OncallConfig {
  const config = emptyOncallConfig();
  const person = (key: string, slackId: string, roles: string[] = []) =>
    (config.people[key] = { key, name: `${key[0]!.toUpperCase()}${key.slice(1)} Example`, slackId, timeZone: 'Europe/Berlin', roles });
  person('pia', 'U0PIA');
  person('sam', 'U0SAM');
  person('ada', 'U0ADA', ['admin']);
  config.teams.payments = { key: 'payments', name: 'Payments', members: ['pia'], services: ['checkout'], schedules: ['payments-weekly'] };
  config.teams.platform = { key: 'platform', name: 'Platform', members: ['sam'], services: [], schedules: [] };
  config.schedules['payments-weekly'] = {
    key: 'payments-weekly',
    name: 'Payments weekly',
    timeZone: 'UTC',
    layers: [{ name: 'weekly', participants: ['pia'], rotation: { kind: 'weekly' }, handoffTime: '09:00', handoffWeekday: 1, start: '2026-01-05', restrictions: [] }],
  };
  return config;
}

const text = (reply: CommandReply) => reply.message.sections.map((s) => s.text).join('\n');

describeEachDatabase('the command gateway: roles, audit, throttling', (db) => {
  const prisma = () => db().database.prisma;
  let gateway: CommandGateway;
  let now: number;
  const config = oncall();

  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, audit_entries, oncall_overrides, timeline_events, incident_roles, jobs, people, teams, team_members RESTART IDENTITY CASCADE');
    await syncDirectory(prisma(), config);
    const database = db().database;
    const people = new PeopleDirectory(prisma());
    const handlers: CommandHandlers = {
      ...oncallCommandHandlers({ database, oncall: () => config, people }),
      ...contactCommandHandlers({ database, oncall: () => config, people, canSend: () => true }),
      ...maintenanceCommandHandlers({ database, oncall: () => config, people }),
      ...webLinkCommandHandler({ database, oncall: () => config, people, publicUrl: () => 'http://127.0.0.1:3000' }),
      ...incidentCommandHandlers({ prisma: prisma(), database, incidents: new IncidentService(database, noEffects), people, oncall: () => config }),
    };
    now = 1_000_000;
    gateway = new CommandGateway({ handlers, prisma: prisma(), people, oncall: () => config, audit: new AuditLog(prisma(), log), log, limiter: new TokenBuckets({ ratePerSecond: 1, burst: 5 }), clock: { now: () => new Date(now) } });
  });

  /** Typed in the incident's channel (the gateway finds the incident from the channel), or in C1 without one. */
  const as = async (user: string, line: string, incidentNumber?: number, command: 'incident' | 'oncall' = 'incident') => {
    const channelId = incidentNumber === undefined ? 'C1' : `C-INC-${incidentNumber}`;
    if (incidentNumber !== undefined) {
      await prisma().chatChannel.upsert({ where: { platform_channelId: { platform: 'slack', channelId } }, update: {}, create: { incidentId: incidentNumber, platform: 'slack', channelId, name: `inc-${incidentNumber}` } });
    }
    return gateway.run(parseCommandText(command, line), { platform: 'slack', actor: { platformId: user }, channelId });
  };

  async function paymentsIncident(): Promise<number> {
    await as('U0PIA', 'declare sev2 Checkout is slow');
    const incident = await prisma().incident.findFirstOrThrow({ orderBy: { id: 'desc' } });
    const team = await prisma().team.findUniqueOrThrow({ where: { key: 'payments' } });
    await prisma().incident.update({ where: { id: incident.id }, data: { teamId: team.id } });
    return incident.id;
  }

  it('refuses a resolve by someone outside the incident`s team, says why, changes nothing, and records the refusal', async () => {
    const number = await paymentsIncident();
    const refused = await as('U0SAM', 'resolve it was DNS', number);
    expect(refused.visibility).toBe('ephemeral');
    expect(text(refused)).toBe(`Only Payments responders, the incident commander or an admin may resolve INC-${number}. Sam Example is not a member of Payments in oncall.yaml.`);
    const stranger = await as('U0STRANGER', 'sev 1', number);
    expect(text(stranger)).toContain('is not listed in oncall.yaml');
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: number } })).status).toBe('triggered');
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: number } })).severity).toBe(2);

    const resolved = await as('U0PIA', 'resolve it was DNS', number);
    expect(resolved.visibility).toBe('in_channel');
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: number } })).status).toBe('resolved');

    const rows = await findAuditEntries(prisma(), { action: 'incident.' });
    expect(rows.reverse().map((r) => [r.actorName, r.action, r.result])).toEqual([
      ['Pia Example', 'incident.declare', 'ok'],
      ['Sam Example', 'incident.resolve', 'refused'],
      ['U0STRANGER', 'incident.sev', 'refused'],
      ['Pia Example', 'incident.resolve', 'ok'],
    ]);
    const last = rows.at(-1)!;
    expect(last).toMatchObject({ platform: 'slack', actorHandle: 'pia', args: { summary: 'it was DNS', incident: number, via: 'typed' } });
    expect(rows[1]!.detail).toContain('not a member of Payments');
  });

  it('keeps a private incident without a team to the people in it: a bystander cannot give themselves a role in it', async () => {
    await as('U0PIA', 'declare sev2 --private Token in a public repo');
    const number = (await prisma().incident.findFirstOrThrow({ orderBy: { id: 'desc' } })).id;
    const refused = await as('U0SAM', 'role scribe <@U0SAM>', number);
    expect(text(refused)).toMatch(new RegExp(`^INC-${number} is private: only the people in it`));
    expect(await prisma().incidentRole.count({ where: { incidentId: number } })).toBe(0);
    // Pia declared it, so she is in it (her entry is on its timeline): she may.
    expect((await as('U0PIA', 'role scribe <@U0SAM>', number)).visibility).toBe('in_channel');
    expect(await prisma().incidentRole.count({ where: { incidentId: number } })).toBe(1);
  });

  it('lets the incident commander and an admin do what responders do', async () => {
    const number = await paymentsIncident();
    expect(text(await as('U0SAM', 'sev 1', number))).toContain('is not a member of Payments');
    await as('U0PIA', 'role commander <@U0SAM>', number);
    expect((await as('U0SAM', 'sev 1', number)).visibility).toBe('in_channel');
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: number } })).severity).toBe(1);
    expect((await as('U0ADA', 'resolve', number)).visibility).toBe('in_channel');
  });

  it('acts on the incident of the channel a command is typed in, on that platform only', async () => {
    const number = await paymentsIncident();
    expect((await as('U0PIA', 'sev 1', number)).visibility).toBe('in_channel');
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: number } })).severity).toBe(1);
    // The same channel id on Discord is not that incident's channel: the command has no incident to act on.
    const elsewhere = await gateway.run(parseCommandText('incident', 'sev 3'), { platform: 'discord', actor: { platformId: 'U0PIA' }, channelId: `C-INC-${number}` });
    expect(elsewhere.visibility).toBe('ephemeral');
    expect((await prisma().incident.findUniqueOrThrow({ where: { id: number } })).severity).toBe(1);
  });

  it('records a button click as such, and a typo as an invalid command with what was typed', async () => {
    const number = await paymentsIncident();
    await gateway.run(parseButtonAction({ action: 'incident.ack', value: String(number) }), { platform: 'slack', actor: { platformId: 'U0SAM' }, channelId: 'C1', input: 'button' });
    await as('U0SAM', 'resolv', number);
    const [typo, click] = await findAuditEntries(prisma(), { actor: 'sam' });
    expect(click).toMatchObject({ action: 'incident.ack', result: 'ok', args: { incident: number, via: 'button' } });
    expect(typo).toMatchObject({ action: 'usage_error', result: 'invalid', args: { error: 'Unknown subcommand "resolv". Did you mean "resolve"?' } });
    expect(await findAuditEntries(prisma(), { action: 'usage_error' })).toHaveLength(1);
  });

  it('keeps overrides to the team`s members and admins, auditing the exact instants of the ones it stores', async () => {
    const refused = await as('U0SAM', 'override payments <@U0SAM> now +2h', undefined, 'oncall');
    expect(text(refused)).toBe('Only members of Payments or an admin may override its on-call schedule. Sam Example is not a member of Payments in oncall.yaml.');
    expect(await prisma().oncallOverride.count()).toBe(0);
    const stored = await as('U0PIA', 'override payments <@U0SAM> now +2h', undefined, 'oncall');
    expect(stored.visibility).toBe('in_channel');
    const [row] = await findAuditEntries(prisma(), { action: 'oncall.override', actor: 'pia' });
    const override = await prisma().oncallOverride.findFirstOrThrow();
    expect(row!.args).toMatchObject({ team: 'payments', from: 'now', to: '+2h', schedule: 'payments-weekly', person: 'sam', startsAt: override.startsAt.toISOString(), endsAt: override.endsAt.toISOString() });
  });

  it('throttles one person without slowing anyone else, tells them when to try again, and records it', async () => {
    for (let i = 0; i < 5; i++) expect(text(await as('U0SAM', 'list'))).not.toContain('faster');
    const throttled = await as('U0SAM', 'list');
    expect(throttled.visibility).toBe('ephemeral');
    expect(text(throttled)).toBe('You are sending commands faster than the bot takes them from one person. Try again in 1s.');
    expect(text(await as('U0PIA', 'list'))).not.toContain('faster');
    now += 1_000;
    expect(text(await as('U0SAM', 'list'))).not.toContain('faster');
    const rows = await findAuditEntries(prisma(), { actor: 'Sam', action: 'incident.list' });
    expect(rows.map((r) => r.result)).toEqual(['ok', 'rate_limited', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('finds entries by person and time', async () => {
    await as('U0PIA', 'list');
    await as('U0SAM', 'help');
    expect((await findAuditEntries(prisma(), { actor: 'PIA EX' })).map((r) => r.action)).toEqual(['incident.list']);
    expect(await findAuditEntries(prisma(), { since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await findAuditEntries(prisma(), { actor: 'nobody' })).toEqual([]);
    // What is typed is matched as text, not as a LIKE pattern.
    expect(await findAuditEntries(prisma(), { actor: '%' })).toEqual([]);
    expect(await findAuditEntries(prisma(), { action: '_' })).toEqual([]);
  });

  it('keeps the audit row of a command whose text PostgreSQL cannot store as it is (NUL)', async () => {
    await as('U0PIA', 'declare sev3 Disk\u0000full');
    const [row] = await findAuditEntries(prisma(), { action: 'incident.declare' });
    expect(row).toMatchObject({ result: 'ok', args: { title: 'Disk\uFFFDfull' } });
  });
});

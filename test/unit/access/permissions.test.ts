import { describe, expect, it } from 'vitest';
import { decideAccess, teamsOwning, type Requester } from '../../../src/access/permissions.js';
import type { ParsedCommand } from '../../../src/chat/commands/parsed-command.js';
import { emptyOncallConfig, type OncallConfig } from '../../../src/oncall/oncall-config.js';

function config(): OncallConfig {
  const c = emptyOncallConfig();
  const person = (key: string, roles: string[] = []) => (c.people[key] = { key, name: key[0]!.toUpperCase() + key.slice(1), timeZone: 'UTC', roles });
  person('ada', ['admin']);
  person('max', ['manager']);
  person('pia');
  person('sam');
  c.teams.payments = { key: 'payments', name: 'Payments', members: ['pia'], services: ['checkout'], schedules: ['payments-weekly'] };
  c.teams.platform = { key: 'platform', name: 'Platform', members: ['sam'], services: [], schedules: [] };
  return c;
}

const who = (handle: string | undefined, personId = 1): Requester => ({ personId, name: handle ? handle[0]!.toUpperCase() + handle.slice(1) : 'Stranger', handle });
const resolve: ParsedCommand = { kind: 'incident.resolve' };
const reopen: ParsedCommand = { kind: 'incident.reopen' };
const sev: ParsedCommand = { kind: 'incident.sev', severity: 1 };
const role: ParsedCommand = { kind: 'incident.role', role: 'scribe', user: { platformId: 'U1' } };
const paymentsIncident = { number: 7, team: 'payments', commanderPersonId: 42 };

describe('who may do what', () => {
  it('lets anyone declare, acknowledge, note, post status and read', () => {
    const commands: ParsedCommand[] = [
      { kind: 'incident.declare', private: false, title: 'x' },
      { kind: 'incident.ack' },
      { kind: 'incident.note', text: 'x' },
      { kind: 'incident.status', update: 'x' },
      { kind: 'incident.timeline', page: 1 },
      { kind: 'incident.list' },
      { kind: 'oncall.who' },
    ];
    for (const command of commands) expect(decideAccess(command, who(undefined), config(), paymentsIncident)).toEqual({ allowed: true });
  });

  it('reserves resolve, re-open, severity and roles for the incident team`s responders, its commander and admins', () => {
    for (const command of [resolve, reopen, sev, role]) {
      expect(decideAccess(command, who('pia'), config(), paymentsIncident)).toEqual({ allowed: true, as: 'responder' });
      expect(decideAccess(command, who('sam', 42), config(), paymentsIncident)).toEqual({ allowed: true, as: 'commander' });
      expect(decideAccess(command, who('ada'), config(), paymentsIncident)).toEqual({ allowed: true, as: 'admin' });
      expect(decideAccess(command, who('max'), config(), paymentsIncident).allowed).toBe(false);
    }
  });

  it('says why it refuses: which team, and whether the person is listed at all', () => {
    const other = decideAccess(resolve, who('sam'), config(), paymentsIncident);
    expect(other).toEqual({ allowed: false, reason: 'Only Payments responders, the incident commander or an admin may resolve INC-7. Sam is not a member of Payments in oncall.yaml.' });
    const stranger = decideAccess(sev, who(undefined), config(), paymentsIncident);
    expect(stranger.allowed).toBe(false);
    expect(!stranger.allowed && stranger.reason).toContain('change the severity of INC-7. Stranger is not listed in oncall.yaml');
    expect(decideAccess(reopen, who('sam'), config(), paymentsIncident)).toMatchObject({ allowed: false, reason: expect.stringContaining('may re-open INC-7') });
  });

  it('lets anyone listed in oncall.yaml resolve an incident that has no team, but not strangers', () => {
    const declared = { number: 3 };
    expect(decideAccess(resolve, who('max'), config(), declared)).toEqual({ allowed: true, as: 'responder' });
    expect(decideAccess(resolve, who(undefined), config(), declared).allowed).toBe(false);
  });

  it('keeps a private incident without a team to the people in it: nobody else may change it or give themselves a role in it', () => {
    const outside = { number: 9, private: true, requesterIsIn: false };
    for (const command of [resolve, role]) {
      const refused = decideAccess(command, who('pia'), config(), outside);
      expect(refused.allowed ? '' : refused.reason).toMatch(/^INC-9 is private: only the people in it .* may (resolve|assign roles on) it\.$/);
      expect(decideAccess(command, who('pia'), config(), { ...outside, requesterIsIn: true })).toEqual({ allowed: true, as: 'responder' });
      expect(decideAccess(command, who('ada'), config(), outside)).toEqual({ allowed: true, as: 'admin' });
      expect(decideAccess(command, who('sam', 42), config(), { ...outside, commanderPersonId: 42 })).toEqual({ allowed: true, as: 'commander' });
    }
    // A private incident of a team stays its team's to run, as any other.
    expect(decideAccess(role, who('pia'), config(), { ...outside, team: 'payments' })).toEqual({ allowed: true, as: 'responder' });
  });

  it('lets a team`s members override its schedule, by team, schedule or service name; others need admin', () => {
    const override = (team: string): ParsedCommand => ({ kind: 'oncall.override', team, user: { platformId: 'U2' }, from: 'now', to: '+1h' });
    for (const name of ['payments', 'payments-weekly', 'checkout']) {
      expect(decideAccess(override(name), who('pia'), config()).allowed).toBe(true);
      expect(decideAccess(override(name), who('sam'), config()).allowed).toBe(false);
      expect(decideAccess(override(name), who('ada'), config()).allowed).toBe(true);
    }
    const refused = decideAccess(override('payments'), who('sam'), config());
    expect(!refused.allowed && refused.reason).toBe('Only members of Payments or an admin may override its on-call schedule. Sam is not a member of Payments in oncall.yaml.');
    expect(teamsOwning(config(), 'nothing')).toEqual([]);
  });

  it('keeps reports for managers and admins', () => {
    const report: ParsedCommand = { kind: 'incident.report', weeks: 4 };
    expect(decideAccess(report, who('max'), config())).toEqual({ allowed: true, as: 'manager' });
    expect(decideAccess(report, who('ada'), config())).toEqual({ allowed: true, as: 'admin' });
    const refused = decideAccess(report, who('pia'), config());
    expect(!refused.allowed && refused.reason).toBe('Reports are for managers and admins. Pia has neither role in oncall.yaml (people.pia.roles).');
  });

  it('checks nothing while oncall.yaml lists nobody (a fresh install)', () => {
    expect(decideAccess(resolve, who(undefined), emptyOncallConfig(), paymentsIncident)).toEqual({ allowed: true });
    expect(decideAccess({ kind: 'incident.report' }, who(undefined), emptyOncallConfig())).toEqual({ allowed: true });
  });
});

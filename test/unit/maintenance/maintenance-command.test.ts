import { describe, expect, it } from 'vitest';
import { parseMaintenanceCommand } from '../../../src/maintenance/maintenance-command.js';
import { holdingWindow, mayManageWindow, ownerTeamOf, type MaintenanceWindow } from '../../../src/maintenance/maintenance-window.js';
import { parseOncallYaml } from '../../../src/oncall/oncall-file.js';

const config = parseOncallYaml(
  [
    'people:',
    '  ana: { name: Ana, roles: [admin] }',
    '  ben: { name: Ben }',
    '  cy: { name: Cy }',
    'teams:',
    '  payments: { name: Payments, members: [ben], services: [checkout] }',
  ].join('\n'),
);
const now = new Date('2026-03-28T12:00:00Z');

describe('/incident maintenance, as typed', () => {
  it('reads what it holds, when, for how long and why; the start in the asker`s zone', () => {
    expect(parseMaintenanceCommand('start checkout for 2h database upgrade', config, 'UTC', now)).toEqual({
      action: 'start', matcher: { service: 'checkout' }, startsAt: now, endsAt: new Date('2026-03-28T14:00:00Z'), reason: 'database upgrade',
    });
    expect(parseMaintenanceCommand('start payments env=staging for 30m drill', config, 'UTC', now)).toMatchObject({ matcher: { team: 'payments', labels: { env: 'staging' } } });
    // Across the change to summer time in Berlin (02:00 becomes 03:00 on 29 March): three real hours.
    const overnight = parseMaintenanceCommand('start service=checkout at 2026-03-29 01:30 for 3h kernel patching', config, 'Europe/Berlin', now);
    expect(overnight).toMatchObject({ startsAt: new Date('2026-03-29T00:30:00Z'), endsAt: new Date('2026-03-29T03:30:00Z') });
    expect(parseMaintenanceCommand('list', config, 'UTC', now)).toEqual({ action: 'list' });
    expect(parseMaintenanceCommand('end #4', config, 'UTC', now)).toEqual({ action: 'end', id: 4 });
  });

  it('says what is wrong', () => {
    const error = (text: string) => (parseMaintenanceCommand(text, config, 'UTC', now) as { error: string }).error;
    expect(error('start for 2h upgrade')).toContain('Say what the window holds');
    expect(error('start checkout 2h upgrade')).toContain('Say how long');
    expect(error('start checkout for soon upgrade')).toContain('"soon" is not a duration');
    expect(error('start checkout for 9d upgrade')).toContain('at most 7 days');
    expect(error('start checkout for 2h')).toContain('Say why');
    expect(error('start team=ghosts for 2h x')).toContain('No team "ghosts"');
    expect(error('start checkout at 2026-03-01 10:00 for 1h x')).toContain('in the past');
    expect(error('end')).toContain('Say which window');
    expect(error('pause')).toContain('Usage:');
  });
});

describe('which window holds an alert, and who may open one', () => {
  const window = (id: number, startsAt: string, endsAt: string, matcher: MaintenanceWindow['matcher']): MaintenanceWindow => ({
    id, matcher, teamKey: null, startsAt: new Date(startsAt), endsAt: new Date(endsAt), endedAt: null, reason: 'r', createdByName: 'Ana', origin: 'chat',
  });
  it('holds by service, team and labels while running; of overlapping windows, the one ending last', () => {
    const windows = [window(1, '2026-03-29T00:30:00Z', '2026-03-29T03:30:00Z', { service: 'checkout' }), window(2, '2026-03-29T01:00:00Z', '2026-03-29T05:00:00Z', { labels: { env: 'prod' } })];
    const alert = { labels: { env: 'prod' }, service: 'checkout' };
    expect(holdingWindow(windows, alert, new Date('2026-03-29T00:45:00Z'))?.id).toBe(1);
    expect(holdingWindow(windows, alert, new Date('2026-03-29T02:00:00Z'))?.id).toBe(2);
    expect(holdingWindow(windows, { labels: {}, service: 'checkout' }, new Date('2026-03-29T03:30:00Z'))).toBeUndefined();
    expect(holdingWindow(windows, { labels: { env: 'dev' }, service: 'search' }, new Date('2026-03-29T02:00:00Z'))).toBeUndefined();
  });
  it('lets the owning team`s members and admins open one; a labels-only window is for admins', () => {
    expect(ownerTeamOf({ service: 'checkout' }, config)).toBe('payments');
    expect(mayManageWindow({ handle: 'ben', name: 'Ben' }, 'payments', config)).toEqual({ allowed: true });
    expect(mayManageWindow({ handle: 'ana', name: 'Ana' }, undefined, config)).toEqual({ allowed: true });
    expect(mayManageWindow({ handle: 'cy', name: 'Cy' }, 'payments', config)).toEqual({ allowed: false, reason: 'Only members of Payments or an admin may open or end its maintenance windows. Cy is not a member of Payments in oncall.yaml.' });
    expect(mayManageWindow({ handle: 'ben', name: 'Ben' }, undefined, config)).toMatchObject({ allowed: false, reason: expect.stringContaining('only admins') });
  });
});

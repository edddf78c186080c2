import { describe, expect, it } from 'vitest';
import { defaultRules, urgencyOf, type ContactVia } from '../../../src/paging/contact-methods.js';
import { describePlan, planNotifications, quietUntil, type PagedPerson } from '../../../src/paging/notification-plan.js';

const ALL: ReadonlySet<ContactVia> = new Set(['push', 'sms', 'voice', 'email', 'webhook']);
const bruno: PagedPerson = { name: 'Bruno', timeZone: 'Europe/Berlin', slackId: 'U0BRUNO', phone: '+4915112345678', ntfyTopic: 'bruno-pages', email: 'bruno@example.com' };
const plan = (person: PagedPerson, severity: number, at: string, verified = ALL) => planNotifications(person, urgencyOf(severity), new Date(at), verified);
const shown = (p: ReturnType<typeof planNotifications>) => p.notifications.map((n) => `${n.via}@${n.at.toISOString()}${n.heldFrom ? ' held' : ''}`);

describe('who is notified how, and when, for one page', () => {
  it('wakes a person who set nothing: chat at once, push after 1 minute, SMS after 2, a call after 5', () => {
    expect(shown(plan(bruno, 1, '2026-12-01T02:00:00Z'))).toEqual([
      'chat@2026-12-01T02:00:00.000Z',
      'push@2026-12-01T02:01:00.000Z',
      'sms@2026-12-01T02:02:00.000Z',
      'voice@2026-12-01T02:05:00.000Z',
    ]);
    // Low urgency never rings the phone: chat and email.
    expect(plan(bruno, 3, '2026-12-01T14:00:00Z').notifications.map((n) => n.via)).toEqual(['chat', 'email']);
  });

  it('builds the defaults from the addresses a person has, and still pages someone who has only email', () => {
    expect(defaultRules({ slackId: 'U1' }).high.map((s) => s.via)).toEqual(['chat']);
    expect(defaultRules({ email: 'a@example.com' }).high).toEqual([{ via: 'email', afterMs: 0 }]);
    expect(defaultRules({ discordId: '123456', phone: '+15555550100' }).high.map((s) => s.via)).toEqual(['chat', 'sms', 'voice']);
  });

  it('uses a method only once it is verified (chat needs none: the platform vouches for the account) and says why it skipped one', () => {
    const p = plan(bruno, 1, '2026-12-01T02:00:00Z', new Set(['push']));
    expect(p.notifications.map((n) => n.via)).toEqual(['chat', 'push']);
    expect(p.skipped).toEqual([
      { via: 'sms', why: 'not verified yet' },
      { via: 'voice', why: 'not verified yet' },
    ]);
  });

  it('holds low urgency inside quiet hours until they end, in the person`s zone, and never holds high urgency', () => {
    const quiet: PagedPerson = { ...bruno, quietHours: { from: '22:00', to: '07:00' } };
    // 23:30 in Berlin (UTC+1): held until 07:00 the next morning, 06:00 UTC.
    const low = plan(quiet, 4, '2026-12-01T22:30:00Z');
    expect(shown(low)).toEqual(['chat@2026-12-02T06:00:00.000Z held', 'email@2026-12-02T06:00:00.000Z held']);
    expect(low.notifications[0]!.heldFrom!.toISOString()).toBe('2026-12-01T22:30:00.000Z');
    // 05:00 in Berlin: still quiet, held until 07:00 the same day.
    expect(shown(plan(quiet, 4, '2026-12-02T04:00:00Z'))[0]).toBe('chat@2026-12-02T06:00:00.000Z held');
    // 07:00 exactly: quiet hours are over.
    expect(shown(plan(quiet, 4, '2026-12-02T06:00:00Z'))[0]).toBe('chat@2026-12-02T06:00:00.000Z');
    expect(shown(plan(quiet, 1, '2026-12-01T22:30:00Z'))).toEqual([
      'chat@2026-12-01T22:30:00.000Z',
      'push@2026-12-01T22:31:00.000Z',
      'sms@2026-12-01T22:32:00.000Z',
      'voice@2026-12-01T22:35:00.000Z',
    ]);
  });

  it('ends quiet hours at the wall-clock time across a DST change', () => {
    // Saturday 28 March 2026, 23:00 in Berlin (UTC+1); clocks go forward that night, so 07:00 on Sunday is 05:00 UTC.
    expect(quietUntil({ from: '22:00', to: '07:00' }, 'Europe/Berlin', new Date('2026-03-28T22:00:00Z'))!.toISOString()).toBe('2026-03-29T05:00:00.000Z');
    // New York falls back on 1 November 2026: 07:00 on Sunday is 12:00 UTC.
    expect(quietUntil({ from: '22:00', to: '07:00' }, 'America/New_York', new Date('2026-11-01T03:00:00Z'))!.toISOString()).toBe('2026-11-01T12:00:00.000Z');
  });

  it('reads quiet hours within one day too, and none when from equals to', () => {
    expect(quietUntil({ from: '12:00', to: '13:30' }, 'UTC', new Date('2026-12-01T12:45:00Z'))!.toISOString()).toBe('2026-12-01T13:30:00.000Z');
    expect(quietUntil({ from: '12:00', to: '13:30' }, 'UTC', new Date('2026-12-01T13:30:00Z'))).toBeUndefined();
    expect(quietUntil({ from: '07:00', to: '07:00' }, 'UTC', new Date('2026-12-01T07:00:00Z'))).toBeUndefined();
  });

  it('follows a person`s own rules for an urgency they wrote, and the defaults for one they left out', () => {
    const own: PagedPerson = { ...bruno, notify: { high: [{ via: 'sms', afterMs: 0 }, { via: 'voice', afterMs: 60_000 }] } };
    const high = plan(own, 2, '2026-12-01T02:00:00Z');
    expect(high.rules).toBe('own');
    expect(shown(high)).toEqual(['sms@2026-12-01T02:00:00.000Z', 'voice@2026-12-01T02:01:00.000Z']);
    const low = plan(own, 3, '2026-12-01T14:00:00Z');
    expect(low.rules).toBe('default');
    expect(low.notifications.map((n) => n.via)).toEqual(['chat', 'email']);
  });

  it('prints the plan in the person`s zone, with what quiet hours held and what was skipped', () => {
    const quiet: PagedPerson = { ...bruno, quietHours: { from: '22:00', to: '07:00' } };
    const start = new Date('2026-12-01T22:30:00Z');
    expect(describePlan(planNotifications(quiet, 'low', start, new Set()), start, 'Europe/Berlin')).toEqual([
      'chat    Wed 2 Dec 07:00  +7h 30m (held by quiet hours from Tue 1 Dec 23:30)',
      'email   skipped: not verified yet',
    ]);
  });
});

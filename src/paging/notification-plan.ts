import { DateTime } from 'luxon';
import { formatDuration } from '../time/duration.js';
import { wallTimeToInstant } from '../time/wall-clock.js';
import { defaultRules, hasAddressFor, type ContactAddresses, type ContactVia, type NotificationRules, type QuietHours, type Urgency } from './contact-methods.js';

/** A person as the planner needs them. */
export interface PagedPerson extends ContactAddresses {
  name: string;
  timeZone: string;
  /** The person's own rules per urgency; an urgency left out gets the defaults. */
  notify?: Partial<NotificationRules>;
  quietHours?: QuietHours;
}

export interface PlannedNotification {
  via: ContactVia;
  /** When it goes out. */
  at: Date;
  /** Set when quiet hours moved it: when the rules alone would have sent it. */
  heldFrom?: Date;
}

export interface NotificationPlan {
  urgency: Urgency;
  /** Whether the person wrote their rules or got the defaults. */
  rules: 'own' | 'default';
  notifications: PlannedNotification[];
  /** Steps that cannot go out, and why (no address, not verified). */
  skipped: { via: ContactVia; why: string }[];
}

/**
 * When each of a person's notifications for one page goes out, starting at `start`. High urgency
 * follows the rules to the minute, day or night; low urgency inside the person's quiet hours (in
 * their zone) is held until the quiet hours end. Chat needs no verification (the platform vouches
 * for the account); every other method is used only once the person verified it.
 */
export function planNotifications(person: PagedPerson, urgency: Urgency, start: Date, verified: ReadonlySet<ContactVia>): NotificationPlan {
  const own = person.notify?.[urgency];
  const steps = own ?? defaultRules(person)[urgency];
  const notifications: PlannedNotification[] = [];
  const skipped: NotificationPlan['skipped'] = [];
  for (const step of steps) {
    if (!hasAddressFor(person, step.via)) {
      skipped.push({ via: step.via, why: 'no address for it in oncall.yaml' });
      continue;
    }
    if (step.via !== 'chat' && !verified.has(step.via)) {
      skipped.push({ via: step.via, why: 'not verified yet' });
      continue;
    }
    const due = new Date(start.getTime() + step.afterMs);
    const until = urgency === 'low' && person.quietHours ? quietUntil(person.quietHours, person.timeZone, due) : undefined;
    notifications.push(until ? { via: step.via, at: until, heldFrom: due } : { via: step.via, at: due });
  }
  notifications.sort((a, b) => a.at.getTime() - b.at.getTime());
  return { urgency, rules: own ? 'own' : 'default', notifications, skipped };
}

/** If `at` falls inside the quiet hours (in `zone`), the instant they end; else undefined. */
export function quietUntil(quiet: QuietHours, zone: string, at: Date): Date | undefined {
  const local = DateTime.fromJSDate(at, { zone });
  const minutes = local.hour * 60 + local.minute;
  const [from, to] = [minutesOf(quiet.from), minutesOf(quiet.to)];
  if (from === to) return undefined;
  const spansMidnight = from > to;
  const inside = spansMidnight ? minutes >= from || minutes < to : minutes >= from && minutes < to;
  if (!inside) return undefined;
  // Quiet hours that began this evening end tomorrow morning; otherwise they end today.
  const endDay = spansMidnight && minutes >= from ? local.plus({ days: 1 }) : local;
  return wallTimeToInstant({ year: endDay.year, month: endDay.month, day: endDay.day, hour: Math.floor(to / 60), minute: to % 60 }, zone).toJSDate();
}

function minutesOf(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours! * 60 + minutes!;
}

/** The plan as people read it, in the person's zone: "+0s chat at Tue 03:00", "held from ...". */
export function describePlan(plan: NotificationPlan, start: Date, timeZone: string): string[] {
  const when = (date: Date) => DateTime.fromJSDate(date, { zone: timeZone }).toFormat('ccc d MMM HH:mm');
  const lines = plan.notifications.map((n) => {
    const offset = formatDuration(n.at.getTime() - start.getTime());
    const held = n.heldFrom ? ` (held by quiet hours from ${when(n.heldFrom)})` : '';
    return `${n.via.padEnd(7)} ${when(n.at)}  +${offset}${held}`;
  });
  for (const s of plan.skipped) lines.push(`${s.via.padEnd(7)} skipped: ${s.why}`);
  return lines;
}

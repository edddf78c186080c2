import { hasChatIdentity } from '../chat/chat-identity.js';

/** The ways a page can reach a person, in the words oncall.yaml uses. */
export const CONTACT_VIAS = ['chat', 'push', 'sms', 'voice', 'email', 'webhook'] as const;
export type ContactVia = (typeof CONTACT_VIAS)[number];

/** How urgent a page is: high pages wake people, low ones wait for the morning. */
export type Urgency = 'high' | 'low';

/** One step of a person's rules: notify by `via`, `afterMs` after the page starts. */
export interface NotifyStep {
  via: ContactVia;
  afterMs: number;
}

export interface NotificationRules {
  high: NotifyStep[];
  low: NotifyStep[];
}

/** Wall-clock times in the person's zone; `from` after `to` spans midnight (22:00 to 07:00). */
export interface QuietHours {
  from: string;
  to: string;
}

/** Where a person can be reached, as oncall.yaml says. */
export interface ContactAddresses {
  slackId?: string;
  discordId?: string;
  mattermostId?: string;
  teamsId?: string;
  email?: string;
  /** E.164, such as +4915112345678. */
  phone?: string;
  ntfyTopic?: string;
  webhookUrl?: string;
}

/** sev1 and sev2 are high urgency; sev3 and sev4 low. */
export function urgencyOf(severity: number): Urgency {
  return severity <= 2 ? 'high' : 'low';
}

/** Whether the person has an address for `via` (chat: an id on Slack or Discord). */
export function hasAddressFor(person: ContactAddresses, via: ContactVia): boolean {
  switch (via) {
    case 'chat':
      return hasChatIdentity(person);
    case 'push':
      return Boolean(person.ntfyTopic);
    case 'sms':
    case 'voice':
      return Boolean(person.phone);
    case 'email':
      return Boolean(person.email);
    case 'webhook':
      return Boolean(person.webhookUrl);
  }
}

/** What oncall.yaml must give a person for `via`, said as the field to add. */
export function addressFieldFor(via: ContactVia): string {
  return { chat: 'slack or discord', push: 'ntfy_topic', sms: 'phone', voice: 'phone', email: 'email', webhook: 'webhook' }[via];
}

const MINUTE = 60_000;

/**
 * The rules of a person who wrote none, from the addresses they have: high urgency goes chat at
 * once, then push after 1 minute, SMS after 2, a voice call after 5 (as the on-call tools people
 * compare us with do); low urgency goes to chat and email, never to the phone.
 */
export function defaultRules(person: ContactAddresses): NotificationRules {
  const high: NotifyStep[] = [
    { via: 'chat', afterMs: 0 },
    { via: 'push', afterMs: MINUTE },
    { via: 'sms', afterMs: 2 * MINUTE },
    { via: 'voice', afterMs: 5 * MINUTE },
  ];
  const low: NotifyStep[] = [
    { via: 'chat', afterMs: 0 },
    { via: 'email', afterMs: 0 },
  ];
  const reachable = (step: NotifyStep) => hasAddressFor(person, step.via);
  const rules = { high: high.filter(reachable), low: low.filter(reachable) };
  // Someone reachable only by email still gets their high-urgency pages.
  if (rules.high.length === 0 && person.email) rules.high.push({ via: 'email', afterMs: 0 });
  return rules;
}

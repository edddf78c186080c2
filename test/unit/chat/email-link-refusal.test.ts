import { describe, expect, it } from 'vitest';
import { emailLinkRefusal } from '../../../src/chat/people-directory.js';

const unlinked = { name: 'Carol Chen', slackId: null, discordId: null };

describe('emailLinkRefusal', () => {
  it('links a person with no id on the platform when the platform says the email is confirmed', () => {
    expect(emailLinkRefusal('slack', { userId: 'U0CAROL001', name: 'Carol', email: 'carol@example.com', emailConfirmed: true }, unlinked)).toBeUndefined();
  });

  it('never replaces an id the person has, confirmed or not', () => {
    const refusal = emailLinkRefusal('slack', { userId: 'U0MALLORY1', name: 'Mallory', email: 'alice@example.com', emailConfirmed: true }, { ...unlinked, name: 'Alice', slackId: 'U0ALICE001' });
    expect(refusal).toBe('Alice already has the Slack account U0ALICE001; an email match never replaces it');
  });

  it('refuses an email the platform does not call confirmed, and Discord, which cannot say', () => {
    expect(emailLinkRefusal('slack', { userId: 'U0DAVE0001', name: 'Dave', email: 'dave@example.com', emailConfirmed: false }, unlinked)).toContain('does not say this account confirmed');
    expect(emailLinkRefusal('discord', { userId: '100000000000000009', name: 'Carol', email: 'carol@example.com' }, unlinked)).toContain('Discord does not say');
  });
});

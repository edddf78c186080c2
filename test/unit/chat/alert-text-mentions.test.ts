import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderDiscordMessage } from '../../../src/chat/discord/embed.js';
import { channelTopic, incidentAnnouncement, incidentCard } from '../../../src/chat/incident-card.js';
import type { IncidentFacts } from '../../../src/chat/incident-facts.js';
import type { NeutralMessage } from '../../../src/chat/neutral-message.js';
import { renderSlackMessage } from '../../../src/chat/slack/block-kit.js';
import { slackPlainText } from '../../../src/chat/slack/slack-mrkdwn.js';
import { allowedMentionsProblems, pingsOf } from '../../support/fake-discord/discord-mentions.js';
import { slackNotifications, slackTextNotifications } from '../../support/fake-slack/slack-mentions.js';
import { HOSTILE_MENTIONS, neutralMessage } from './neutral-message-arbitrary.js';

const RENDERED_AT = new Date('2026-12-04T03:15:00Z');

const HOSTILE = HOSTILE_MENTIONS.join(' ');
const alice = { id: 1, name: 'Alice', slackId: 'U0ALICE001', discordId: '1100000000000000011', mattermostId: null, teamsId: null };

/** An incident whose every alert-made word tries to ping someone. */
const facts = (overrides: Partial<IncidentFacts> = {}): IncidentFacts => ({
  id: 7,
  title: `Disk full ${HOSTILE}`,
  severity: 1,
  status: 'triggered',
  private: false,
  team: 'Storage',
  service: '<!channel>',
  source: 'alertmanager',
  openedAt: new Date('2026-11-24T03:00:00Z'),
  acknowledgedAt: null,
  mitigatedAt: null,
  resolvedAt: null,
  summary: `fixed by ${HOSTILE}`,
  roles: [{ role: 'commander', person: alice }],
  paged: [],
  declaredBy: null,
  firstAlert: { title: 'DiskFull', description: `Disk is full. ${HOSTILE}`, links: { '<!here>': 'https://grafana.example.com/d/1' } },
  alertCount: 1,
  firingCount: 1,
  flapping: [{ title: `Disk flapping ${HOSTILE}`, fires: 3 }],
  playbook: null,
  ...overrides,
});

const nobody = { users: [], broadcasts: [], userGroups: [] };
const isKnownUser = () => true;

describe('alert text on Slack', () => {
  it('notifies nobody from alert text; the commander the card names stays a live mention', () => {
    const card = renderSlackMessage(incidentCard(facts(), 'slack', { now: RENDERED_AT }));
    expect(slackNotifications(card)).toEqual({ users: ['U0ALICE001'], broadcasts: [], userGroups: [] });
    // Still there for people to read, as text.
    expect(JSON.stringify(card.blocks)).toContain('&lt;!channel&gt;');
    expect(card.text).toContain('&lt;!subteam^S0ONCALL|@oncall&gt;');
    expect(slackNotifications(renderSlackMessage(incidentAnnouncement(facts(), 'C0INC00001', 'slack')))).toEqual(nobody);
  });

  it('escapes the topic and keeps it within Slack`s 250 characters', () => {
    const topic = slackPlainText(channelTopic(facts({ title: '<!channel> '.repeat(40) })), 250);
    expect(topic.length).toBeLessThanOrEqual(250);
    expect(slackTextNotifications(topic)).toEqual(nobody);
    expect(topic).toContain('&lt;!channel&gt;');
  });

  it('keeps live only the mentions a message lists, whatever else its text holds', () => {
    fc.assert(
      fc.property(neutralMessage, (message) => {
        const found = slackNotifications(renderSlackMessage(message));
        expect(found.broadcasts).toEqual([]);
        expect(found.userGroups).toEqual([]);
        for (const user of found.users) expect(message.mentions ?? []).toContain(user);
      }),
      { numRuns: 150 },
    );
  });
});

describe('alert text on Discord', () => {
  const discordCard = () => renderDiscordMessage(incidentCard(facts(), 'discord', { now: RENDERED_AT }));

  it('sends allowed_mentions naming only the people the bot meant, so @everyone and roles stay inert', () => {
    const rendered = discordCard();
    expect(rendered.allowed_mentions).toEqual({ parse: [], users: ['1100000000000000011'] });
    expect(allowedMentionsProblems(rendered.allowed_mentions)).toEqual([]);
    expect(pingsOf(rendered.content, rendered.allowed_mentions, isKnownUser)).toEqual({ users: [], roles: [], everyone: false });
    // Without allowed_mentions Discord would still ping nobody: the text no longer reads as a mention.
    expect(pingsOf(rendered.content, undefined, isKnownUser)).toEqual({ users: [], roles: [], everyone: false });
    expect(JSON.stringify(rendered)).not.toMatch(/@everyone|<@&\d|<@!?1100000000000000012>/);
  });

  it('pings a person the message means to, in its content', () => {
    const message: NeutralMessage = { summary: '<@1100000000000000011> you are paged <@1100000000000000012> @everyone', sections: [], mentions: ['1100000000000000011'] };
    const rendered = renderDiscordMessage(message);
    expect(pingsOf(rendered.content, rendered.allowed_mentions, isKnownUser)).toEqual({ users: ['1100000000000000011'], roles: [], everyone: false });
  });

  it('never lets any message ping more than it lists', () => {
    fc.assert(
      fc.property(neutralMessage, (message) => {
        const rendered = renderDiscordMessage(message);
        expect(allowedMentionsProblems(rendered.allowed_mentions)).toEqual([]);
        const pings = pingsOf(rendered.content, rendered.allowed_mentions, isKnownUser);
        expect(pings.everyone).toBe(false);
        expect(pings.roles).toEqual([]);
        for (const user of pings.users) expect(message.mentions ?? []).toContain(user);
      }),
      { numRuns: 150 },
    );
  });
});

describe('the "full text" link of a cut message', () => {
  // Found by the property above: a fullTextUrl of "@0" made Slack's link <@0|full text>, a mention.
  const long: NeutralMessage = { summary: '', sections: [{ fields: [{ label: '', value: `${' '.repeat(2999)}!` }] }], fullTextUrl: '@0' };

  it('is made only of an http(s) address, so no other value can become a mention', () => {
    const slack = renderSlackMessage(long);
    expect(slackNotifications(slack)).toEqual(nobody);
    expect(JSON.stringify(slack.blocks)).toContain('(truncated)');
    const discord = renderDiscordMessage({ ...long, fullTextUrl: '<@1100000000000000012>' });
    expect(pingsOf(JSON.stringify(discord.embeds), undefined, isKnownUser).users).toEqual([]);
  });

  it('links a web address', () => {
    const slack = renderSlackMessage({ ...long, fullTextUrl: 'https://bot.example.com/incidents/7' });
    expect(JSON.stringify(slack.blocks)).toContain('<https://bot.example.com/incidents/7|full text>');
  });
});

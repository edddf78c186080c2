import { describe, expect, it } from 'vitest';
import { mention, type NeutralMessage } from '../../../../src/chat/neutral-message.js';
import { renderAdaptiveCard, TEAMS_MAX_CARD_BYTES } from '../../../../src/chat/teams/adaptive-card.js';
import { commandTextOf } from '../../../../src/chat/teams/teams-activity.js';
import { plainTeamsText, toTeamsMarkdown } from '../../../../src/chat/teams/teams-markdown.js';

const ALICE = '1f0e2d3c-4b5a-4697-8877-665544332211';
const MALLORY = '99999999-8888-4777-8666-555544443333';

const card: NeutralMessage = {
  summary: 'INC-7 SEV2 triggered: Checkout errors',
  title: 'INC-7: Checkout errors',
  titleUrl: 'https://grafana.example/d/x',
  color: 'red',
  sections: [{ text: 'Error rate **5%** on [checkout](https://grafana.example/d/x)' }, { fields: [{ label: 'Severity', value: 'SEV2' }] }],
  buttons: [
    { action: 'incident.ack', label: 'Acknowledge', value: '7', style: 'primary' },
    { action: 'incident.resolve', label: 'Resolve', value: '7', style: 'danger' },
  ],
  footer: 'Opened 09:00 UTC',
};

describe('Adaptive Card rendering', () => {
  it('renders title, colour, sections, facts, footer and Action.Execute buttons', () => {
    const { card: rendered, summary } = renderAdaptiveCard(card);
    expect(rendered).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const container = rendered.body[0] as { style: string; items: Record<string, unknown>[] };
    expect(container.style).toBe('attention');
    expect(container.items[0]).toMatchObject({ type: 'TextBlock', text: '[INC-7: Checkout errors](https://grafana.example/d/x)', weight: 'Bolder', color: 'attention' });
    expect(container.items[1]).toMatchObject({ type: 'TextBlock', text: 'Error rate **5%** on [checkout](https://grafana.example/d/x)' });
    expect(container.items[2]).toEqual({ type: 'FactSet', facts: [{ title: 'Severity', value: 'SEV2' }] });
    expect(container.items[3]).toMatchObject({ text: 'Opened 09:00 UTC', size: 'Small', isSubtle: true });
    expect(rendered.actions).toEqual([
      { type: 'Action.Execute', title: 'Acknowledge', verb: 'incident.ack', data: { value: '7' }, style: 'positive' },
      { type: 'Action.Execute', title: 'Resolve', verb: 'incident.resolve', data: { value: '7' }, style: 'destructive' },
    ]);
    expect(summary).toBe('INC-7 SEV2 triggered: Checkout errors');
  });

  it('mentions only the ids the message lists, as <at> tags with entities', () => {
    const message: NeutralMessage = { summary: 'x', sections: [{ text: `Paging ${mention(ALICE)} and ${mention(MALLORY)}` }], mentions: [ALICE] };
    const { card: rendered } = renderAdaptiveCard(message, new Map([[ALICE, 'Alice Archer'], [MALLORY, 'Mallory']]));
    const text = JSON.stringify(rendered.body);
    expect(text).toContain('<at>Alice Archer</at>');
    expect(text).not.toContain('<at>Mallory</at>');
    expect(text).toContain(`<@\u200b${MALLORY}>`);
    expect(rendered.msteams.entities).toEqual([{ type: 'mention', text: '<at>Alice Archer</at>', mentioned: { id: ALICE, name: 'Alice Archer' } }]);
  });

  it('breaks every <at> tag in outside text, so it can neither mention nor borrow a live mention`s entity', () => {
    const hostile = 'ping <at>Alice Archer</at> and <AT>x</AT> <!channel> <@U123>';
    const message: NeutralMessage = { summary: hostile, title: hostile, sections: [{ text: hostile, fields: [{ label: hostile, value: hostile }] }], footer: hostile, mentions: [ALICE] };
    const rendered = renderAdaptiveCard({ ...message, sections: [...message.sections, { text: mention(ALICE) }] }, new Map([[ALICE, 'Alice Archer']]));
    const all = JSON.stringify(rendered.card.body);
    // Exactly one live tag: the one the bot wrote.
    expect(all.match(/<at>/gi)).toHaveLength(1);
    expect(rendered.summary).not.toMatch(/<at>/i);
    expect(plainTeamsText('<at>Bob</at>')).toBe('<\u200bat>Bob</\u200bat>');
    expect(toTeamsMarkdown('<at >Bob</at >', new Map())).not.toMatch(/<at/i);
  });

  it('a name with markup cannot close its own tag early', () => {
    const rendered = renderAdaptiveCard({ summary: 'x', sections: [{ text: mention(ALICE) }], mentions: [ALICE] }, new Map([[ALICE, 'Eve</at><at>Boss']]));
    expect(rendered.card.msteams.entities![0]!.text).toBe('<at>Eve/atatBoss</at>');
  });

  it('keeps a huge message under the size Teams accepts, linking the full text', () => {
    const long = `${'word '.repeat(20_000)}`;
    const message: NeutralMessage = { summary: 'big', title: 'Big', sections: Array.from({ length: 8 }, () => ({ text: long, fields: Array.from({ length: 60 }, (_, i) => ({ label: `f${i}`, value: long })) })), fullTextUrl: 'https://bot.example/incidents/7' };
    const rendered = renderAdaptiveCard(message);
    expect(Buffer.byteLength(JSON.stringify(rendered.card))).toBeLessThanOrEqual(TEAMS_MAX_CARD_BYTES);
    expect(JSON.stringify(rendered.card)).toContain('https://bot.example/incidents/7');
    expect(JSON.stringify(rendered.card)).toContain('truncated');
  });

  it('shows code blocks in a monospace block and drops links that are not web links', () => {
    const rendered = renderAdaptiveCard({ summary: 's', title: 't', titleUrl: 'javascript:alert(1)', sections: [{ text: 'before\n```\nline 1\n```\nafter' }] });
    const items = (rendered.card.body[0] as { items: Record<string, unknown>[] }).items;
    expect(items[0]!.text).toBe('t');
    expect(items.find((item) => item.fontType === 'Monospace')?.text).toBe('line 1\n');
  });
});

describe('typed Teams commands', () => {
  const bot = '28:bot';
  it('strips the bot`s mention in a channel and a leading slash in a chat', () => {
    expect(commandTextOf({ type: 'message', text: '<at>Incident Bot</at> incident ack', recipient: { id: bot }, entities: [{ type: 'mention', text: '<at>Incident Bot</at>', mentioned: { id: bot } }] })).toEqual({ command: 'incident', text: 'ack' });
    expect(commandTextOf({ type: 'message', text: '/oncall who', recipient: { id: bot } })).toEqual({ command: 'oncall', text: 'who' });
    expect(commandTextOf({ type: 'message', text: '<p>incident&nbsp;note a &amp; b</p>', recipient: { id: bot } })).toEqual({ command: 'incident', text: 'note a & b' });
    expect(commandTextOf({ type: 'message', text: 'hello there', recipient: { id: bot } })).toEqual({ command: undefined, text: 'hello there' });
  });

  it('turns a real mention of a person into <@objectid|Name>, and leaves typed "<@id>" as text', () => {
    const activity = {
      type: 'message',
      text: '<at>Incident Bot</at> incident role commander <at>Alice Archer</at> &lt;@evil&gt;',
      recipient: { id: bot },
      entities: [
        { type: 'mention', text: '<at>Incident Bot</at>', mentioned: { id: bot } },
        { type: 'mention', text: '<at>Alice Archer</at>', mentioned: { id: '29:alice' } },
      ],
    };
    expect(commandTextOf(activity, new Map([['<at>Alice Archer</at>', `<@${ALICE}|Alice Archer>`]]))).toEqual({ command: 'incident', text: `role commander <@${ALICE}|Alice Archer> <\u200b@evil>` });
  });
});

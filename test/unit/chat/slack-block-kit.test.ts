import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCustomId, parseButtonAction } from '../../../src/chat/commands/button-actions.js';
import { renderSlackMessage, SLACK_LIMITS } from '../../../src/chat/slack/block-kit.js';
import { toSlackMrkdwn, truncateMrkdwn } from '../../../src/chat/slack/slack-mrkdwn.js';
import { duplicateButtons, neutralMessage } from './neutral-message-arbitrary.js';

type AnyBlock = { type: string; text?: { type: string; text: string }; fields?: Array<{ text: string }>; elements?: Array<Record<string, unknown>> };

function assertWithinSlackLimits(rendered: ReturnType<typeof renderSlackMessage>): void {
  expect(rendered.text.length).toBeGreaterThan(0);
  expect(rendered.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
  expect(rendered.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  for (const block of rendered.blocks as AnyBlock[]) {
    if (block.type === 'header') {
      expect(block.text!.text.length).toBeGreaterThan(0);
      expect(block.text!.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    }
    if (block.type === 'section') {
      expect(block.text || block.fields).toBeTruthy();
      if (block.text) {
        expect(block.text.text.trim().length).toBeGreaterThan(0);
        expect(block.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      }
      expect((block.fields ?? []).length).toBeLessThanOrEqual(SLACK_LIMITS.fieldsPerSection);
      for (const field of block.fields ?? []) {
        expect(field.text.length).toBeGreaterThan(0);
        expect(field.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
      }
    }
    if (block.type === 'context') {
      for (const element of block.elements ?? []) expect(String(element.text).length).toBeLessThanOrEqual(SLACK_LIMITS.contextText);
    }
    if (block.type === 'actions') {
      const elements = block.elements ?? [];
      expect(elements.length).toBeGreaterThan(0);
      expect(elements.length).toBeLessThanOrEqual(SLACK_LIMITS.elementsPerActions);
      const ids = elements.map((element) => element.action_id as string);
      expect(new Set(ids).size).toBe(ids.length);
      for (const element of elements) {
        const label = (element.text as { text: string }).text;
        expect(label.length).toBeGreaterThan(0);
        expect(label.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
        expect((element.action_id as string).length).toBeLessThanOrEqual(SLACK_LIMITS.actionId);
        if (element.value !== undefined) expect(String(element.value).length).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
      }
    }
  }
}

describe('Slack mrkdwn', () => {
  it('converts neutral Markdown', () => {
    expect(toSlackMrkdwn('**Checkout** is _down_')).toBe('*Checkout* is _down_');
    expect(toSlackMrkdwn('see [the graph](https://g.example.com/d?a=1&b=2)')).toBe('see <https://g.example.com/d?a=1&b=2|the graph>');
    expect(toSlackMrkdwn('p99 > 2s & errors < 1%')).toBe('p99 &gt; 2s &amp; errors &lt; 1%');
    expect(toSlackMrkdwn('run `a && b > c`')).toBe('run `a &amp;&amp; b &gt; c`');
    expect(toSlackMrkdwn('```\nif (a < b) {}\n```')).toBe('```\nif (a &lt; b) {}\n```');
    expect(toSlackMrkdwn('- one\n- two **x**')).toBe('• one\n• two *x*');
    expect(toSlackMrkdwn('```\n- not a bullet\n```')).toBe('```\n- not a bullet\n```');
    expect(toSlackMrkdwn('ping <@U123> and <@U9|ann>, <!here>', new Set(['U123', 'U9']))).toBe('ping <@U123> and <@U9|ann>, &lt;!here&gt;');
    expect(toSlackMrkdwn('ping <@U123> and <#C1>')).toBe('ping &lt;@U123&gt; and &lt;#C1&gt;');
    expect(toSlackMrkdwn('[a <b> | c](https://x.example.com/p|q)')).toBe('<https://x.example.com/p%7Cq|a &lt;b&gt; ¦ c>');
  });

  it('truncates at a safe boundary and says so, linking the full text', () => {
    const long = `${'word '.repeat(900)}<https://x.example.com|link> tail`;
    const cut = truncateMrkdwn(long, 3_000, 'https://bot.example.com/i/1');
    expect(cut.length).toBeLessThanOrEqual(3_000);
    expect(cut.endsWith('… (truncated, <https://bot.example.com/i/1|full text>)')).toBe(true);
    expect(cut).not.toMatch(/wor… /);
    const entity = truncateMrkdwn(`${'a'.repeat(2_980)}&amp;&amp;&amp;&amp;&amp;&amp;&amp;`, 3_000);
    expect(entity).not.toMatch(/&am?…|&a…/);
    const fence = truncateMrkdwn(`\`\`\`\n${'line\n'.repeat(1_000)}\`\`\``, 3_000);
    expect(fence.match(/```/g)!.length % 2).toBe(0);
    expect(fence.endsWith('… (truncated)')).toBe(true);
  });
});

describe('renderSlackMessage', () => {
  it('renders a card: header with colour emoji, sections, fields, buttons, footer', () => {
    const rendered = renderSlackMessage({
      summary: 'INC-42 opened: Checkout down',
      title: 'INC-42 Checkout down',
      color: 'red',
      sections: [{ text: '**Impact**: payments fail', fields: [{ label: 'Severity', value: 'SEV1' }] }],
      buttons: [
        { action: 'incident.ack', label: 'Acknowledge', value: '42', style: 'primary' },
        { action: 'incident.resolve', label: 'Resolve', value: '42', style: 'danger' },
      ],
      footer: 'Opened 09:00 UTC',
    });
    expect(rendered).toEqual({
      text: 'INC-42 opened: Checkout down',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔴 INC-42 Checkout down', emoji: true } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Impact*: payments fail' }, fields: [{ type: 'mrkdwn', text: '*Severity*\nSEV1' }] },
        {
          type: 'actions',
          elements: [
            { type: 'button', text: { type: 'plain_text', text: 'Acknowledge', emoji: true }, action_id: 'incident.ack', value: '42', style: 'primary' },
            { type: 'button', text: { type: 'plain_text', text: 'Resolve', emoji: true }, action_id: 'incident.resolve', value: '42', style: 'danger' },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Opened 09:00 UTC' }] },
      ],
    });
  });

  it('links the title through a section, since headers cannot link', () => {
    const rendered = renderSlackMessage({ summary: 's', title: 'Alert', titleUrl: 'https://g.example.com/a', color: 'green', sections: [] });
    expect(rendered.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '🟢 *<https://g.example.com/a|Alert>*' } });
  });

  it('makes repeated action ids unique, and the suffix decodes back', () => {
    const rendered = renderSlackMessage(duplicateButtons);
    assertWithinSlackLimits(rendered);
    const ids = (rendered.blocks as AnyBlock[]).flatMap((block) => (block.elements ?? []).map((element) => element.action_id as string));
    expect(ids.slice(0, 3)).toEqual(['incident.ack', 'incident.ack~1', 'incident.ack~2']);
    expect(new Set(ids).size).toBe(30);
    expect(parseButtonAction({ action: ids[29]!, value: '42' })).toEqual({ kind: 'incident.ack', incidentNumber: 42 });
    expect(decodeCustomId('x').value).toBe('');
  });

  it('moves fields beyond ten into further sections and collapses surplus blocks', () => {
    const rendered = renderSlackMessage({
      summary: 's',
      sections: Array.from({ length: 80 }, (_, index) => ({ text: `section ${index}` })),
      fullTextUrl: 'https://bot.example.com/i/1',
    });
    expect(rendered.blocks).toHaveLength(50);
    expect((rendered.blocks[49] as AnyBlock).text!.text).toBe('_… 31 more blocks not shown (<https://bot.example.com/i/1|full text>)_');
    const fields = renderSlackMessage({ summary: 's', sections: [{ fields: Array.from({ length: 23 }, (_, i) => ({ label: `l${i}`, value: 'v' })) }] });
    expect((fields.blocks as AnyBlock[]).map((block) => block.fields?.length)).toEqual([10, 10, 3]);
  });

  it('renders any neutral message within every Block Kit limit', () => {
    fc.assert(
      fc.property(neutralMessage, (message) => {
        assertWithinSlackLimits(renderSlackMessage(message));
      }),
      { numRuns: 150 },
    );
  });
});

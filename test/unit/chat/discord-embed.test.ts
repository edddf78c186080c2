import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCustomId, parseButtonAction } from '../../../src/chat/commands/button-actions.js';
import { DISCORD_LIMITS, renderDiscordMessage, type DiscordMessage } from '../../../src/chat/discord/embed.js';
import { truncateDiscordMarkdown } from '../../../src/chat/discord/discord-markdown.js';
import { duplicateButtons, neutralMessage } from './neutral-message-arbitrary.js';

function assertWithinDiscordLimits(rendered: DiscordMessage): void {
  expect(rendered.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  const [embed] = rendered.embeds;
  expect(embed.title || embed.description || embed.fields?.length).toBeTruthy();
  expect(embed.title?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.title);
  expect(embed.description?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.description);
  expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.fields);
  for (const field of embed.fields ?? []) {
    expect(field.name.trim().length + field.value.trim().length).toBeGreaterThan(0);
    expect(field.name.length).toBeGreaterThan(0);
    expect(field.value.length).toBeGreaterThan(0);
    expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
    expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
  }
  expect(embed.footer?.text.length ?? 0).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
  if (embed.url) expect(embed.url).toMatch(/^https?:\/\//);
  const total =
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0) +
    (embed.footer?.text.length ?? 0);
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
  expect(rendered.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.rows);
  const ids = rendered.components.flatMap((row) => row.components.map((button) => button.custom_id));
  expect(new Set(ids).size).toBe(ids.length);
  for (const row of rendered.components) {
    expect(row.components.length).toBeGreaterThan(0);
    expect(row.components.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonsPerRow);
    for (const button of row.components) {
      expect(button.label!.length).toBeGreaterThan(0);
      expect(button.label!.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonLabel);
      expect(button.custom_id.length).toBeLessThanOrEqual(DISCORD_LIMITS.customId);
      expect([1, 2, 4]).toContain(button.style);
    }
  }
}

describe('renderDiscordMessage', () => {
  it('renders a card as content, one embed and a button row', () => {
    const rendered = renderDiscordMessage({
      summary: 'INC-42 opened: Checkout down <@123>',
      title: 'INC-42 Checkout down',
      titleUrl: 'https://g.example.com/a',
      color: 'red',
      sections: [{ text: '**Impact**: payments fail, see [graph](https://g.example.com/d)', fields: [{ label: 'Severity', value: 'SEV1' }] }],
      buttons: [
        { action: 'incident.ack', label: 'Acknowledge', value: '42', style: 'primary' },
        { action: 'incident.resolve', label: 'Resolve', value: '42', style: 'danger' },
        { action: 'step.next', label: 'Next step', value: '42' },
      ],
      footer: 'Opened 09:00 UTC',
      mentions: ['123'],
    });
    expect(rendered).toEqual({
      content: 'INC-42 opened: Checkout down <@123>',
      allowed_mentions: { parse: [], users: ['123'] },
      embeds: [
        {
          title: 'INC-42 Checkout down',
          url: 'https://g.example.com/a',
          description: '**Impact**: payments fail, see [graph](https://g.example.com/d)',
          color: 0xe74c3c,
          fields: [{ name: 'Severity', value: 'SEV1', inline: true }],
          footer: { text: 'Opened 09:00 UTC' },
        },
      ],
      components: [
        {
          type: 1,
          components: [
            { type: 2, style: 1, label: 'Acknowledge', custom_id: 'incident.ack:42' },
            { type: 2, style: 4, label: 'Resolve', custom_id: 'incident.resolve:42' },
            { type: 2, style: 2, label: 'Next step', custom_id: 'step.next:42' },
          ],
        },
      ],
    });
    const clicked = decodeCustomId(rendered.components[0]!.components[0]!.custom_id);
    expect(parseButtonAction(clicked)).toEqual({ kind: 'incident.ack', incidentNumber: 42 });
  });

  it('makes duplicate custom ids unique and keeps at most 25 buttons', () => {
    const rendered = renderDiscordMessage(duplicateButtons);
    assertWithinDiscordLimits(rendered);
    const ids = rendered.components.flatMap((row) => row.components.map((button) => button.custom_id));
    expect(ids).toHaveLength(25);
    expect(ids.slice(0, 2)).toEqual(['incident.ack:42', 'incident.ack~1:42']);
    expect(parseButtonAction(decodeCustomId(ids[24]!))).toEqual({ kind: 'incident.ack', incidentNumber: 42 });
  });

  it('leaves out a button whose id cannot fit, rather than cut it', () => {
    const rendered = renderDiscordMessage({ summary: 's', sections: [], buttons: [{ action: 'step.choose', label: 'x', value: `1:${'s'.repeat(100)}:c` }] });
    expect(rendered.components).toEqual([]);
    expect(rendered.embeds[0].description).toBe('s');
  });

  it('drops trailing fields and notes it when there are too many', () => {
    const rendered = renderDiscordMessage({ summary: 's', sections: [{ fields: Array.from({ length: 30 }, (_, i) => ({ label: `f${i}`, value: 'v' })) }] });
    const fields = rendered.embeds[0].fields!;
    expect(fields).toHaveLength(25);
    expect(fields[24]).toEqual({ name: '…', value: '6 more fields not shown' });
  });

  it('truncates Markdown without cutting links and closes code blocks', () => {
    const link = truncateDiscordMarkdown(`${'a'.repeat(1_000)} [graph](https://g.example.com/${'p'.repeat(60)})`, 1_024);
    expect(link).toBe(`${'a'.repeat(1_000)}… (truncated)`);
    const fence = truncateDiscordMarkdown(`\`\`\`\n${'line\n'.repeat(1_000)}\`\`\``, 1_024, 'https://bot.example.com/i/1');
    expect(fence.length).toBeLessThanOrEqual(1_024);
    expect(fence.match(/```/g)!.length % 2).toBe(0);
    expect(fence.endsWith('… (truncated, [full text](https://bot.example.com/i/1))')).toBe(true);
  });

  it('renders any neutral message within every Discord limit', () => {
    fc.assert(
      fc.property(neutralMessage, (message) => {
        assertWithinDiscordLimits(renderDiscordMessage(message));
      }),
      { numRuns: 150 },
    );
  });
});

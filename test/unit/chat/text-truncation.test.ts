import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { truncateDiscordMarkdown } from '../../../src/chat/discord/discord-markdown.js';
import { truncateMrkdwn } from '../../../src/chat/slack/slack-mrkdwn.js';
import { truncatePlain } from '../../../src/chat/text-truncation.js';

const markup = fc.array(fc.constantFrom('word ', '\n', '```', '<@U123>', '&amp;', '[link](https://x.example/a)', '😀', 'é', '<#1234>'), { maxLength: 400 }).map((parts) => parts.join(''));

describe('shortening text to a platform`s limit (both renderers share one rule)', () => {
  it('never exceeds the limit, whatever the text and however small the limit', () => {
    fc.assert(
      fc.property(markup, fc.integer({ min: 1, max: 600 }), fc.boolean(), (text, max, withLink) => {
        const url = withLink ? 'https://bot.example.com/api/incidents/1' : undefined;
        expect(truncateMrkdwn(text, max, url).length).toBeLessThanOrEqual(max);
        expect(truncateDiscordMarkdown(text, max, url).length).toBeLessThanOrEqual(max);
        expect(truncatePlain(text, max).length).toBeLessThanOrEqual(max);
      }),
      { numRuns: 500 },
    );
  });

  it('says it cut, links the full text on each platform`s own terms, and never splits an emoji', () => {
    const long = `${'word '.repeat(400)}😀 end`;
    expect(truncateMrkdwn(long, 300, 'https://bot.example.com/i/1')).toMatch(/… \(truncated, <https:\/\/bot\.example\.com\/i\/1\|full text>\)$/);
    expect(truncateDiscordMarkdown(long, 300, 'https://bot.example.com/i/1')).toMatch(/… \(truncated, \[full text\]\(https:\/\/bot\.example\.com\/i\/1\)\)$/);
    // A URL Discord's masked link cannot hold is not linked.
    expect(truncateDiscordMarkdown(long, 300, 'https://bot.example.com/i/(1)')).toMatch(/… \(truncated\)$/);
    const emoji = truncatePlain('😀'.repeat(10), 6);
    expect(emoji).toBe('😀😀…');
  });
});

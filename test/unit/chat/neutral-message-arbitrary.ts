import fc from 'fast-check';
import type { NeutralMessage } from '../../../src/chat/neutral-message.js';

/** What alert text may carry to ping people on Slack or Discord. */
export const HOSTILE_MENTIONS = [
  '<!channel>',
  '<!here|here>',
  '<!everyone>',
  '<!subteam^S0ONCALL|@oncall>',
  '@everyone',
  '@here',
  '<@&1100000000000000099>',
  '<@U0BOB00001>',
  '<@1100000000000000012>',
  '<@!1100000000000000012>',
  '<#C0OTHER001>',
];

/** Ids a message may list as meant (some of them also appear in hostile text). */
export const MEANT_IDS = ['U123', '123', 'U0ALICE001', '1100000000000000011', 'U0BOB00001'];

// Texts that stress the renderers: long, full of Markdown, links, mentions, entities and emoji.
const piece = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('**bold**', '_it_', '`c<o>de`', '```\nblock & <tag>\n', '```', '[label](https://example.com/a?b=1&c=2)', '<@U123>', '<@123|x y>', '- item\n', '\n', ' & < > ', '🔥', '|'),
  fc.constantFrom(...HOSTILE_MENTIONS),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const text = (maxPieces: number) => fc.array(piece, { maxLength: maxPieces }).map((parts) => parts.join(''));
const longText = fc.oneof(text(20), text(400), fc.string({ minLength: 3_000, maxLength: 9_000 }), fc.constant('x'.repeat(5_000)));

const button = fc.record({
  action: fc.oneof(fc.constantFrom('incident.ack', 'incident.resolve', 'step.done', 'step.choose'), fc.string({ maxLength: 300 })),
  label: fc.oneof(fc.string({ maxLength: 120 }), fc.constant('')),
  value: fc.oneof(fc.constantFrom('1', '42', '42:step:choice'), fc.string({ maxLength: 2_500 })),
  style: fc.option(fc.constantFrom('primary' as const, 'danger' as const), { nil: undefined }),
});

export const neutralMessage: fc.Arbitrary<NeutralMessage> = fc.record(
  {
    summary: fc.oneof(text(10), fc.string({ maxLength: 5_000 })),
    title: fc.oneof(text(5), fc.string({ maxLength: 400 })),
    titleUrl: fc.constantFrom('https://grafana.example.com/d/1', 'not a url', 'javascript:alert(1)'),
    color: fc.constantFrom('red' as const, 'orange' as const, 'yellow' as const, 'green' as const, 'blue' as const, 'grey' as const),
    sections: fc.array(
      fc.record(
        {
          text: longText,
          fields: fc.array(fc.record({ label: fc.oneof(text(3), fc.string({ maxLength: 400 })), value: fc.oneof(text(10), longText) }), { maxLength: 30 }),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 60 },
    ),
    buttons: fc.array(button, { maxLength: 140 }),
    footer: fc.oneof(text(5), fc.string({ maxLength: 3_000 })),
    fullTextUrl: fc.oneof(fc.constant('https://bot.example.com/incidents/42/timeline'), fc.webUrl(), fc.string({ maxLength: 3_000 })),
    mentions: fc.subarray(MEANT_IDS),
  },
  { requiredKeys: ['summary', 'sections'] },
);

/** Many buttons sharing an action, as a card with one button per step would. */
export const duplicateButtons: NeutralMessage = {
  summary: 'dup',
  sections: [{ text: 'x' }],
  buttons: Array.from({ length: 30 }, (_, index) => ({ action: 'incident.ack', label: `Ack ${index}`, value: '42' })),
};

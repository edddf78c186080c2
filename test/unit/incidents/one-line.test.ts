import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oneLine } from '../../../src/incidents/one-line.js';

describe('oneLine', () => {
  it('turns each run of line breaks and control characters, with the blanks around it, into one space', () => {
    expect(oneLine('Disk full on db-1\n# rm -rf /')).toBe('Disk full on db-1 # rm -rf /');
    expect(oneLine('a \r\n\r\n  b')).toBe('a b');
    expect(oneLine('a\u2028b\u2029c\u0085d\u000bf\u000cg')).toBe('a b c d f g');
    expect(oneLine('tab\there\u0000nul\u001bescape\u007fdel')).toBe('tab here nul escape del');
    expect(oneLine('\n  leading and trailing \n')).toBe('leading and trailing');
  });

  it('leaves one-line text as it is, spacing and emoji included', () => {
    expect(oneLine('Checkout  5xx above 5% 🔥')).toBe('Checkout  5xx above 5% 🔥');
    expect(oneLine('👩‍💻 on call')).toBe('👩‍💻 on call');
  });

  it('never leaves a line break or a control character, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (text) => {
        expect(oneLine(text)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      }),
    );
  });
});

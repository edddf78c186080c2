import { describe, expect, it } from 'vitest';
import { formatConfigFileProblem } from '../../../src/config-files/config-file-problem.js';
import { parseConfigYaml } from '../../../src/config-files/parse-config-yaml.js';
import { aliasBomb, deeplyNested } from '../../support/hostile-yaml.js';

const LIMITS = { what: 'this file', maxLines: 50_000, maxValues: 50_000, maxDepth: 50 };
const problems = (text: string, limits = LIMITS) => parseConfigYaml(text, 'x.yaml', limits).problems.map(formatConfigFileProblem);

describe('parsing configuration YAML as untrusted input', () => {
  it('refuses an alias bomb with a problem where its aliases start, instead of throwing', () => {
    expect(problems(aliasBomb())).toEqual([
      'x.yaml:4:8 (yaml): aliases expand too often (more than 100 times, counting aliases inside aliases, as a "billion laughs" file does): not read',
    ]);
  });

  it('still takes anchors and aliases used the ordinary way', () => {
    const parsed = parseConfigYaml('base: &base { timezone: Europe/Berlin }\nalice: *base\nbob: *base\n', 'x.yaml', LIMITS);
    expect(parsed.ok && parsed.value).toEqual({ base: { timezone: 'Europe/Berlin' }, alice: { timezone: 'Europe/Berlin' }, bob: { timezone: 'Europe/Berlin' } });
  });

  it('refuses nesting past 50 levels before parsing, in flow and block style', () => {
    expect(problems(deeplyNested(1_000_000))).toEqual(['x.yaml:3:57 (yaml): nested more than 50 levels deep: not parsed']);
    expect(problems(`steps: ${'- '.repeat(400_000)}x\n`)).toEqual(['x.yaml:1:106 (yaml): nested more than 50 levels deep: not parsed']);
    const fine = ['a:', '  b:', '    - c: [1, { d: [2] }]', '      e: |', '        text', '          more', '    - f'].join('\n');
    expect(problems(fine)).toEqual([]);
  });

  it('refuses more values or lines than the file may have before parsing, where the first one past the limit is', () => {
    const limits = { ...LIMITS, maxLines: 1_000, maxValues: 100 };
    expect(problems(`steps: [${'a,'.repeat(500_000)}a]\n`, limits)).toEqual(['x.yaml:1:207 (yaml): more than 100 values, the most this file may hold: not parsed']);
    expect(problems(`a: 1\n${'# a comment\n'.repeat(500_000)}`, limits)).toEqual(['x.yaml:1001:1 (yaml): more than 1000 lines, the most this file may have: not parsed']);
    expect(problems(`${'# a comment\n'.repeat(999)}a: 1\n`, limits)).toEqual([]);
  });

  it('finds duplicate keys in one pass over a map of tens of thousands, without echoing the key', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  secret${i}: x`);
    keys.push('  secret17: y');
    expect(problems(`map:\n${keys.join('\n')}\n`)).toEqual(['x.yaml:20002:3 (yaml): this key is already set on line 19']);
  });
});

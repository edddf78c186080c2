import type { CommandSpec, OptionSpec, OptionValue } from './command-spec.js';
import type { CommandToken } from './command-tokens.js';
import { parseOptionValue, tokenSelectsOption } from './option-values.js';

export type OptionsParse = { ok: true; values: Record<string, OptionValue> } | { ok: false; message: string };

const SELECTABLE = new Set<OptionSpec['kind']>(['flag', 'severity', 'integer', 'choice', 'user']);
const DATE_WORD = /^(?:\d{4}-\d{2}-\d{2}|today|tomorrow)$/i;
const CLOCK = /^\d{1,2}:\d{2}$/;
// Words people put between times: "override ops @a now to +8h", "preview ops at 09:00".
const TIME_CONNECTOR = /^(?:from|to|until|till|at|-)$/i;

/**
 * Reads the options of a typed subcommand in order. Consecutive optional options that a word
 * plainly selects (sev2, --private, a number) are taken in any order; an optional option with
 * nothing after it takes any word and says what is wrong with it. Flags and named options
 * (`--team sec`) are taken wherever they stand, since people append "--private" as often as they
 * prefix it.
 */
export function parseTextOptions(spec: CommandSpec, text: string, allTokens: CommandToken[]): OptionsParse {
  const values: Record<string, OptionValue> = {};
  const flags = spec.options.filter((option) => option.kind === 'flag');
  const named = spec.options.filter((option) => option.named);
  const removed: CommandToken[] = [];
  const tokens: CommandToken[] = [];
  for (let index = 0; index < allTokens.length; index++) {
    const token = allTokens[index]!;
    const word = token.value.toLowerCase();
    const flag = flags.find((option) => word === `--${option.name}`);
    if (flag) {
      values[flag.name] = true;
      removed.push(token);
      continue;
    }
    const option = named.find((candidate) => word === `--${candidate.name}` || word.startsWith(`--${candidate.name}=`));
    if (!option) {
      tokens.push(token);
      continue;
    }
    const joined = word.startsWith(`--${option.name}=`);
    const valueToken = joined ? { ...token, value: token.value.slice(option.name.length + 3) } : allTokens[index + 1];
    if (!valueToken || valueToken.value === '' || (!joined && valueToken.value.startsWith('--'))) {
      return { ok: false, message: `${option.label} is required after --${option.name}` };
    }
    if (values[option.name] !== undefined) return { ok: false, message: `--${option.name} is given twice` };
    const parsed = parseOptionValue(option, valueToken.value);
    if (!parsed.ok) return { ok: false, message: parsed.message };
    values[option.name] = parsed.value;
    removed.push({ value: token.value, start: token.start, end: joined ? token.end : valueToken.end });
    if (!joined) index++;
  }
  const options = spec.options.filter((option) => option.kind !== 'flag' && !option.named);
  let position = 0;

  const take = (option: OptionSpec, raw: string): string | undefined => {
    const parsed = parseOptionValue(option, raw);
    if (!parsed.ok) return parsed.message;
    values[option.name] = parsed.value;
    return undefined;
  };

  for (let index = 0; index < options.length; ) {
    const option = options[index]!;
    if (!option.required && SELECTABLE.has(option.kind)) {
      let end = index;
      while (end < options.length && !options[end]!.required && SELECTABLE.has(options[end]!.kind)) end++;
      const run = options.slice(index, end);
      for (let token = tokens[position]; token; token = tokens[position]) {
        const chosen = run.find((candidate) => values[candidate.name] === undefined && tokenSelectsOption(candidate, token.value));
        if (!chosen) break;
        const problem = take(chosen, token.value);
        if (problem) return { ok: false, message: problem };
        position++;
      }
      const open = run.find((candidate) => values[candidate.name] === undefined);
      const leftover = tokens[position];
      if (end === options.length && open && leftover) {
        const problem = take(open, leftover.value);
        if (problem) return { ok: false, message: problem };
        position++;
      }
      index = end;
      continue;
    }
    index++;
    let token = tokens[position];
    if (option.kind === 'when' && token && TIME_CONNECTOR.test(token.value) && tokens[position + 1]) token = tokens[++position];
    if (!token) {
      if (option.required) return { ok: false, message: `${option.label} is required` };
      continue;
    }
    if (option.kind === 'text') {
      let raw = text.slice(token.start);
      for (const flag of removed.filter((candidate) => candidate.start >= token.start).reverse()) {
        // The blanks after it go too: "Login --private down" is "Login down".
        raw = raw.slice(0, flag.start - token.start) + raw.slice(flag.end - token.start).replace(/^[ \t]+/, '');
      }
      const problem = take(option, raw.trim());
      if (problem) return { ok: false, message: problem };
      position = tokens.length;
      continue;
    }
    if (option.kind === 'when') {
      const next = tokens[position + 1];
      const twoWords = next && DATE_WORD.test(token.value) && CLOCK.test(next.value);
      const problem = take(option, twoWords ? `${token.value} ${next.value}` : token.value);
      if (problem) return { ok: false, message: problem };
      position += twoWords ? 2 : 1;
      continue;
    }
    const problem = take(option, token.value);
    if (problem) return { ok: false, message: problem };
    position++;
  }
  const extra = tokens[position];
  if (extra) {
    const rest = text.slice(extra.start).trim();
    const shown = rest.length > 40 ? `"${rest.slice(0, 40)}…"` : `"${rest}"`;
    return { ok: false, message: spec.options.length === 0 ? `"${spec.name}" takes no arguments (got ${shown})` : `Unexpected ${shown}` };
  }
  return { ok: true, values };
}

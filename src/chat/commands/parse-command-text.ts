import { specsOf, type CommandSpec, type OptionValues } from './command-spec.js';
import { tokenize, type CommandToken } from './command-tokens.js';
import { CommandUsageError } from './command-usage-error.js';
import { commandUsageLine, usageLine } from './command-usage.js';
import { didYouMean } from './did-you-mean.js';
import type { ChatCommandName, ParsedCommand } from './parsed-command.js';
import { parseTextOptions } from './parse-options.js';

export type CommandParseResult = ParsedCommand | CommandUsageError;

const SEV_JOINED = /^sev(\d+)$/i;

/** Runs a spec's builder on validated values; the usage error names the subcommand's usage line. */
export function buildCommand(spec: CommandSpec, values: OptionValues): CommandParseResult {
  const built = spec.build(values);
  return typeof built === 'string' ? new CommandUsageError(built, usageLine(spec)) : built;
}

function unknownSubcommand(command: ChatCommandName, word: string, specs: CommandSpec[]): CommandUsageError {
  const guess = didYouMean(word, specs.map((spec) => spec.name));
  const guessed = guess ? specs.find((spec) => spec.name === guess) : undefined;
  return new CommandUsageError(
    `Unknown subcommand "${word}".${guess ? ` Did you mean "${guess}"?` : ` Try /${command} help.`}`,
    guessed ? usageLine(guessed) : commandUsageLine(command),
  );
}

function parseWith(spec: CommandSpec, text: string, tokens: CommandToken[]): CommandParseResult {
  const options = parseTextOptions(spec, text, tokens);
  if (!options.ok) return new CommandUsageError(options.message, usageLine(spec));
  return buildCommand(spec, options.values);
}

/**
 * Parses a typed command: `command` is "incident" or "oncall", `text` what follows it as the
 * platform delivers it (Slack mentions as <@U123> or <@U123|name>). Returns the command or a
 * CommandUsageError; it does not throw.
 */
export function parseCommandText(command: ChatCommandName, text: string): CommandParseResult {
  const specs = specsOf(command);
  const tokens = tokenize(text);
  const first = tokens[0];
  const word = first?.value.toLowerCase();
  const named = word === undefined ? undefined : specs.find((spec) => spec.name === word);
  if (named) return parseWith(named, text, tokens.slice(1));

  if (command === 'incident') {
    if (!first) return buildCommand(specs.find((spec) => spec.kind === 'incident.help')!, {});
    const joined = SEV_JOINED.exec(first.value);
    const sev = specs.find((spec) => spec.kind === 'incident.sev')!;
    // "/incident sev2" is the same as "/incident sev 2".
    if (joined) return parseWith(sev, text, [{ value: joined[1]!, start: first.start + 3, end: first.end }, ...tokens.slice(1)]);
    return unknownSubcommand(command, first.value, specs);
  }

  const bare = specs.find((spec) => spec.bare)!;
  // "/oncall payments" names a team; "/oncall shedule payments" is a typo, not a team with extra words.
  if (first && tokens.length > 1 && didYouMean(first.value, specs.map((spec) => spec.name))) {
    return unknownSubcommand(command, first.value, specs);
  }
  return parseWith(bare, text, tokens);
}

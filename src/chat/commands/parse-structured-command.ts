import { specsOf, type OptionValue } from './command-spec.js';
import { CommandUsageError } from './command-usage-error.js';
import { commandUsageLine, usageLine } from './command-usage.js';
import { didYouMean } from './did-you-mean.js';
import { parseOptionValue } from './option-values.js';
import { buildCommand, type CommandParseResult } from './parse-command-text.js';
import type { ChatCommandName } from './parsed-command.js';

/**
 * A command as Discord delivers a slash command: the subcommand and its named option values
 * (a user option's value is the user id). Also the shape any other structured input maps to.
 */
export interface StructuredCommandInput {
  subcommand: string;
  options: Readonly<Record<string, string | number | boolean | undefined>>;
}

/** Maps structured options into the same ParsedCommand the text form gives, with the same errors. */
export function parseStructuredCommand(command: ChatCommandName, input: StructuredCommandInput): CommandParseResult {
  const specs = specsOf(command);
  const spec = specs.find((candidate) => candidate.name === input.subcommand.toLowerCase());
  if (!spec) {
    const guess = didYouMean(input.subcommand, specs.map((candidate) => candidate.name));
    return new CommandUsageError(
      `Unknown subcommand "${input.subcommand}".${guess ? ` Did you mean "${guess}"?` : ''}`,
      commandUsageLine(command),
    );
  }
  const usage = usageLine(spec);
  const values: Record<string, OptionValue> = {};
  for (const option of spec.options) {
    let raw: string | number | boolean | undefined = input.options[option.name];
    if (option.kind === 'target') {
      // Discord cannot offer "a team or a user" in one option, so the definitions split it in two.
      const team = input.options.team;
      const user = input.options.user;
      if (team !== undefined && user !== undefined) return new CommandUsageError('Give a team or a user, not both', usage);
      raw = user !== undefined ? `<@${String(user)}>` : team;
    } else if (option.kind === 'user' && raw !== undefined && !String(raw).startsWith('<@')) {
      raw = `<@${String(raw)}>`;
    }
    if (raw === undefined || raw === '') {
      if (option.required) return new CommandUsageError(`${option.label} is required`, usage);
      continue;
    }
    if (option.kind === 'flag') {
      values[option.name] = raw === true || raw === 'true';
      continue;
    }
    const parsed = parseOptionValue(option, String(raw));
    if (!parsed.ok) return new CommandUsageError(parsed.message, usage);
    values[option.name] = parsed.value;
  }
  return buildCommand(spec, values);
}

import type {
  APIApplicationCommandBasicOption,
  APIApplicationCommandSubcommandOption,
  RESTPutAPIApplicationGuildCommandsJSONBody,
} from 'discord.js';
import { specsOf, type CommandSpec, type OptionSpec } from '../commands/command-spec.js';
import type { ChatCommandName } from '../commands/parsed-command.js';

// Discord's numbers (discord-api-types ApplicationCommandType / ApplicationCommandOptionType).
const CHAT_INPUT = 1;
const SUB_COMMAND = 1;
const STRING = 3;
const INTEGER = 4;
const BOOLEAN = 5;
const USER = 6;

const SEVERITY_NAMES = ['critical', 'major', 'minor', 'low'];

const COMMAND_DESCRIPTIONS: Record<ChatCommandName, string> = {
  incident: 'Declare and run incidents',
  oncall: 'Who is on call, schedules, overrides and pages',
};

function discordOptions(option: OptionSpec): APIApplicationCommandBasicOption[] {
  const base = { name: option.name, description: option.description, required: option.required };
  switch (option.kind) {
    case 'flag':
      return [{ ...base, type: BOOLEAN }];
    case 'user':
      return [{ ...base, type: USER }];
    case 'severity': {
      const min = option.min ?? 1;
      const max = option.max ?? 4;
      const choices = Array.from({ length: max - min + 1 }, (_, index) => {
        const value = min + index;
        return { name: `SEV${value}${SEVERITY_NAMES[value - 1] ? ` (${SEVERITY_NAMES[value - 1]})` : ''}`, value };
      });
      return [{ ...base, type: INTEGER, choices }];
    }
    case 'integer':
      return [{ ...base, type: INTEGER, ...(option.min === undefined ? {} : { min_value: option.min }), ...(option.max === undefined ? {} : { max_value: option.max }) }];
    case 'choice':
      return [{ ...base, type: STRING, choices: (option.choices ?? []).map((choice) => ({ name: choice, value: choice })) }];
    case 'target':
      // One option cannot be "a team or a user" on Discord; parseStructuredCommand joins these again.
      return [
        { name: 'team', description: 'Page this team (its on-call person)', required: false, type: STRING },
        { name: 'user', description: 'Or page this person', required: false, type: USER },
      ];
    case 'word':
    case 'text':
    case 'when':
    case 'incident':
      return [{ ...base, type: STRING }];
  }
}

function subcommand(spec: CommandSpec): APIApplicationCommandSubcommandOption {
  const options = spec.options.flatMap(discordOptions);
  // Discord refuses a required option after an optional one.
  const ordered = [...options.filter((option) => option.required), ...options.filter((option) => !option.required)];
  return { type: SUB_COMMAND, name: spec.name, description: spec.summary.slice(0, 100), ...(ordered.length ? { options: ordered } : {}) };
}

/**
 * The body of `PUT /applications/{app}/guilds/{guild}/commands`: /incident and /oncall with
 * one subcommand per spec. `/oncall [team]` is `/oncall who [team]` on Discord, which cannot
 * mix subcommands with options at the top level.
 */
export function discordCommandDefinitions(): RESTPutAPIApplicationGuildCommandsJSONBody {
  return (['incident', 'oncall'] as const).map((command) => ({
    type: CHAT_INPUT,
    name: command,
    description: COMMAND_DESCRIPTIONS[command],
    options: specsOf(command).map(subcommand),
  }));
}

import type { NeutralMessage } from '../neutral-message.js';
import { COMMAND_SPECS, type CommandSpec, type OptionSpec } from './command-spec.js';
import type { ChatCommandName } from './parsed-command.js';

function optionUsage(option: OptionSpec): string {
  if (option.usage) return option.usage;
  const inner = option.kind === 'choice' && option.choices ? option.choices.join('|') : option.name;
  if (option.kind === 'user') return option.required ? '@user' : '[@user]';
  return option.required ? `<${inner}>` : `[${inner}]`;
}

/** "/incident role <commander|comms|scribe> @user": the same line in help, README and errors. */
export function usageLine(spec: CommandSpec): string {
  const words = [`/${spec.command}`];
  if (!spec.bare) words.push(spec.name);
  for (const option of spec.options) words.push(optionUsage(option));
  return words.join(' ');
}

/** For input whose subcommand is unknown. */
export function commandUsageLine(command: ChatCommandName): string {
  const names = COMMAND_SPECS.filter((spec) => spec.command === command && !spec.bare).map((spec) => spec.name);
  return command === 'oncall' ? `/oncall [team] | /oncall <${names.join('|')}> ...` : `/incident <${names.join('|')}> ...`;
}

/** Where a subcommand works: anywhere, in an incident channel, or anywhere when it names the incident. */
export function whereItWorks(spec: CommandSpec): 'anywhere' | 'incident channel' | 'incident channel, or anywhere naming the incident' {
  if (!spec.needsIncident) return 'anywhere';
  return spec.options.some((option) => option.kind === 'incident') ? 'incident channel, or anywhere naming the incident' : 'incident channel';
}

/** The help as portable Markdown, one line per subcommand. */
export function helpText(command?: ChatCommandName): string {
  const specs = COMMAND_SPECS.filter((spec) => command === undefined || spec.command === command);
  const lines = specs.map((spec) => `- \`${usageLine(spec)}\`: ${spec.summary}${spec.needsIncident ? ` _(${whereItWorks(spec).replace('incident channel', 'in an incident channel')})_` : ''}`);
  return lines.join('\n');
}

/** The reply to `/incident help`. */
export function helpMessage(): NeutralMessage {
  return {
    summary: 'Incident bot commands',
    title: 'Incident bot commands',
    color: 'blue',
    sections: [
      { text: `**Incidents**\n${helpText('incident')}` },
      { text: `**On call**\n${helpText('oncall')}` },
    ],
    footer: 'Times: ISO (2024-03-10T09:00Z), 2024-03-10 09:00, now, +2h, tomorrow 09:00, in your time zone.',
  };
}

/** A Markdown table of every command, for the README. */
export function usageTable(): string {
  const rows = COMMAND_SPECS.map(
    (spec) => `| \`${usageLine(spec).replace(/\|/g, '\\|')}\` | ${spec.summary} | ${whereItWorks(spec)} |`,
  );
  return ['| command | what | where |', '| --- | --- | --- |', ...rows].join('\n');
}

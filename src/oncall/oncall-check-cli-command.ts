import type { CliCommand } from '../cli-command.js';
import { configFileLimitsFrom } from '../config-files/config-file-limits.js';
import type { OncallConfig } from './oncall-config.js';
import { formatProblem, loadOncallFile, OncallFileError } from './oncall-file.js';

const count = (n: number, what: string, plural = `${what}s`) => `${n} ${n === 1 ? what : plural}`;

/** What the file declares: the five parts every file has, then those it uses of the rest. */
function summary(config: OncallConfig): string[] {
  const optional = [
    count(Object.keys(config.heartbeats).length, 'heartbeat'),
    count(Object.keys(config.routingKeys).length, 'PagerDuty routing key'),
    count(Object.keys(config.opsgenieKeys).length, 'Opsgenie API key'),
    count(Object.keys(config.maintenance).length, 'recurring maintenance window'),
    count(config.plannedOverrides.length, 'planned override'),
  ].filter((part) => !part.startsWith('0 '));
  return [
    count(Object.keys(config.people).length, 'person', 'people'),
    count(Object.keys(config.teams).length, 'team'),
    count(Object.keys(config.schedules).length, 'schedule'),
    count(Object.keys(config.escalationPolicies).length, 'escalation policy', 'escalation policies'),
    count(config.routes.length, 'route'),
    ...optional,
  ];
}

export const oncallCheckCommand: CliCommand = {
  name: ['oncall', 'check'],
  usage: 'oncall check [file]',
  summary: 'check oncall.yaml and print every problem with its line, all in one pass (exit 1 on problems)',
  async run(args, io) {
    const file = args[0] ?? io.env.ONCALL_FILE ?? './oncall.yaml';
    try {
      const { config, missing } = loadOncallFile(file, configFileLimitsFrom(io.env));
      if (missing) {
        io.err(`${file}: no such file`);
        return 1;
      }
      io.out(`${file} is valid: ${summary(config).join(', ')}.`);
      return 0;
    } catch (error) {
      if (!(error instanceof OncallFileError)) throw error;
      for (const problem of error.problems) io.err(formatProblem(problem));
      return 1;
    }
  },
};

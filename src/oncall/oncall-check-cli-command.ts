import type { CliCommand } from '../cli-command.js';
import { configFileLimitsFrom } from '../config-files/config-file-limits.js';
import { formatProblem, loadOncallFile, OncallFileError } from './oncall-file.js';

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
      io.out(
        `${file} is valid: ${Object.keys(config.people).length} people, ${Object.keys(config.teams).length} teams, ` +
          `${Object.keys(config.schedules).length} schedules, ${Object.keys(config.escalationPolicies).length} escalation policies, ${config.routes.length} routes.`,
      );
      return 0;
    } catch (error) {
      if (!(error instanceof OncallFileError)) throw error;
      for (const problem of error.problems) io.err(formatProblem(problem));
      return 1;
    }
  },
};

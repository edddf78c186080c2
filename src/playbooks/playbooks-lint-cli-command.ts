import type { CliCommand } from '../cli-command.js';
import { configFileLimitsFrom } from '../config-files/config-file-limits.js';
import { formatPlaybookProblem } from './playbook-file.js';
import { loadPlaybookDirectory } from './playbook-library.js';

export const playbooksLintCommand: CliCommand = {
  name: ['playbooks', 'lint'],
  usage: 'playbooks lint [dir]',
  summary: 'check every playbook and print each problem with file, line and column, all in one pass (exit 1 on problems)',
  async run(args, io) {
    const dir = args[0] ?? io.env.PLAYBOOKS_DIR ?? './playbooks';
    const { playbooks, problems } = loadPlaybookDirectory(dir, configFileLimitsFrom(io.env));
    for (const problem of problems) io.err(formatPlaybookProblem(problem));
    io.out(`${playbooks.length} playbook(s) valid${problems.length ? `, ${problems.length} problem(s)` : ''} in ${dir}.`);
    return problems.length ? 1 : 0;
  },
};

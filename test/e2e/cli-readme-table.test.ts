import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { runCli } from '../support/run-cli.js';

describe("the README's command line table", () => {
  it('lists every command `incident-bot help` prints', { timeout: 60_000 }, async () => {
    const help = await runCli(['help'], {});
    expect(help.code, help.stderr).toBe(0);
    // A command line is indented two spaces, its explanation four.
    const commands = help.stdout
      .split('\n')
      .filter((line) => /^ {2}\S/.test(line))
      .map((line) => {
        const words = line.trim().split(' ');
        const end = words.findIndex((word) => !/^[a-z|]+$/.test(word));
        return words.slice(0, end === -1 ? undefined : end).join(' ').replace(/\|.*$/, '');
      });
    expect(commands.length).toBeGreaterThanOrEqual(10);
    const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Command line'), readme.indexOf('\n## ', readme.indexOf('## Command line') + 1));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    for (const command of commands) expect(rows.some((row) => row.startsWith(`| \`${command}`)), `README row for "${command}"`).toBe(true);
  });
});

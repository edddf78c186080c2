import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { samplePath } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';

// The same mistakes test/integration/cli/cli-flags-fuzz.test.ts makes by the hundred in-process,
// here a few through the real `incident-bot` process: what a user's shell sees.
const env = { ONCALL_FILE: join(projectRoot(), 'oncall.yaml'), DATA_DIR: mkdtempSync(join(tmpdir(), 'cli-usage-')) };
afterAll(() => rmSync(env.DATA_DIR, { recursive: true, force: true }));

describe('incident-bot: a mistyped flag is a usage error (exit 2) naming the flag, never a stack trace', () => {
  const cases: [string[], string][] = [
    [['audit', '--since', '99999999w'], '--since is longer than any span of dates the bot keeps (years 0001 to 9999) (got "99999999w")'],
    [['oncall', 'gaps', '--days', '1e9'], '--days must be a whole number from 1 to 366 (got "1e9")'],
    [['simulate', samplePath('alertmanager/firing.json'), '--bogus'], "Unknown option '--bogus'"],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), { timeout: 60_000 }, async () => {
      const result = await runCli(args, env);
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain(`Usage: incident-bot ${args[0]}`);
      expect(result.code).toBe(2);
    });
  }
});

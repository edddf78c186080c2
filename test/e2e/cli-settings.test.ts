import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { runCli } from '../support/run-cli.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';

const TOKEN = 'dotenv-webhook-token-0123456789';
const STACK_LINE = /^\s+at /m;

/** A folder as a new team has it: the shipped oncall.yaml, one playbook, and whatever .env it writes. */
function teamFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-settings-'));
  copyFileSync(join(projectRoot(), 'oncall.yaml'), join(dir, 'oncall.yaml'));
  mkdirSync(join(dir, 'playbooks'));
  copyFileSync(join(projectRoot(), 'playbooks', 'default.yaml'), join(dir, 'playbooks', 'default.yaml'));
  return dir;
}

function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('settings from .env in the working directory', () => {
  let dir: string;
  let bot: BotProcess | undefined;
  // PostgreSQL when there is one: a first start on a new embedded DATA_DIR is the slow part, and not what this tests.
  let database: { url: string; drop(): Promise<void> } | undefined;
  beforeAll(async () => {
    dir = teamFolder();
    if (databaseKinds().includes('postgres')) database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await bot?.kill();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('start reads .env, the real environment winning, and logs which file and names (never values)', async () => {
    writeFileSync(
      join(dir, '.env'),
      ['# copied from .env.example', 'PORT=3000', `DATABASE_URL=${database?.url ?? ''}`, 'DATA_DIR=./data', 'LOG_LEVEL=debug', `WEBHOOK_TOKEN=${TOKEN}`, 'PUBLIC_URL=', 'REPORT_CRON=', ''].join('\n'),
    );
    // ENV_FILE unset: the default, .env in the working directory. PORT=0 and LOG_LEVEL=info come from the real environment.
    bot = await startBotProcess({ ENV_FILE: undefined, LOG_LEVEL: 'info' }, { cwd: dir });
    const accepted = await fetch(`${bot.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'token from .env', fingerprint: 'dotenv-1' }),
    });
    expect(accepted.status).toBe(200);

    const lines = logLines(bot.output());
    const read = lines.find((line) => String(line.msg).startsWith('settings read from'));
    expect(read).toMatchObject({ envFile: join(dir, '.env'), keptFromEnvironment: ['PORT', 'LOG_LEVEL'] });
    expect(read!.settings).toEqual(['DATABASE_URL', 'DATA_DIR', 'WEBHOOK_TOKEN', 'PUBLIC_URL', 'REPORT_CRON']);
    expect(lines.some((line) => line.level === 20), 'LOG_LEVEL=info from the environment wins over debug in .env').toBe(false);
    expect(bot.output()).not.toContain(TOKEN);
    await bot.stop();
    bot = undefined;
  }, 120_000);

  it('start refuses a malformed .env by file and line, without quoting the line', async () => {
    writeFileSync(join(dir, '.env'), ['PORT=3000', 'SLACK_BOT_TOKEN xoxb-dotenv-secret-value', ''].join('\n'));
    const result = await runCli(['start'], { ENV_FILE: undefined }, { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dir, '.env')} line 2: expected NAME=value`);
    expect(result.stderr).not.toContain('xoxb-dotenv-secret-value');
    expect(result.stderr).not.toMatch(STACK_LINE);
  }, 120_000);

  it('a bad value from .env is refused with the setting, the reason, the file and the line', async () => {
    writeFileSync(join(dir, '.env'), ['# settings', 'PORT=', 'REOPEN_WINDOW=half an hour', ''].join('\n'));
    const result = await runCli(['start'], { ENV_FILE: undefined }, { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'Invalid configuration:',
      `  - REOPEN_WINDOW: must be a duration such as 30s, 15m or 1h (got "half an hour") (set in ${join(dir, '.env')} line 3)`,
    ]);
  }, 120_000);

  it('ENV_FILE names another file, which must exist', async () => {
    const missing = await runCli(['oncall', 'check'], { ENV_FILE: join(dir, 'prod.env') }, { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`ENV_FILE: cannot read ${join(dir, 'prod.env')} (no such file)`);
    writeFileSync(join(dir, 'prod.env'), `ONCALL_FILE=${join(projectRoot(), 'oncall.yaml')}\n`);
    const found = await runCli(['oncall', 'check'], { ENV_FILE: join(dir, 'prod.env') }, { cwd: dir });
    expect(found.stdout, found.stderr).toContain(`${join(projectRoot(), 'oncall.yaml')} is valid`);
  }, 120_000);
});

describe('empty settings mean unset', () => {
  let dir: string;
  beforeAll(() => {
    dir = teamFolder();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('PLAYBOOKS_DIR= and ONCALL_FILE= use ./playbooks and ./oncall.yaml', async () => {
    const lint = await runCli(['playbooks', 'lint'], { PLAYBOOKS_DIR: '' }, { cwd: dir });
    expect(lint.stdout, lint.stderr).toContain('1 playbook(s) valid in ./playbooks.');
    const check = await runCli(['oncall', 'check'], { ONCALL_FILE: '' }, { cwd: dir });
    expect(check.stdout, check.stderr).toContain('./oncall.yaml is valid');
  }, 120_000);

  it('a REPORT_CRON cron-parser refuses stops start with one line naming it, not a stack trace', async () => {
    const result = await runCli(['start'], { REPORT_CRON: '99 9 * * 1', REPORT_CHANNEL: '#reports', DATA_DIR: join(dir, 'data'), PORT: '0' }, { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^\s+- REPORT_CRON: the minute field "99" is not valid: .*range 0-59/m);
    expect(result.stderr).not.toMatch(STACK_LINE);
  }, 120_000);
});

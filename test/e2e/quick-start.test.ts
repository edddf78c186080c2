import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { CLI_ENTRY, childEnv } from '../support/run-cli.js';

const ROOT = projectRoot();
const TSX_LOADER = pathToFileURL(createRequire(join(ROOT, 'package.json')).resolve('tsx')).href;

/** The README's Quick start commands, one per line (continuations joined), in the order it gives them. */
function quickStartCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const block = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!).find((text) => text.includes('/webhooks/generic'));
  if (!block) throw new Error('the Quick start has no sh block that sends a test alert');
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}

/** Runs one command as a shell in the bot's folder would; `npm run cli --` runs the CLI from source, as the tests do. */
function shell(command: string, cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const local = command.replace(/^npm run cli --/, `'${process.execPath}' --import '${TSX_LOADER}' '${CLI_ENTRY}'`);
  return new Promise((resolve) => {
    execFile('sh', ['-c', local], { cwd, env: childEnv(env), timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the Quick start, read top to bottom, ends with an incident opened and closed without chat', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quick-start-'));
  // What `npm start` in the project folder reads: the shipped oncall.yaml and playbooks, storage in ./data.
  const env = { ONCALL_FILE: join(ROOT, 'oncall.yaml'), PLAYBOOKS_DIR: join(ROOT, 'playbooks') };
  let bot: BotProcess | undefined;
  afterAll(async () => {
    await bot?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints both tokens on first start, and its commands open, list, acknowledge and resolve INC-1', { timeout: 240_000 }, async () => {
    bot = await startBotProcess(env, { cwd: dir, startTimeoutMs: 60_000 });
    const port = new URL(bot.url).port;
    const webhookToken = readFileSync(join(dir, 'data', 'webhook-token'), 'utf8').trim();
    const apiToken = readFileSync(join(dir, 'data', 'api-token'), 'utf8').trim();
    const writeToken = readFileSync(join(dir, 'data', 'api-write-token'), 'utf8').trim();
    for (const name of ['webhook-token', 'api-token', 'api-write-token']) {
      expect(statSync(join(dir, 'data', name)).mode & 0o777, name).toBe(0o600);
    }
    const printed = bot.output();
    expect(printed).toContain(webhookToken);
    expect(printed).toContain(apiToken);
    // The write token stays in its file: terminal output often ends up in collected logs.
    expect(printed).not.toContain(writeToken);
    // Not on port 3000: the CLI command it prints says which port, or it would knock on 3000.
    expect(printed).toContain(`    PORT=${port} npm run cli -- incident resolve 1 "it was the test alert"`);

    // The curl the bot printed, run as printed.
    const lines = printed.split('\n');
    const from = lines.findIndex((line) => line.trim().startsWith('curl -sS -X POST'));
    const printedCurl = lines.slice(from, from + 3).map((line) => line.trim().replace(/\\$/, '')).join(' ');
    const opened = await shell(printedCurl, dir, {});
    expect(opened.code, opened.stderr).toBe(0);
    expect(JSON.parse(opened.stdout)).toMatchObject({ status: 'ok', alerts: [{ outcome: 'created', incident: 'INC-1' }] });

    // Then the README's commands, in its order, against this bot (the README's port is 3000).
    const outputs: string[] = [];
    for (const command of quickStartCommands()) {
      const result = await shell(command.replace('localhost:3000', `127.0.0.1:${port}`), dir, { PORT: port });
      expect(result.code, `${command}\n${result.stderr}`).toBe(0);
      expect(result.stderr, command).not.toMatch(/\n\s+at /);
      outputs.push(result.stdout);
    }
    const listed = outputs.find((output) => output.startsWith('{"incidents"'));
    expect(JSON.parse(listed!).incidents).toEqual([expect.objectContaining({ id: 'INC-1', status: 'triggered', title: 'Test alert: checkout error rate above 5%' })]);
    expect(outputs.join('')).toContain('INC-1 acknowledged by API write token. Escalation stops here.');
    expect(outputs.join('')).toContain('INC-1 resolved by API write token: it was the test alert');

    const incident = (await (await fetch(`${bot.url}/api/incidents/1/timeline`, { headers: { authorization: `Bearer ${apiToken}` } })).json()) as { events: unknown[] };
    const kinds = (incident.events as { kind: string; actor: { name: string } }[]).filter((event) => event.kind.startsWith('status.'));
    expect(kinds.map((event) => `${event.kind} by ${event.actor.name}`)).toEqual(['status.acknowledged by API write token', 'status.resolved by API write token']);
  });

  it('keeps the tokens for the next start and shows them only that once', { timeout: 120_000 }, async () => {
    await bot!.stop();
    bot = await startBotProcess(env, { cwd: dir, startTimeoutMs: 60_000 });
    const apiToken = readFileSync(join(dir, 'data', 'api-token'), 'utf8').trim();
    expect(bot.output()).not.toContain(apiToken);
    expect(bot.output()).not.toContain('First start');
    expect((await fetch(`${bot.url}/api/incidents?status=all`, { headers: { authorization: `Bearer ${apiToken}` } })).status).toBe(200);
  });
});

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../../src/project-root.js';

export const CLI_ENTRY = join(projectRoot(), 'src', 'cli.ts');
// By path, so a CLI started in another working directory still finds it.
const TSX_LOADER = pathToFileURL(createRequire(join(projectRoot(), 'package.json')).resolve('tsx')).href;

/** Env for a child bot: the test's own settings only, never the developer's shell secrets. */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  // ENV_FILE: a .env a developer keeps in the project folder must not reach the tests' bots.
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ENV_FILE: '/dev/null', ...env };
}

/** Starts the CLI from source as a real process (tsx compiles on the fly). */
export function spawnCli(args: string[], env: Record<string, string | undefined>, options: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', TSX_LOADER, CLI_ENTRY, ...args], {
    cwd: options.cwd ?? projectRoot(),
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string | undefined>, options: { cwd?: string } = {}): Promise<CliResult> {
  const child = spawnCli(args, env, options);
  return collect(child);
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

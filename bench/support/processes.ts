import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { projectRoot } from '../../src/project-root.js';
import { nodeArgs } from './bench-settings.js';

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface BotProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * The bot as its own process, so the load generator does not share its event loop: the build
 * (dist/) when the benchmark runs built, the sources when it runs under tsx. Working directory
 * is the project, so it reads the shipped playbooks/ and oncall.yaml.
 */
export function spawnBot(env: Record<string, string>, port: number, stdout: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
  // With the V8 flag `npm start` and bin/incident-bot.js give the bot.
  return spawn(process.execPath, ['--max-semi-space-size=4', ...nodeArgs('src/cli'), 'start'], {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
}

/** PROCESSES as a count ('auto' is one per core), 1 when unset. */
function processCount(env: Record<string, string>): number {
  const value = (env.PROCESSES ?? '1').trim().toLowerCase();
  if (value === 'auto') return availableParallelism();
  return Number(value) || 1;
}

export async function startBotProcess(env: Record<string, string>): Promise<BotProcess> {
  const port = await freePort();
  // Under PROCESSES=N the first process answers /readyz before the others listen, and node:cluster
  // hands a connection to a process that listens when it is opened, for good: load sent at that
  // moment would all go to the first one. So the benchmark waits for the supervisor's word that
  // all N serve (logged at info), as an operator would read it.
  const processes = processCount(env);
  const child = processes > 1 ? spawnBot({ ...env, LOG_LEVEL: 'info' }, port, 'pipe') : spawnBot(env, port);
  let allServe = processes <= 1;
  if (!allServe) {
    // Read to the end, so the bot never blocks on a full pipe.
    let seen = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      seen += chunk;
      if (seen.includes(`${processes} bot processes serve the port`)) allServe = true;
      seen = seen.slice(-200);
    });
  }
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitUntil('the bot to be ready', async () => allServe && (await fetch(`${url}/readyz`)).ok, 60_000),
      exited.then(() => Promise.reject(new Error('the bot exited before it was ready'))),
    ]);
  } catch (error) {
    // A bot that never became ready must not outlive the benchmark (nor keep its database).
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Resident set size of a process in MiB (Linux /proc). */
export function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  if (!kib) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) / 1024;
}

/** Jobs due and not yet done, as the bot's /metrics reports them. */
export async function jobsDue(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return [...metrics.matchAll(/^incident_bot_job_backlog\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * Waits for the jobs that earlier steps queued (escalation, playbooks, chat sync of the incidents
 * a warm-up opened) to be done, so a timed run measures its own scenario, not their backlog.
 * Answers how long that took.
 */
export async function waitForJobsDone(url: string, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  await waitUntil('the job backlog to be done', async () => (await jobsDue(url)) === 0, timeoutMs, 250);
  return Date.now() - started;
}

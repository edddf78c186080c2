import type { ChildProcess } from 'node:child_process';
import { spawnCli } from './run-cli.js';

export interface BotProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL: no chance to finish anything. */
  kill(): Promise<void>;
}

/**
 * The real bot as its own process (from source), ready to serve. `startTimeoutMs`: how long a
 * start may take before the process is killed (30 s; more for tests that start several at once).
 */
export async function startBotProcess(env: Record<string, string | undefined>, options: { cwd?: string; startTimeoutMs?: number } = {}): Promise<BotProcess> {
  const child = spawnCli(['start'], { PORT: '0', LOG_LEVEL: 'info', ...env }, options);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started bot behind to hold ports and databases.
      child.kill('SIGKILL');
      reject(new Error(`bot did not start:\n${output}`));
    }, options.startTimeoutMs ?? 30_000);
    const check = () => {
      const match = /"port":(\d+),"storage"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`bot exited early:\n${output}`));
    });
  });
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, stop: () => end('SIGTERM'), kill: () => end('SIGKILL') };
}

import type { EnvFileReading } from './env-file.js';

/**
 * One `incident-bot` subcommand. Each feature folder exports its own and src/cli.ts lists them,
 * so adding a command never means editing another feature's code.
 */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** The real environment over the settings file (.env), blank values left out. */
  env: NodeJS.ProcessEnv;
  /** Which settings file was read, for `start` to log. */
  envFile?: EnvFileReading;
}

export interface CliCommand {
  /** The words that select it, e.g. ['playbooks', 'lint'] or ['simulate']. */
  name: string[];
  /** One usage line, e.g. "playbooks lint [dir]". */
  usage: string;
  summary: string;
  /** Returns the exit code: 0 ok, 1 failure the user must fix, 2 bad usage. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** A mistake in how a command was typed (unknown flag, bad flag value): printed with the usage, exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Runs a command; a usage error becomes its message and the command's usage line on stderr, and exit code 2. */
export async function runCommand(command: CliCommand, args: string[], io: CliIo): Promise<number> {
  try {
    return await command.run(args, io);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\nUsage: incident-bot ${command.usage}`);
    return 2;
  }
}

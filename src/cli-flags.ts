import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-command.js';
import type { Reader } from './input-values.js';

/** node:util's parseArgs, its complaints (unknown option, missing value) turned into usage errors. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError((error as Error).message);
    throw error;
  }
}

/**
 * A flag's value read by one of the shared readers (src/input-values.ts, src/time/): a problem
 * is a usage error that names the flag and repeats what was typed, e.g.
 * `--limit must be a whole number from 1 to 100000 (got "1e9")`.
 */
export function flagValue<T>(flag: string, text: string, read: Reader<T>): T {
  const reading = read(text);
  if (!reading.ok) throw new UsageError(`${flag} ${reading.problem} (got ${JSON.stringify(text)})`);
  return reading.value;
}

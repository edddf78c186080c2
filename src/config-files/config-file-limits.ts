import { StartupError } from '../startup-error.js';
import { BYTE_SIZE_FORMAT, formatByteSize, parseByteSize } from './byte-size.js';

/** What a configuration file (oncall.yaml, a playbook) may be before it is refused unread. */
export interface ConfigFileLimits {
  maxBytes: number;
}

export const DEFAULT_CONFIG_MAX_BYTES = 1024 * 1024;
export const DEFAULT_CONFIG_FILE_LIMITS: ConfigFileLimits = { maxBytes: DEFAULT_CONFIG_MAX_BYTES };

// Reading and the line count are cheap; the lines, values and nesting that make parsing slow have
// their own limits (yaml-shape.ts). Past 16 MiB a configuration file is a mistake, not a need.
const SMALLEST = 4 * 1024;
const LARGEST = 16 * 1024 * 1024;

/** CONFIG_MAX_BYTES as set (unset or blank: 1 MiB): the bytes, or what is wrong with it. */
export function parseConfigMaxBytes(value: string | undefined): { bytes: number } | { problem: string } {
  if (value === undefined || value.trim() === '') return { bytes: DEFAULT_CONFIG_MAX_BYTES };
  const bytes = parseByteSize(value);
  if (bytes === undefined) return { problem: `must be ${BYTE_SIZE_FORMAT} (got "${value}")` };
  if (bytes < SMALLEST || bytes > LARGEST) {
    return { problem: `must be between ${formatByteSize(SMALLEST)} and ${formatByteSize(LARGEST)} (got ${formatByteSize(bytes)})` };
  }
  return { bytes };
}

/** For commands that read the files without starting the bot (lint, check): the same limit the bot applies. */
export function configFileLimitsFrom(env: NodeJS.ProcessEnv): ConfigFileLimits {
  const parsed = parseConfigMaxBytes(env.CONFIG_MAX_BYTES);
  if ('problem' in parsed) throw new StartupError('config_invalid', `CONFIG_MAX_BYTES: ${parsed.problem}`);
  return { maxBytes: parsed.bytes };
}

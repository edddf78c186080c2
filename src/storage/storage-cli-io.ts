import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { openStorage } from '../db/open-storage.js';
import { createLogger } from '../logging.js';
import { StartupError } from '../startup-error.js';
import { TOKEN_FILES, type TokenSetting } from '../http/access-tokens.js';
import type { TableSums } from './store-events.js';
import { StorageCopyError } from './storage-copy-error.js';
import { MigrationError } from '../db/migrator.js';

/** True when DATA_DIR holds an embedded store (rather than being where one would be created). */
export function embeddedStoreExists(config: Config): boolean {
  return existsSync(join(resolve(config.DATA_DIR), 'pglite', 'PG_VERSION'));
}

/** The bot's own store (PostgreSQL when DATABASE_URL is set, else embedded in DATA_DIR), not migrated. */
export function openBotStore(config: Config): Promise<Database> {
  return openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, connectTimeoutMs: 10_000 }, createLogger('silent'));
}

function isDataDirLocked(error: unknown): error is StartupError {
  return error instanceof StartupError && error.code === 'data_dir_locked';
}

/** The bot's store, or why not when a running bot holds the embedded folder (its message, for the caller to add what to do). */
export async function openStoreUnlessHeld(config: Config): Promise<{ database: Database } | { held: string }> {
  try {
    return { database: await openBotStore(config) };
  } catch (error) {
    if (!isDataDirLocked(error)) throw error;
    return { held: error.message };
  }
}

/** A PostgreSQL URL with its password hidden (in the user part or the query), for printing. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) if (/pass|secret|key|token/i.test(key)) parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return '(a URL that does not parse)';
  }
}

/** One line per table that holds rows (in the order they were copied), then how many were empty. */
export function tableLines(sums: TableSums, note = ''): string[] {
  const filled = [...sums].filter(([, sum]) => sum.rows > 0);
  const empty = sums.size - filled.length;
  const width = Math.max(...filled.map(([name]) => name.length), 5);
  return [
    ...filled.map(([name, sum]) => `  ${name.padEnd(width)}  ${String(sum.rows).padStart(9)} row(s)${note}`),
    ...(empty ? [`  and ${empty} empty table(s)${note ? ', also checked' : ''}`] : []),
  ];
}

/**
 * The tokens the bot generated into DATA_DIR are files beside the store, not rows in it: a store
 * restored or moved where they are missing would start with new ones, and every sender would get 401.
 */
export function missingTokenFiles(config: Config): string[] {
  const dir = resolve(config.DATA_DIR);
  return (Object.keys(TOKEN_FILES) as TokenSetting[]).filter((setting) => !config[setting] && !existsSync(join(dir, TOKEN_FILES[setting]))).map((setting) => TOKEN_FILES[setting]);
}

export function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/**
 * What went wrong, said for the person at the terminal: never the database driver's whole error
 * object, whose parameters would print rows (people's contact details) from the copy.
 */
export function plainFailure(error: unknown): string | undefined {
  if (error instanceof StorageCopyError) return error.message;
  const message = (error as Error)?.message ?? String(error);
  const ownership = /permission denied/i.test(message)
    ? ' The user in the URL must own the database (createdb -O <user> incident_bot) or have CREATE on its schema (GRANT CREATE ON SCHEMA public TO <user>).'
    : '';
  if (error instanceof MigrationError) return `${message}.${ownership}`;
  const pgError = error as { code?: unknown; severity?: unknown };
  if (typeof pgError.code === 'string' && /^[0-9A-Z]{5}$/.test(pgError.code)) return `The database refused: ${message} (${pgError.code}).${ownership}`;
  if (typeof (error as NodeJS.ErrnoException)?.syscall === 'string') return message;
  return undefined;
}

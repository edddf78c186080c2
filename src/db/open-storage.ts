import { accessSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { Logger } from '../logging.js';
import { StartupError } from '../startup-error.js';
import { openPGlite, openPostgres, type Database } from './database.js';
import { keepEmbeddedEngineSmall } from './embedded-engine-memory.js';

export interface StorageOptions {
  databaseUrl?: string;
  dataDir: string;
  /** How long to keep retrying an unreachable PostgreSQL before giving up. */
  connectTimeoutMs?: number;
}

export async function openStorage(options: StorageOptions, log: Logger): Promise<Database> {
  if (options.databaseUrl) {
    await waitForPostgres(options.databaseUrl, options.connectTimeoutMs ?? 30_000, log);
    return openPostgres({ connectionString: options.databaseUrl });
  }
  const dataDir = resolve(options.dataDir);
  ensureWritableDir(dataDir);
  const releaseLock = lockDataDir(dataDir);
  keepEmbeddedEngineSmall();
  const database = await openPGlite(join(dataDir, 'pglite'));
  log.info({ dataDir }, 'embedded storage (PGlite) opened');
  return {
    ...database,
    async close() {
      await database.close();
      releaseLock();
    },
  };
}

function ensureWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (error) {
    throw new StartupError(
      'data_dir_unwritable',
      `DATA_DIR ${dir} is not writable (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
        'Point DATA_DIR at a folder this user can write, or set DATABASE_URL to use PostgreSQL.',
    );
  }
}

/** Embedded storage is one process's: a second bot on the same folder would corrupt it. */
function lockDataDir(dir: string): () => void {
  const lockFile = join(dir, 'bot.pid');
  try {
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    if (holder && holder !== process.pid && isAlive(holder)) {
      throw new StartupError(
        'data_dir_locked',
        `DATA_DIR ${dir} is in use by another bot process (pid ${holder}). Embedded storage serves one process; ` +
          'stop the other one, give this one its own DATA_DIR, or use PostgreSQL (DATABASE_URL) to run several.',
      );
    }
  } catch (error) {
    if (error instanceof StartupError) throw error;
  }
  writeFileSync(lockFile, String(process.pid));
  return () => rmSync(lockFile, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// These will not fix themselves by waiting: wrong password, unknown database or role.
const PERMANENT_PG_ERRORS = new Set(['28P01', '28000', '3D000']);

async function waitForPostgres(connectionString: string, timeoutMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => {});
      const code = (error as { code?: string }).code ?? '';
      const reason = `${code ? code + ' ' : ''}${(error as Error).message}`;
      if (PERMANENT_PG_ERRORS.has(code) || Date.now() + delay > deadline) {
        throw new StartupError(
          'database_unreachable',
          `Cannot reach PostgreSQL at ${describeTarget(connectionString)} (DATABASE_URL): ${reason}` +
            (PERMANENT_PG_ERRORS.has(code) ? '' : ` (gave up after ${attempt} attempts in ${Math.round(timeoutMs / 1000)} s)`),
        );
      }
      log.warn({ attempt, retryInMs: delay, reason }, 'PostgreSQL not reachable yet, retrying');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5_000);
    }
  }
}

/** host:port/database, without the user or password. */
export function describeTarget(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

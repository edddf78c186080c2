import { accessSync, constants, createWriteStream, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UsageError, type CliCommand, type CliIo } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { loadConfig } from '../config.js';
import { openBotApi } from '../http/bot-api-client.js';
import { systemClock, type Clock } from '../time/clock.js';
import { readBackupFile } from './backup-file.js';
import { backupStore } from './backup-store.js';
import { embeddedStoreExists, megabytes, openStoreUnlessHeld, plainFailure } from './storage-cli-io.js';
import { StorageCopyError } from './storage-copy-error.js';

const USAGE = 'backup <file> [--force] [--url <bot address>]';

/**
 * `incident-bot backup <file>`: a consistent, compressed snapshot of everything the bot stores.
 * From PostgreSQL directly (the bot keeps running); from embedded storage directly when the bot
 * is stopped, else from the running bot, which holds the store (GET /api/backup, write token).
 */
export function backupCliCommand(clock: Clock = systemClock): CliCommand {
  return {
    name: ['backup'],
    usage: USAGE,
    summary: 'write a consistent, compressed snapshot of everything the bot stores (works while the bot runs)',
    async run(args, io) {
      const { values, positionals } = parseFlags({ args, allowPositionals: true, options: { force: { type: 'boolean' }, url: { type: 'string' } } });
      if (positionals.length !== 1) throw new UsageError('Give the file to write the backup to, e.g. incident-bot backup backups/bot-2026-12-04.backup.gz');
      const file = positionals[0]!;
      if (existsSync(file) && !values.force) {
        io.err(`${file} already exists. Choose another name, or add --force to replace it.`);
        return 1;
      }
      try {
        accessSync(dirname(resolve(file)), constants.W_OK);
      } catch (error) {
        io.err(`Cannot write ${file}: its folder ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not writable'} (${dirname(resolve(file))}). Nothing was read.`);
        return 1;
      }
      const config = loadConfig(io.env);
      const started = performance.now();
      if (values.url === undefined) {
        if (!config.DATABASE_URL && !embeddedStoreExists(config)) {
          io.err(`There is no embedded store in DATA_DIR (${config.DATA_DIR}) to back up. Run this where the bot keeps its DATA_DIR, with the same settings (.env).`);
          return 1;
        }
        const opened = await openStoreUnlessHeld(config);
        if ('database' in opened) {
          const { database } = opened;
          try {
            let summary;
            try {
              summary = await backupStore(database, file, clock);
            } catch (error) {
              const failure = plainFailure(error);
              if (failure === undefined) throw error;
              io.err(`The backup failed: ${failure}. No file was written.`);
              return 1;
            }
            const size = (await stat(file)).size;
            io.out(
              `Backed up ${summary.rows} row(s) in ${summary.header.tables.length} tables (schema: ${summary.header.migrations.length} migrations, the last ${summary.header.migrations.at(-1) ?? 'none'}) ` +
                `to ${file} (${megabytes(size)}) in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
            );
            return 0;
          } finally {
            await database.close();
          }
        }
      }
      return fromRunningBot(io, file, values.url, started);
    },
  };
}

/** The running bot writes the snapshot (it holds embedded storage); it is checked whole before it takes the file's name. */
async function fromRunningBot(io: CliIo, file: string, url: string | undefined, started: number): Promise<number> {
  const response = await openBotApi(io, { url, scope: 'write', method: 'GET', path: '/api/backup' });
  if (!response) return 1;
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text.slice(0, 300);
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // not JSON: shown as it came
    }
    io.err(`The bot refused the backup (${response.status}): ${message}`);
    return 1;
  }
  const partial = `${file}.partial-${process.pid}`;
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(partial, { mode: 0o600 }));
    const contents = await readBackupFile(partial);
    await rename(partial, file);
    io.out(
      `Backed up ${contents.rows} row(s) in ${contents.header.tables.length} tables from the running bot (schema: ${contents.header.migrations.length} migrations) ` +
        `to ${file} (${megabytes(contents.bytes)}) in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
    );
    return 0;
  } catch (error) {
    await rm(partial, { force: true });
    if (error instanceof StorageCopyError) {
      io.err(`The backup from the bot arrived incomplete or damaged, so no file was written: ${error.message}`);
      return 1;
    }
    io.err(`The backup from the bot broke off (${(error as Error).message}); no file was written.`);
    return 1;
  }
}

import { UsageError, type CliCommand } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { loadConfig } from '../config.js';
import { describeTarget } from '../db/open-storage.js';
import { readBackupFile } from './backup-file.js';
import { restoreStore } from './restore-store.js';
import { megabytes, missingTokenFiles, openStoreUnlessHeld, plainFailure, tableLines } from './storage-cli-io.js';
import { StorageCopyError } from './storage-copy-error.js';

function tokenAdvice(missing: string[], dataDir: string): string[] {
  if (missing.length === 0) return [];
  return [
    `The tokens the bot generated are files in DATA_DIR, not part of a backup, and ${dataDir} has no ${missing.join(', ')}: copy them from the old DATA_DIR ` +
      '(or set WEBHOOK_TOKEN, API_TOKEN, API_WRITE_TOKEN as they were), or the bot makes new ones and every sender and tool needs them.',
  ];
}

/**
 * `incident-bot restore <file>`: a backup into the bot's store (DATABASE_URL, else DATA_DIR), which
 * must be empty; with the bot stopped. An older backup is migrated to this version's schema.
 */
export const restoreCliCommand: CliCommand = {
  name: ['restore'],
  usage: 'restore <file>',
  summary: "restore a backup into an empty store (DATABASE_URL, else DATA_DIR), with the bot stopped; an older backup is brought up to this version's schema",
  async run(args, io) {
    const { positionals } = parseFlags({ args, allowPositionals: true, options: {} });
    if (positionals.length !== 1) throw new UsageError('Give the backup file to restore, e.g. incident-bot restore backups/bot-2026-12-04.backup.gz');
    const file = positionals[0]!;
    const config = loadConfig(io.env);
    const where = config.DATABASE_URL ? `PostgreSQL at ${describeTarget(config.DATABASE_URL)} (DATABASE_URL)` : `embedded storage in ${config.DATA_DIR} (DATA_DIR)`;
    const started = performance.now();
    // The whole file is checked before the store is even opened: a mistyped name or a damaged
    // file leaves no trace, not even a new empty store in DATA_DIR.
    let checked;
    try {
      checked = await readBackupFile(file);
    } catch (error) {
      if (!(error instanceof StorageCopyError)) throw error;
      io.err(`${error.message}\nNothing was restored.`);
      return 1;
    }
    const opened = await openStoreUnlessHeld(config);
    if ('held' in opened) {
      io.err(`${opened.held}\nA restore goes into an empty store that no bot is using: give this command a new DATA_DIR (then start the bot on it), or stop the bot and move its folder aside first.`);
      return 1;
    }
    const { database } = opened;
    try {
      const restored = await restoreStore(file, database, { checked });
      const { header } = restored.backup;
      io.out(
        [
          `Restored ${restored.backup.rows} row(s) from ${file} (${megabytes(restored.backup.bytes)}, taken ${header.createdAt} from ${header.from === 'pglite' ? 'embedded storage' : 'PostgreSQL'}) into ${where} ` +
            `in ${((performance.now() - started) / 1000).toFixed(1)} s; every table matches the backup's checksums.`,
          ...(restored.upgradedThrough.length ? [`The backup was from an older version; ${restored.upgradedThrough.length} migration(s) brought it up to date: ${restored.upgradedThrough.join(', ')}.`] : []),
          ...tableLines(restored.backup.sums),
          ...tokenAdvice(missingTokenFiles(config), config.DATA_DIR),
          `Start the bot (npm start) with ${config.DATABASE_URL ? 'this DATABASE_URL' : `DATA_DIR=${config.DATA_DIR}`} to carry on from it.`,
        ].join('\n'),
      );
      return 0;
    } catch (error) {
      const failure = plainFailure(error);
      if (failure === undefined) throw error;
      io.err(`${failure}\nNothing was restored; ${where} holds no rows from it.`);
      return 1;
    } finally {
      await database.close();
    }
  },
};

import { UsageError, type CliCommand } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { loadConfig } from '../config.js';
import { openStorage } from '../db/open-storage.js';
import { createLogger } from '../logging.js';
import { moveStore } from './move-store.js';
import { embeddedStoreExists, openStoreUnlessHeld, plainFailure, tableLines, withoutPassword } from './storage-cli-io.js';
import { StartupError } from '../startup-error.js';
import { StorageCopyError } from './storage-copy-error.js';

const USAGE = 'move-storage --to <postgresql://user:password@host:5432/database>';

/**
 * `incident-bot move-storage --to postgresql://…`: the embedded store (DATA_DIR) copied into an
 * empty PostgreSQL database, checked table by table, with the bot stopped (what it took during a
 * move would be left behind). The embedded store is left as it was.
 */
export const moveStorageCliCommand: CliCommand = {
  name: ['move-storage'],
  usage: USAGE,
  summary: 'copy the embedded store (DATA_DIR) into an empty PostgreSQL database, checked table by table, and say what to change',
  async run(args, io) {
    const { values, positionals } = parseFlags({ args, allowPositionals: true, options: { to: { type: 'string' } } });
    if (positionals.length) throw new UsageError(`Unexpected ${JSON.stringify(positionals[0])}: give the target with --to`);
    const to = values.to;
    if (!to) throw new UsageError('Give the PostgreSQL database to move to with --to, e.g. --to postgresql://bot:secret@db.internal:5432/incident_bot');
    if (!/^postgres(ql)?:\/\//.test(to)) throw new UsageError('--to must be a postgresql:// URL, such as postgresql://bot@db.internal:5432/incident_bot (give the password in PGPASSWORD or ~/.pgpass to keep it out of the process list)');
    const config = loadConfig(io.env);
    if (config.DATABASE_URL) {
      io.err(`This bot already uses PostgreSQL (DATABASE_URL is set), not embedded storage: there is nothing to move. To copy one PostgreSQL database into another, use pg_dump, or incident-bot backup and restore.`);
      return 1;
    }
    if (!embeddedStoreExists(config)) {
      io.err(`There is no embedded store in DATA_DIR (${config.DATA_DIR}) to move. Run this where the bot keeps its DATA_DIR, with the same settings (.env).`);
      return 1;
    }
    const opened = await openStoreUnlessHeld(config);
    if ('held' in opened) {
      io.err(`${opened.held}\nStop the bot before moving its store: alerts it took during the move would be left behind.`);
      return 1;
    }
    const source = opened.database;
    const started = performance.now();
    try {
      const target = await openStorage({ databaseUrl: to, dataDir: config.DATA_DIR, connectTimeoutMs: 10_000 }, createLogger('silent'));
      try {
        const moved = await moveStore(source, target);
        io.out(
          [
            `Moved ${moved.rows} row(s) in ${moved.sums.size} tables from ${config.DATA_DIR} to ${withoutPassword(to)} in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
            'Every table has the same rows and checksum in both; ids, incident numbers and sequences go on where they were.',
            ...tableLines(moved.sums, '  ok'),
            '',
            'Now:',
            `  1. Set DATABASE_URL=${withoutPassword(to)} in the bot's settings (.env or its environment), with the real password.`,
            '  2. Start the bot (npm start). It uses PostgreSQL from then on, and you can run more than one replica.',
            `  3. Keep ${config.DATA_DIR} until you are happy with the move; the bot no longer reads its pglite folder (its token files, webhook-token, api-token and api-write-token, stay in use: keep DATA_DIR set, or set WEBHOOK_TOKEN, API_TOKEN and API_WRITE_TOKEN to them).`,
          ].join('\n'),
        );
        return 0;
      } finally {
        await target.close();
      }
    } catch (error) {
      if (error instanceof StartupError && error.code === 'database_unreachable') {
        io.err(error.message.replace('(DATABASE_URL)', '(--to)'));
        return 1;
      }
      const failure = plainFailure(error);
      if (failure === undefined) throw error;
      io.err(error instanceof StorageCopyError ? failure : `${failure}\nThe move was rolled back: the target database holds no rows from this store.`);
      return 1;
    } finally {
      await source.close();
    }
  },
};

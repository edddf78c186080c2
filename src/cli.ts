import { ConfigError, loadConfig, type Config } from './config.js';
import { migrate } from './db/migrator.js';
import { openStorage } from './db/open-storage.js';
import { createLogger } from './logging.js';
import { startBot } from './main.js';
import { StartupError } from './startup-error.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

const USAGE = `Usage: incident-bot <command>

Commands:
  start      run the bot (HTTP server, chat adapters, job engine)
  migrate    apply pending database migrations and exit
  help       show this text

Settings come from environment variables; see .env.example.`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  start: async () => {
    const config = readConfig();
    const bot = await startBot(config);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      bot.log.info({ signal }, 'shutting down');
      const deadline = setTimeout(() => {
        bot.log.error('shutdown took longer than 10 s; exiting anyway');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      bot.close().then(
        () => process.exit(0),
        (error: Error) => {
          bot.log.error({ err: error }, 'error while shutting down');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    return new Promise<number>(() => {});
  },
  migrate: async () => {
    const config = readConfig();
    const log = createLogger(config.LOG_LEVEL);
    const database = await openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }, log);
    try {
      const { applied, alreadyApplied } = await migrate(database);
      console.log(
        applied.length
          ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
          : `Database is up to date (${alreadyApplied.length} migration(s) applied).`,
      );
      return 0;
    } finally {
      await database.close();
    }
  },
  help: async () => {
    console.log(USAGE);
    return 0;
  },
};

function readConfig(): Config {
  return loadConfig(process.env);
}

export async function runCli(argv: string[]): Promise<number> {
  const [name = 'help', ...rest] = argv;
  const command = commands[name === '--help' || name === '-h' ? 'help' : name];
  if (!command) {
    console.error(`Unknown command "${name}".\n\n${USAGE}`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

import { openIncidentLookup } from './alerts/open-incident-lookups.js';
import { simulateCommand } from './alerts/simulate-cli-command.js';
import type { CliCommand, CliIo } from './cli-command.js';
import { runCommand } from './cli-command.js';
import { ConfigError, loadConfig, withoutBlankValues } from './config.js';
import { configFileLimitsFrom } from './config-files/config-file-limits.js';
import { envFileLogLine, readEnvFileInto, withSource, type EnvFileReading } from './env-file.js';
import { migrate } from './db/migrator.js';
import { openStorage } from './db/open-storage.js';
import { createLogger, secretValuesOf } from './logging.js';
import { startBot } from './main.js';
import { oncallCheckCommand } from './oncall/oncall-check-cli-command.js';
import { loadPlaybookDirectory } from './playbooks/playbook-library.js';
import { choosePlaybook } from './playbooks/playbook-matcher.js';
import { playbooksLintCommand } from './playbooks/playbooks-lint-cli-command.js';
import { oncallCliCommands } from './oncall/oncall-cli-command.js';
import { storedHeartbeatsReader, storedOverridesReader, storedVerificationsReader } from './oncall/oncall-cli-stored-reads.js';
import { heartbeatsCliCommand } from './heartbeats/heartbeats-cli-command.js';
import { webLinkCliCommand } from './web/web-link-cli-command.js';
import { reportCliCommand } from './reports/report-cli-command.js';
import { contactCliCommands } from './paging/contact-cli-command.js';
import { storedToken } from './http/access-tokens.js';
import { noteIfBotUsesOtherStorage } from './storage/other-storage-note.js';
import { maintenanceCliCommand } from './maintenance/maintenance-cli-command.js';
import { loadOncallFile, OncallFileError } from './oncall/oncall-file.js';
import { StartupError } from './startup-error.js';
import cluster from 'node:cluster';
import { reportReady, superviseBotProcesses } from './scale/bot-processes.js';
import { auditCliCommand } from './access/audit-cli-command.js';
import { incidentCliCommand } from './incidents/incident-cli-command.js';
import { exportCliCommand } from './incidents/export-cli-command.js';
import { importCliCommand } from './importers/import-cli-command.js';
import { overrideCliCommands } from './oncall/override-cli-command.js';
import { backupCliCommand } from './storage/backup-cli-command.js';
import { restoreCliCommand } from './storage/restore-cli-command.js';
import { moveStorageCliCommand } from './storage/move-storage-cli-command.js';
import { purgeCliCommand } from './retention/purge-cli-command.js';

const SHUTDOWN_DEADLINE_MS = 10_000;

const startCommand: CliCommand = {
  name: ['start'],
  usage: 'start',
  summary: 'run the bot (HTTP server, chat adapters, job engine)',
  async run(_args, io) {
    const config = loadConfig(io.env);
    const log = createLogger(config.LOG_LEVEL, undefined, { secrets: secretValuesOf(config) });
    if (io.envFile) {
      const line = envFileLogLine(io.envFile);
      log.info(line.fields, line.message);
    }
    if (config.PROCESSES > 1 && cluster.isPrimary) return superviseBotProcesses(config.PROCESSES, log);
    const bot = await startBot(config, { log: cluster.isWorker ? log.child({ process: cluster.worker!.id }) : log });
    reportReady();
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
    process.on('SIGHUP', () => void bot.reload());
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    return new Promise<number>(() => {});
  },
};

const migrateCommand: CliCommand = {
  name: ['migrate'],
  usage: 'migrate',
  summary: 'apply pending database migrations and exit',
  async run(_args, io) {
    const config = loadConfig(io.env);
    const database = await openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR }, createLogger(config.LOG_LEVEL, undefined, { secrets: secretValuesOf(config) }));
    try {
      const { applied, alreadyApplied } = await migrate(database);
      io.out(
        applied.length
          ? `Applied ${applied.length} migration(s): ${applied.join(', ')}`
          : `Database is up to date (${alreadyApplied.length} migration(s) applied).`,
      );
      return 0;
    } finally {
      await database.close();
    }
  },
};

async function loadOncall(io: CliIo) {
  try {
    return loadOncallFile(io.env.ONCALL_FILE ?? './oncall.yaml', configFileLimitsFrom(io.env)).config;
  } catch (error) {
    if (error instanceof OncallFileError) throw new StartupError('config_invalid', error.message);
    throw error;
  }
}

const simulate = simulateCommand({
  loadOncall,
  async choosePlaybook(alert, decision, io) {
    const { playbooks } = loadPlaybookDirectory(io.env.PLAYBOOKS_DIR ?? './playbooks', configFileLimitsFrom(io.env));
    const choice = choosePlaybook(playbooks, { title: alert.title, severity: decision.severity, service: decision.service, labels: alert.labels }, decision.playbook);
    return choice ? { id: choice.playbook.definition.id, why: choice.why } : undefined;
  },
  webhookToken(io) {
    const config = loadConfig(io.env);
    return config.WEBHOOK_TOKEN ?? storedToken('WEBHOOK_TOKEN', config.DATA_DIR);
  },
  openLookup: openIncidentLookup,
});

/** The bot's database, migrated, for commands that read it while the bot runs or not. */
async function openMigratedStorage(io: CliIo) {
  const config = loadConfig(io.env);
  const database = await openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, connectTimeoutMs: 5_000 }, createLogger('silent'));
  await noteIfBotUsesOtherStorage(io, config);
  try {
    await migrate(database);
  } catch (error) {
    await database.close();
    throw new StartupError('migration_failed', (error as Error).message);
  }
  return { prisma: database.prisma, close: () => database.close() };
}

const commands: CliCommand[] = [
  startCommand,
  migrateCommand,
  simulate,
  oncallCheckCommand,
  ...oncallCliCommands(loadOncall, storedOverridesReader(openMigratedStorage), storedVerificationsReader(openMigratedStorage)),
  heartbeatsCliCommand(loadOncall, storedHeartbeatsReader(openMigratedStorage)),
  maintenanceCliCommand(loadOncall),
  webLinkCliCommand,
  reportCliCommand,
  ...contactCliCommands(),
  playbooksLintCommand,
  auditCliCommand(openMigratedStorage),
  incidentCliCommand,
  exportCliCommand(openMigratedStorage),
  importCliCommand,
  ...overrideCliCommands(),
  backupCliCommand(),
  restoreCliCommand,
  moveStorageCliCommand,
  purgeCliCommand(),
];

function usage(): string {
  return [
    'Usage: incident-bot <command>',
    '',
    'Commands:',
    ...[...commands, { usage: 'help', summary: 'show this text' }].flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    'Settings come from environment variables and from .env in the working directory (or the file',
    'ENV_FILE names), the environment winning; an empty value means unset. See .env.example.',
  ].join('\n');
}

/** The command whose name words match the start of argv, the longest first. */
function findCommand(argv: string[]): { command: CliCommand; args: string[] } | undefined {
  const candidates = commands
    .filter((command) => command.name.every((word, index) => argv[index] === word))
    .sort((a, b) => b.name.length - a.name.length);
  const command = candidates[0];
  return command ? { command, args: argv.slice(command.name.length) } : undefined;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || ['help', '--help', '-h'].includes(argv[0]!)) {
    io.out(usage());
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.err(`Unknown command "${argv.join(' ')}".\n\n${usage()}`);
    return 2;
  }
  let envFile: EnvFileReading | undefined;
  try {
    const read = readEnvFileInto(io.env, process.cwd());
    envFile = read.reading;
    return await runCommand(found.command, found.args, { ...io, env: withoutBlankValues(read.env), envFile });
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(new ConfigError(error.problems.map((problem) => withSource(problem, envFile))).message);
      return 1;
    }
    if (error instanceof StartupError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}

const io: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line), env: process.env };
runCli(process.argv.slice(2), io).then(
  // `start` never resolves: the bot runs until a signal stops it.
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { migrate } from './db/migrator.js';
import { openStorage } from './db/open-storage.js';
import { webhookRoutes } from './alerts/webhook-routes.js';
import { jobBacklog } from './engine/job-store.js';
import { JobWorker } from './engine/job-worker.js';
import type { JobHandler } from './engine/job.js';
import { healthRoutes } from './http/health-routes.js';
import { resolveAccessTokens } from './http/access-tokens.js';
import type { ApiTokens } from './http/api-auth.js';
import { botAddress } from './http/bot-address.js';
import { firstRunBanner } from './http/first-run-banner.js';
import { AlertIntake } from './incidents/alert-intake.js';
import { incidentApiRoutes } from './incidents/incident-api-routes.js';
import { incidentWriteRoutes } from './incidents/incident-write-routes.js';
import { commanderReminderEffects } from './delivery/reminders.js';
import { Delivery } from './delivery/delivery.js';
import { deliveryJobHandlers } from './delivery/delivery-jobs.js';
import type { ChatPort } from './chat/chat-port.js';
import type { CommandHandlers } from './chat/commands/command-dispatch.js';
import { incidentCommandHandlers } from './chat/incident-command-handlers.js';
import { oncallCommandHandlers } from './chat/oncall-command-handlers.js';
import { IncidentSync } from './delivery/incident-sync.js';
import { PeopleDirectory } from './chat/people-directory.js';
import { emailMatchRecorder } from './chat/identity-link-notice.js';
import { firstDelivery } from './db/processed-requests.js';
// Slack's, Discord's and the chart's libraries are loaded only by the configurations that use
// them: together they cost about 50 MB of resident memory and half a second of start-up.
import type { DiscordApp } from './chat/discord/discord-app.js';
import { AdvisoryLeaderLock } from './chat/discord/leader-lock.js';
import type { SlackApp } from './chat/slack/slack-app.js';
import { combineEffects } from './incidents/incident-effects.js';
import { ESCALATION_STEP_JOB, escalationEffects, escalationStepHandler } from './engine/escalation-jobs.js';
import { DirectorySyncer } from './oncall/directory-syncer.js';
import { levelTargetResolver, overridesFromDatabase } from './oncall/level-target-resolver.js';
import { IncidentService } from './incidents/incident-service.js';
import type { OncallConfig } from './oncall/oncall-config.js';
import { OncallFileError } from './oncall/oncall-file.js';
import { findGaps } from './oncall/oncall-queries.js';
import { overridesBetween } from './oncall/stored-overrides.js';
import { OncallStore } from './oncall/oncall-store.js';
import { formatPlaybookProblem } from './playbooks/playbook-file.js';
import { PlaybookFilesError, PlaybookLibrary } from './playbooks/playbook-library.js';
import { choosePlaybook } from './playbooks/playbook-matcher.js';
import { loadRunView, stepCard } from './playbooks/playbook-messages.js';
import { playbookEffects, PlaybookRunner, PLAYBOOK_START_JOB } from './playbooks/playbook-runner.js';
import { Metrics } from './http/metrics.js';
import { buildHttpServer } from './http/server.js';
import { createLogger, secretValuesOf, type Logger } from './logging.js';
import { AppError } from './errors.js';
import { reportRoutes } from './reports/report-routes.js';
import { weeklyReportPost } from './reports/weekly-report-post.js';
import { scheduleWeeklyReport, WEEKLY_REPORT_JOB, weeklyReportHandler } from './engine/weekly-report-schedule.js';
import { StartupError } from './startup-error.js';
import { AuditLog } from './access/audit-log.js';
import { permissionsOpen } from './access/permissions.js';
import { CommandGateway } from './chat/commands/command-gateway.js';
import { auditRoutes } from './access/audit-routes.js';
import { TokenBuckets } from './abuse/token-buckets.js';

export interface RunningBot {
  readonly url: string;
  readonly port: number;
  readonly database: Database;
  readonly http: FastifyInstance;
  readonly log: Logger;
  readonly incidents: IncidentService;
  readonly intake: AlertIntake;
  readonly worker: JobWorker;
  readonly webhookToken: string;
  /** The /api tokens in use (settings, or generated into DATA_DIR). */
  readonly apiTokens: ApiTokens;
  /** Re-reads oncall.yaml (SIGHUP); keeps the last good version if the file is broken. */
  reload(): Promise<void>;
  /** Stops accepting requests, lets in-flight ones finish, then closes the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** How long to wait for an unreachable PostgreSQL (30 s by default). */
  connectTimeoutMs?: number;
  host?: string;
  /** Job worker polling interval (tests use short ones). */
  jobPollMs?: number;
}

/** The composition root: config -> database -> HTTP -> adapters -> engine. */
export async function startBot(config: Config, options: StartOptions = {}): Promise<RunningBot> {
  // The default path missing means "not configured yet"; a path someone chose must be there.
  if (config.oncallFileSet && !existsSync(config.ONCALL_FILE)) {
    throw new StartupError('config_invalid', `ONCALL_FILE: ${config.ONCALL_FILE} does not exist (create it, fix the path, or unset ONCALL_FILE to start with no on-call configuration)`);
  }
  const log = options.log ?? createLogger(config.LOG_LEVEL, undefined, { secrets: secretValuesOf(config) });
  const database = await openStorage(
    { databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, connectTimeoutMs: options.connectTimeoutMs },
    log,
  );
  const resources: { close(): Promise<void> }[] = [database];
  try {
    const { applied } = await migrate(database).catch((error: Error) => {
      throw new StartupError('migration_failed', error.message);
    });
    if (applied.length > 0) log.info({ applied }, 'database migrations applied');

    const metrics = new Metrics({ processMetrics: true });
    let oncallStore: OncallStore;
    try {
      oncallStore = OncallStore.open(config.ONCALL_FILE, log, { maxBytes: config.CONFIG_MAX_BYTES });
    } catch (error) {
      if (error instanceof OncallFileError) throw new StartupError('config_invalid', `${error.message}\n(ONCALL_FILE=${config.ONCALL_FILE})`);
      throw error;
    }
    resources.unshift({ close: async () => oncallStore.close() });
    const oncall = (): OncallConfig => oncallStore.config;
    const effects = combineEffects(escalationEffects, commanderReminderEffects, playbookEffects);
    const ports: ChatPort[] = [];
    const people = new PeopleDirectory(database.prisma, {});
    const handlers = new Map<string, JobHandler>();
    const worker = new JobWorker(database, handlers, log, { pollMs: options.jobPollMs });
    metrics.watchJobBacklog(() => jobBacklog(database.sql));
    const onCommitted = () => worker.wake();
    let playbooks: PlaybookLibrary;
    try {
      playbooks = PlaybookLibrary.open(config.PLAYBOOKS_DIR, log, { maxBytes: config.CONFIG_MAX_BYTES });
    } catch (error) {
      if (error instanceof PlaybookFilesError) throw new StartupError('config_invalid', `${error.message}\n(PLAYBOOKS_DIR=${config.PLAYBOOKS_DIR})`);
      throw error;
    }
    playbooks.watch();
    resources.unshift({ close: async () => playbooks.close() });
    const intake = new AlertIntake({
      database,
      oncall,
      effects,
      reopenWindowMs: config.REOPEN_WINDOW,
      storeRawAlerts: config.STORE_RAW_ALERTS,
      redactPii: config.REDACT_PII,
      onCommitted,
      choosePlaybook: ({ alert, decision }) => {
        // The run starts after the commit (playbook.start); this only records the choice.
        const choice = choosePlaybook(playbooks.all(), { title: alert.title, severity: decision.severity, service: decision.service, labels: alert.labels }, decision.playbook);
        return choice ? { id: choice.playbook.definition.id, private: choice.playbook.definition.private } : undefined;
      },
    });
    const incidents = new IncidentService(database, effects, { onCommitted });
    const runner = new PlaybookRunner(database, playbooks, { onCommitted });
    const stepCardOf = async (incidentId: number) => {
      const view = await loadRunView(database.prisma, incidentId);
      return view ? stepCard(view) : undefined;
    };
    const commandHandlers: CommandHandlers = {
      ...oncallCommandHandlers({ database, oncall, people, onCommitted }),
      ...incidentCommandHandlers({
      prisma: database.prisma,
      database,
      reportTimeZone: config.REPORT_TIMEZONE,
      incidents,
      people,
      oncall,
      playbooks: { card: stepCardOf, act: (id, action, actor, expected) => runner.act(id, action, actor, expected) },
      brokenPlaybooks: () => playbooks.problems().map(formatPlaybookProblem),
      uploadFile: async (platform, channelId, file) => {
        const port = ports.find((p) => p.platform === platform);
        if (!port) throw new AppError('unavailable', `No ${platform} connection to upload to`);
        await port.uploadFile(channelId, file).catch((error: unknown) => {
          log.error({ err: error, platform }, 'postmortem upload failed');
          throw new AppError('unavailable', `${platform} did not take the file; the draft is at /api/incidents/<number>/postmortem.md`);
        });
      },
      tellPrivately: async (platform, userId, message) => {
        const port = ports.find((p) => p.platform === platform);
        await port?.sendDirectMessage(userId, message).catch((error: Error) => log.warn({ err: error, platform }, 'could not send a direct message'));
      },
      }),
    };
    const audit = new AuditLog(database.prisma, log);
    people.onEmailMatch(emailMatchRecorder({ audit, sql: database.sql, log, onEnqueued: onCommitted }));
    const limiter = config.COMMAND_RATE_LIMIT === 'off' ? undefined : new TokenBuckets(config.COMMAND_RATE_LIMIT);
    const commands = new CommandGateway({ handlers: commandHandlers, prisma: database.prisma, people, oncall, audit, log, limiter });
    if (permissionsOpen(oncall())) log.warn('oncall.yaml lists nobody: every chat user may run every command until people are added');
    const chatRoutes = [];
    let slack: SlackApp | undefined;
    if (config.slackEnabled) {
      const { SlackApp } = await import('./chat/slack/slack-app.js');
      slack = new SlackApp({
        botToken: config.SLACK_BOT_TOKEN!,
        signingSecret: config.SLACK_SIGNING_SECRET,
        appToken: config.SLACK_APP_TOKEN,
        apiUrl: config.SLACK_API_URL,
        prisma: database.prisma,
        log,
        commands,
        audit,
        firstDelivery: (key, keep) => firstDelivery(database.sql, key, keep),
      });
      ports.push(slack.port);
      people.register(slack.port);
      chatRoutes.push(...slack.routes());
    }
    let discord: DiscordApp | undefined;
    if (config.discordEnabled) {
      const { DiscordApp } = await import('./chat/discord/discord-app.js');
      discord = new DiscordApp({
        token: config.DISCORD_BOT_TOKEN!,
        applicationId: config.DISCORD_APPLICATION_ID!,
        guildId: config.DISCORD_GUILD_ID!,
        apiUrl: config.DISCORD_API_URL,
        prisma: database.prisma,
        log,
        commands,
        leader: new AdvisoryLeaderLock(database, log),
        firstDelivery: (key, keep) => firstDelivery(database.sql, key, keep),
      });
      ports.push(discord.port);
      people.register(discord.port);
    }
    const delivery = new Delivery({ prisma: database.prisma, ports });
    const sync = new IncidentSync({ prisma: database.prisma, delivery, log, incidentsChannel: config.INCIDENTS_CHANNEL, publicUrl: config.PUBLIC_URL, stepCard: stepCardOf });
    handlers.set(PLAYBOOK_START_JOB, runner.startHandler());
    handlers.set(WEEKLY_REPORT_JOB, weeklyReportHandler({ database, cron: config.REPORT_CRON, timeZone: config.REPORT_TIMEZONE }));
    if (config.REPORT_CHANNEL) await scheduleWeeklyReport(database, config.REPORT_CRON, config.REPORT_TIMEZONE, new Date());
    const sending = deliveryJobHandlers({
      database,
      delivery,
      sync,
      log,
      reportChannel: config.REPORT_CHANNEL,
      renderReport: weeklyReportPost({ database, oncall, timeZone: config.REPORT_TIMEZONE }),
      playbookReminder: (payload) => runner.reminder(payload),
    });
    for (const [kind, handler] of sending) handlers.set(kind, handler);
    handlers.set(ESCALATION_STEP_JOB, escalationStepHandler({ database, resolveTargets: levelTargetResolver(oncall, overridesFromDatabase), onCommitted }));
    // A sync that fails is retried in the background: the bot still starts, and a reload still takes effect for routes and roles.
    const directory = new DirectorySyncer(database.prisma, log);
    resources.unshift({ close: () => directory.close() });
    await directory.sync(oncall());
    oncallStore.onChange(async (next) => {
      await directory.sync(next);
      await reportGaps(next, database, log);
    });
    oncallStore.onReload((outcome) =>
      audit.record({
        actorName: 'incident-bot',
        platform: 'system',
        action: 'config.reload',
        args: { file: outcome.file, reason: outcome.reason },
        result: outcome.ok ? 'ok' : outcome.unreadable ? 'failed' : 'invalid',
        detail: outcome.ok ? undefined : `kept the last good version: ${outcome.problems.slice(0, 5).join('; ')}`,
      }),
    );
    oncallStore.watch();
    playbooks.onReload((outcome) =>
      void audit.record({
        actorName: 'incident-bot',
        platform: 'system',
        action: 'playbooks.reload',
        args: { dir: outcome.dir, reason: outcome.reason, playbooks: outcome.playbooks },
        result: outcome.problems.length ? 'invalid' : 'ok',
        detail: outcome.problems.length ? `skipped: ${outcome.problems.slice(0, 5).join('; ')}` : undefined,
      }),
    );
    const tokens = resolveAccessTokens(config, config.DATA_DIR);
    const apiTokens: ApiTokens = { read: tokens.API_TOKEN.token, write: tokens.API_WRITE_TOKEN.token };
    const ownTokens = Object.values(tokens).filter((token) => token.file).map((token) => token.setting);
    if (config.storage === 'postgres' && ownTokens.length > 0) {
      log.warn({ settings: ownTokens }, `${ownTokens.join(', ')} not set: this replica uses its own from DATA_DIR. Set them when running several replicas.`);
    }

    const http = await buildHttpServer({
      log,
      metrics,
      trustProxy: config.TRUST_PROXY,
      routes: [
        healthRoutes(database, metrics),
        webhookRoutes({
          intake,
          webhookToken: tokens.WEBHOOK_TOKEN.token,
          oncall,
          metrics,
          log,
          rateLimits: { perToken: config.WEBHOOK_RATE_LIMIT, perAddress: config.WEBHOOK_RATE_LIMIT_PER_ADDRESS },
        }),
        incidentApiRoutes(database.prisma, apiTokens, audit),
        incidentWriteRoutes({ prisma: database.prisma, incidents, oncall, audit, tokens: apiTokens }),
        reportRoutes(database.sql, apiTokens, config.REPORT_TIMEZONE, audit),
        auditRoutes(database.prisma, apiTokens, audit),
        ...chatRoutes,
      ],
    });
    resources.unshift({ close: () => worker.stop() });
    resources.unshift({ close: () => intake.drain() });
    resources.unshift({ close: () => http.close() });
    await listen(http, config.PORT, options.host ?? '0.0.0.0');
    if (slack) {
      await slack.start();
      resources.unshift({ close: () => slack.stop() });
    }
    if (discord) {
      await discord.start();
      resources.unshift({ close: () => discord.stop() });
    }
    worker.start();
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    if (!config.slackEnabled && !config.discordEnabled) {
      log.info('no chat platform is configured: alerts are ingested and recorded, nobody is paged in chat');
    }
    log.info({ port, storage: config.storage }, 'incident bot ready');
    // The 14-day gap scan only warns (and reads the database for overrides): it runs once the
    // bot serves, so it never holds back readiness or the first alerts.
    void reportGaps(oncall(), database, log).catch((error: Error) => log.error({ err: error }, 'could not check the schedules for gaps'));
    const banner = firstRunBanner(tokens, botAddress(port, config.PUBLIC_URL), config.DATA_DIR);
    if (banner && config.LOG_LEVEL !== 'silent') process.stdout.write(banner + '\n');
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      database,
      http,
      log,
      incidents,
      intake,
      worker,
      webhookToken: tokens.WEBHOOK_TOKEN.token,
      apiTokens,
      reload: async () => {
        await oncallStore.reload('SIGHUP');
        playbooks.reload('SIGHUP');
      },
      close: () => closeAll(resources),
    };
  } catch (error) {
    await closeAll(resources).catch(() => {});
    throw error;
  }
}

/**
 * Nobody on call is the failure this bot exists to prevent: say so loudly, at start and on each
 * reload. One schedule per turn of the event loop, so requests are answered in between.
 */
async function reportGaps(config: OncallConfig, database: Database, log: Logger): Promise<void> {
  const from = new Date();
  const to = new Date(from.getTime() + 14 * 86_400_000);
  // A gap someone has already covered from chat is no gap.
  const overrides = await overridesBetween(database.prisma, from, to);
  for (const schedule of Object.values(config.schedules)) {
    await new Promise((resolve) => setImmediate(resolve));
    const gaps = findGaps(schedule, overrides, from, to);
    if (gaps.length) {
      log.warn({ schedule: schedule.key, gaps: gaps.slice(0, 5).map((g) => `${g.start.toISOString()} - ${g.end.toISOString()}`), count: gaps.length }, 'schedule has nobody on call in the next 14 days');
    }
  }
}

async function listen(http: FastifyInstance, port: number, host: string): Promise<void> {
  try {
    await http.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError('port_in_use', `Port ${port} is already in use (PORT). Stop the other process or set PORT to a free port.`);
    }
    if (code === 'EACCES') {
      throw new StartupError('port_in_use', `Not allowed to listen on port ${port} (PORT). Use a port above 1024.`);
    }
    throw error;
  }
}

async function closeAll(resources: { close(): Promise<void> }[]): Promise<void> {
  for (const resource of resources) await resource.close();
}

import { AuditLog } from './access/audit-log.js';
import { botJobHandlers } from './bot-job-handlers.js';
import { escalationEffects } from './engine/escalation-jobs.js';
import { scheduleWeeklyReport } from './engine/weekly-report-schedule.js';
import { scheduleRetentionPurge } from './retention/retention-job.js';
import { contactPorts } from './paging/paging.js';
import { runningWindows } from './maintenance/maintenance-store.js';
import { syncRecurringMaintenance } from './maintenance/recurring-maintenance.js';
import type { OncallConfig } from './oncall/oncall-config.js';
import { auditConfigReloads } from './access/config-reload-audit.js';
import { permissionsOpen } from './access/permissions.js';
import { createChatAdapters } from './chat/chat-adapter.js';
import { chatCommands } from './chat/chat-commands.js';
import type { ChatPort } from './chat/chat-port.js';
import { emailMatchRecorder } from './chat/identity-link-notice.js';
import { PeopleDirectory } from './chat/people-directory.js';
import { checkOncallFileExists, openOncallStore, openPlaybooks } from './config-files/open-config-files.js';
import type { Config } from './config.js';
import { migrate } from './db/migrator.js';
import { openStorage } from './db/open-storage.js';
import { Delivery } from './delivery/delivery.js';
import { IncidentSync } from './delivery/incident-sync.js';
import { chatSyncEffects } from './delivery/chat-sync-effects.js';
import { commanderReminderEffects } from './delivery/reminders.js';
import { HeartbeatMonitor } from './heartbeats/heartbeat-monitor.js';
import { jobBacklog } from './engine/job-store.js';
import { JobWorker } from './engine/job-worker.js';
import type { JobHandler } from './engine/job.js';
import { accessTokens } from './http/access-tokens.js';
import { botAddress } from './http/bot-address.js';
import { botRoutes } from './http/bot-routes.js';
import { firstRunBanner } from './http/first-run-banner.js';
import { listen } from './http/listen.js';
import { Metrics } from './http/metrics.js';
import { buildHttpServer } from './http/server.js';
import { AlertIntake } from './incidents/alert-intake.js';
import { combineEffects } from './incidents/incident-effects.js';
import { IncidentService } from './incidents/incident-service.js';
import { createLogger, secretValuesOf } from './logging.js';
import { DirectorySyncer } from './oncall/directory-syncer.js';
import { reportGaps } from './oncall/report-gaps.js';
import { scheduleGapScan } from './oncall/gap-warning-jobs.js';
import { scheduleShiftNotices } from './oncall/shift-notice-jobs.js';
import { choosePlaybook } from './playbooks/playbook-matcher.js';
import { loadRunView, stepCard } from './playbooks/playbook-messages.js';
import { playbookEffects, PlaybookRunner } from './playbooks/playbook-runner.js';
import type { RunningBot, StartOptions } from './running-bot.js';
import { clusterMetricsOf } from './scale/cluster-metrics.js';
import { StartupError } from './startup-error.js';
import { systemClock } from './time/clock.js';

export type { RunningBot, StartOptions } from './running-bot.js';

/** The composition root: config -> database -> features -> chat adapters -> HTTP -> engine. */
export async function startBot(config: Config, options: StartOptions = {}): Promise<RunningBot> {
  checkOncallFileExists(config);
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger(config.LOG_LEVEL, undefined, { secrets: secretValuesOf(config) });
  const database = await openStorage({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, connectTimeoutMs: options.connectTimeoutMs }, log);
  const resources: { close(): Promise<void> }[] = [database];
  const closeAll = async () => { for (const resource of resources) await resource.close(); };
  try {
    const { applied } = await migrate(database).catch((error: Error) => { throw new StartupError('migration_failed', error.message); });
    if (applied.length > 0) log.info({ applied }, 'database migrations applied');
    const oncallStore = openOncallStore(config, log);
    resources.unshift({ close: async () => oncallStore.close() });
    const oncall = () => oncallStore.config;
    const playbooks = openPlaybooks(config, log);
    playbooks.watch();
    resources.unshift({ close: async () => playbooks.close() });

    const handlers = new Map<string, JobHandler>();
    const worker = new JobWorker(database, handlers, log, { pollMs: options.jobPollMs });
    const onCommitted = () => worker.wake();
    const ports: ChatPort[] = [];
    const effects = combineEffects(escalationEffects, commanderReminderEffects, playbookEffects(playbooks, clock), chatSyncEffects(() => ports.length > 0));
    const intake = new AlertIntake({
      database, oncall, effects, onCommitted, clock,
      reopenWindowMs: config.REOPEN_WINDOW, storeRawAlerts: config.STORE_RAW_ALERTS, redactPii: config.REDACT_PII, flap: config.FLAP_DETECTION,
      beat: (name): Promise<boolean> => heartbeats.beat(name), maintenanceWindows: (at) => runningWindows(database.sql, at),
      // The choice is recorded on the incident; its run starts in the same transaction (playbookEffects).
      choosePlaybook: ({ alert, decision }) => {
        const choice = choosePlaybook(playbooks.all(), { title: alert.title, severity: decision.severity, service: decision.service, labels: alert.labels }, decision.playbook);
        return choice ? { id: choice.playbook.definition.id, private: choice.playbook.definition.private } : undefined;
      },
    });
    const incidents = new IncidentService(database, effects, { onCommitted, clock });
    const heartbeats = new HeartbeatMonitor({ database, intake, incidents, oncall, clock, onCommitted });
    const runner = new PlaybookRunner(database, playbooks, { onCommitted, clock });
    const stepCardOf = async (incidentId: number) => { const view = await loadRunView(database.prisma, incidentId); return view ? stepCard(view) : undefined; };

    const contacts = contactPorts(config, clock, log);
    resources.unshift({ close: async () => contacts.forEach((port) => port.close?.()) });
    const delivery = new Delivery({ prisma: database.prisma, ports, contacts, clock });
    const people = new PeopleDirectory(database.prisma, {});
    const audit = new AuditLog(database.prisma, log);
    people.onEmailMatch(emailMatchRecorder({ audit, sql: database.sql, log, onEnqueued: onCommitted }));
    const commands = chatCommands({ config, database, log, audit, people, oncall, incidents, onCommitted, delivery, stepCard: stepCardOf, runner, playbooks, clock, onWindowsChanged: () => intake.forgetMaintenance() });
    if (permissionsOpen(oncall())) log.warn('oncall.yaml lists nobody: every chat user may run every command until people are added');
    const adapters = await createChatAdapters({ config, database, log, commands, audit, clock });
    for (const adapter of adapters) { ports.push(adapter.port); people.register(adapter.port); }

    const sync = new IncidentSync({ prisma: database.prisma, delivery, log, incidentsChannel: config.INCIDENTS_CHANNEL, publicUrl: config.PUBLIC_URL, stepCard: stepCardOf, clock });
    let publicUrl = botAddress(config.PORT, config.PUBLIC_URL);
    for (const [kind, handler] of botJobHandlers({ config, database, oncall, effects, intake, runner, heartbeats, delivery, sync, publicUrl: () => publicUrl, log, clock, onCommitted })) handlers.set(kind, handler);
    if (config.REPORT_CHANNEL) await scheduleWeeklyReport(database, config.REPORT_CRON, config.REPORT_TIMEZONE, clock.now());
    if (config.GAP_WARNING_DAYS) await scheduleGapScan(database, clock.now());
    await scheduleRetentionPurge(database, config.REPORT_TIMEZONE, clock.now());
    if (config.SHIFT_NOTICES || Object.values(oncall().schedules).some((s) => s.slackUserGroup)) await scheduleShiftNotices(database, clock.now());

    // A sync that fails is retried in the background: the bot still starts, and a reload still takes effect for routes and roles.
    const directory = new DirectorySyncer(database.prisma, log);
    resources.unshift({ close: () => directory.close() });
    await directory.sync(oncall());
    const syncSchedules = async (next: OncallConfig) => { await heartbeats.sync(next); await syncRecurringMaintenance(database, next, clock.now()); };
    await syncSchedules(oncall());
    oncallStore.onChange(async (next) => { await directory.sync(next); await syncSchedules(next); await reportGaps(next, database, log, clock.now()); if (config.GAP_WARNING_DAYS) await scheduleGapScan(database, clock.now()); });
    auditConfigReloads(audit, oncallStore, playbooks);
    oncallStore.watch();

    const { tokens, apiTokens } = accessTokens(config, log);
    const metrics = new Metrics({ processMetrics: true });
    const everyProcess = clusterMetricsOf(metrics.registry);
    if (everyProcess) metrics.gatherWith(everyProcess);
    metrics.watchJobBacklog(() => jobBacklog(database.sql));
    const http = await buildHttpServer({
      log,
      metrics,
      trustProxy: config.TRUST_PROXY,
      routes: [...botRoutes({ config, database, log, metrics, intake, incidents, oncall, audit, tokens, apiTokens, clock, heartbeats, canSend: (via) => Boolean(delivery.contact(via)), onCommitted }), ...adapters.flatMap((adapter) => adapter.routes())],
    });
    // Closed in this order: no new requests, the alerts in flight stored, the running jobs finished.
    resources.unshift({ close: () => http.close() }, { close: () => intake.drain() }, { close: () => worker.stop() });
    await listen(http, config.PORT, options.host ?? '0.0.0.0');
    for (const adapter of adapters) { await adapter.start(); resources.unshift({ close: () => adapter.stop() }); }
    worker.start();
    const address = http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    publicUrl = botAddress(port, config.PUBLIC_URL);
    if (adapters.length === 0) log.info('no chat platform is configured: alerts are ingested and recorded, nobody is paged in chat');
    log.info({ port, storage: config.storage }, 'incident bot ready');
    // The 14-day gap scan only warns (and reads the database for overrides): it runs once the
    // bot serves, so it never holds back readiness or the first alerts.
    void reportGaps(oncall(), database, log, clock.now()).catch((error: Error) => log.error({ err: error }, 'could not check the schedules for gaps'));
    const cliSettings = { ...(port !== 3000 ? { PORT: String(port) } : {}), ...(config.DATA_DIR !== './data' ? { DATA_DIR: config.DATA_DIR } : {}) };
    const banner = firstRunBanner(tokens, botAddress(port, config.PUBLIC_URL), config.DATA_DIR, cliSettings);
    if (banner && config.LOG_LEVEL !== 'silent') process.stdout.write(banner + '\n');
    return {
      url: `http://127.0.0.1:${port}`, port, database, http, log, incidents, intake, worker, webhookToken: tokens.WEBHOOK_TOKEN.token, apiTokens,
      reload: async () => { await oncallStore.reload('SIGHUP'); playbooks.reload('SIGHUP'); },
      close: closeAll,
    };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}

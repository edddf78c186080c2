import { maintenanceRoutes } from '../maintenance/maintenance-routes.js';
import type { HeartbeatMonitor } from '../heartbeats/heartbeat-monitor.js';
import { heartbeatRoutes } from '../heartbeats/heartbeat-routes.js';
import type { AuditLog } from '../access/audit-log.js';
import { auditRoutes } from '../access/audit-routes.js';
import { backupRoutes } from '../storage/backup-routes.js';
import { alertApiRoutes } from '../alerts/alert-api-routes.js';
import { snsTrustFrom } from '../alerts/sns-trust.js';
import { webhookRoutes } from '../alerts/webhook-routes.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { AlertIntake } from '../incidents/alert-intake.js';
import { incidentApiRoutes } from '../incidents/incident-api-routes.js';
import type { IncidentService } from '../incidents/incident-service.js';
import { incidentWriteRoutes } from '../incidents/incident-write-routes.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { overrideRoutes } from '../oncall/override-routes.js';
import { calendarRoutes } from '../calendar/calendar-routes.js';
import { ackRoutes } from '../paging/ack-routes.js';
import { twilioRoutes } from '../paging/sms/twilio-routes.js';
import { botAddress } from './bot-address.js';
import { reportRoutes } from '../reports/report-routes.js';
import { retentionRoutes } from '../retention/retention-routes.js';
import type { AccessTokens } from './access-tokens.js';
import type { ApiTokens } from './api-auth.js';
import { healthRoutes } from './health-routes.js';
import { webConsoleRoutes } from '../web/web-routes.js';
import { webLinkRoutes } from '../web/web-link-routes.js';
import { contactRoutes } from '../paging/contact-routes.js';
import type { VerifiableVia } from '../paging/contact-verification-requests.js';
import type { Metrics } from './metrics.js';
import type { RouteModule } from './server.js';
import type { Clock } from '../time/clock.js';

/** The bot's own routes: health, the webhooks, the read and write API, reports, the audit trail and the web console. */
export function botRoutes(deps: {
  config: Config;
  database: Database;
  log: Logger;
  metrics: Metrics;
  intake: AlertIntake;
  incidents: IncidentService;
  oncall: () => OncallConfig;
  audit: AuditLog;
  tokens: AccessTokens;
  apiTokens: ApiTokens;
  clock: Clock;
  heartbeats?: HeartbeatMonitor;
  /** Whether a provider for a contact method is configured (SMTP_URL for email, ...). */
  canSend?: (via: VerifiableVia) => boolean;
  /** Wakes the job worker after a request queued a job. */
  onCommitted?: () => void;
}): RouteModule[] {
  const { config, database, log, metrics, intake, incidents, oncall, audit, tokens, apiTokens, clock, heartbeats } = deps;
  const rateLimits = { perToken: config.WEBHOOK_RATE_LIMIT, perAddress: config.WEBHOOK_RATE_LIMIT_PER_ADDRESS };
  return [
    healthRoutes(database, metrics),
    webhookRoutes({ intake, database, snsTrust: snsTrustFrom(config), webhookToken: tokens.WEBHOOK_TOKEN.token, oncall, metrics, log, rateLimits, clock, beat: heartbeats && ((name) => heartbeats.beat(name)) }),
    incidentApiRoutes(database.prisma, apiTokens, audit, { changeWindowMs: config.CHANGE_EVENT_WINDOW, clock, redactPii: config.REDACT_PII }),
    alertApiRoutes({ prisma: database.prisma, tokens: apiTokens, reopenWindowMs: config.REOPEN_WINDOW, redactPii: config.REDACT_PII }),
    heartbeatRoutes({ prisma: database.prisma, oncall, tokens: apiTokens }),
    incidentWriteRoutes({ prisma: database.prisma, incidents, oncall, audit, tokens: apiTokens }),
    reportRoutes(database.sql, apiTokens, config.REPORT_TIMEZONE, audit, clock),
    auditRoutes(database.prisma, apiTokens, audit, clock),
    backupRoutes({ database, tokens: apiTokens, audit, clock, log }),
    retentionRoutes({ database, settings: config, tokens: apiTokens, audit, clock }),
    ackRoutes({ database, incidents, audit, publicUrl: () => botAddress(config.PORT, config.PUBLIC_URL) }),
    overrideRoutes({ prisma: database.prisma, oncall, tokens: apiTokens, audit, clock }),
    calendarRoutes({ prisma: database.prisma, oncall, clock, publicUrl: () => botAddress(config.PORT, config.PUBLIC_URL) }),
    maintenanceRoutes({ database, oncall, tokens: apiTokens, audit, clock, onWindowsChanged: () => intake.forgetMaintenance() }),
    contactRoutes({ database, oncall, tokens: apiTokens, audit, clock, canSend: deps.canSend ?? (() => false), ...(deps.onCommitted ? { onCommitted: deps.onCommitted } : {}) }),
    webLinkRoutes({ database, oncall, tokens: apiTokens, audit, clock, publicUrl: () => botAddress(config.PORT, config.PUBLIC_URL) }),
    webConsoleRoutes({
      database, oncall, audit, log, clock, changeWindowMs: config.CHANGE_EVENT_WINDOW, publicUrl: config.PUBLIC_URL, reportTimeZone: config.REPORT_TIMEZONE,
      oidc: config.OIDC_ISSUER && config.OIDC_CLIENT_ID && config.OIDC_CLIENT_SECRET ? { issuer: config.OIDC_ISSUER, clientId: config.OIDC_CLIENT_ID, clientSecret: config.OIDC_CLIENT_SECRET } : undefined,
    }),
    ...(config.TWILIO_AUTH_TOKEN ? [twilioRoutes({ database, authToken: config.TWILIO_AUTH_TOKEN, publicUrl: () => botAddress(config.PORT, config.PUBLIC_URL), clock, log, incidents, oncall, audit })] : []),
  ];
}

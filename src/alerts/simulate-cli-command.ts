import { readFileSync } from 'node:fs';
import { ZodError } from 'zod';
import { UsageError, type CliCommand, type CliIo } from '../cli-command.js';
import { flagValue, parseFlags } from '../cli-flags.js';
import { formatPath } from '../errors.js';
import { oneOf } from '../input-values.js';
import { severityLabel } from '../incidents/incident-rules.js';
import { contentHashOf } from '../incidents/alert-ingestion.js';
import { PayloadSimulation, type SimulatedIncident, type SimulatedOutcome } from './simulated-outcome.js';
import type { StoredAlertFacts } from './stored-alert-facts.js';
import { tokensEqual } from '../http/bearer-auth.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { holdingWindow, windowEnd, type MaintenanceWindow } from '../maintenance/maintenance-window.js';
import { ALERT_SOURCES, type WebhookSource, type NormalizedAlert } from './alert.js';
import { detectSource } from './detect-source.js';
import { normalizeFrom } from './normalize-any.js';
import { routeAlert, type RouteDecision } from './routing.js';
import { systemClock } from '../time/clock.js';

/** What the running bot already holds for an alert: the open incident it would join. */
export interface OpenIncidentLookup {
  openIncidentOfGroup(groupKey: string): Promise<{ id: number; title: string } | undefined>;
  /**
   * What the bot holds of this alert: whether a notification is a repeat, stale, or re-opens its
   * incident; with a routing key's hash, whether the alert came in with that key.
   */
  storedAlert(key: { source: string; fingerprint: string; routingKeyHash?: string }): Promise<StoredAlertFacts | undefined>;
  /** The maintenance windows running now, which would hold a matching alert. */
  runningWindows?(): Promise<MaintenanceWindow[]>;
  /** The running bot's time, once it answered: what the alert is judged against, not this machine's clock. */
  now?(): Date | undefined;
  close(): Promise<void>;
}

export interface SimulateDeps {
  loadOncall(io: CliIo): Promise<OncallConfig>;
  choosePlaybook?(alert: NormalizedAlert, decision: RouteDecision, io: CliIo): Promise<{ id: string; why: string } | undefined>;
  /** The webhook token, which a PagerDuty event may carry as its routing key (it then acts on every alert). */
  webhookToken?(io: CliIo): string | undefined;
  /** Opens the database read-only; throws with a reason when it cannot (the bot holds embedded storage). */
  openLookup?(io: CliIo, options?: { url?: string }): Promise<OpenIncidentLookup>;
}

export function simulateCommand(deps: SimulateDeps): CliCommand {
  return {
    name: ['simulate'],
    usage: `simulate <alert.json> [--source ${ALERT_SOURCES.join('|')}] [--url <bot address>] [--json]`,
    summary: 'show how an alert would be normalized and routed, writing nothing',
    async run(args, io) {
      const { values, positionals } = parseFlags({ args, options: { source: { type: 'string' }, url: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });
      const file = positionals[0];
      if (!file) {
        io.err(`Usage: incident-bot ${this.usage}`);
        return 2;
      }
      const chosenSource = values.source === undefined ? undefined : flagValue('--source', values.source, oneOf(ALERT_SOURCES));
      if (values.url !== undefined && !/^https?:\/\//.test(values.url)) throw new UsageError(`--url must be the bot's http(s) address, such as http://localhost:3000 (got ${JSON.stringify(values.url)})`);
      let body: unknown;
      try {
        body = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        io.err(`${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `not valid JSON (${(error as Error).message})`}`);
        return 1;
      }
      const source: WebhookSource = chosenSource ?? detectSource(body);
      let alerts: NormalizedAlert[];
      try {
        alerts = normalizeFrom(source, body, systemClock.now()).alerts;
      } catch (error) {
        if (!(error instanceof ZodError)) throw error;
        io.err(`${file} is not a valid ${source} payload:`);
        for (const issue of error.issues) io.err(`  ${formatPath(issue.path)}: ${issue.message}`);
        return 1;
      }
      const oncall = await deps.loadOncall(io);
      let lookup: OpenIncidentLookup | undefined;
      let lookupProblem: string | undefined;
      if (deps.openLookup) {
        try {
          lookup = await deps.openLookup(io, values.url === undefined ? {} : { url: values.url });
        } catch (error) {
          lookupProblem = (error as Error).message;
        }
      }
      const opened = lookup;
      try {
        const report = [];
        const windows = lookup?.runningWindows ? await lookup.runningWindows().catch(() => []) : [];
        const now = lookup?.now?.() ?? systemClock.now();
        const keyProblem = routingKeyProblem(alerts, oncall, deps.webhookToken?.(io));
        const ownAlertsOnly = alerts.some((alert) => alert.routingKey !== undefined) && !keyProblem && !isWebhookToken(alerts[0]?.routingKey, deps.webhookToken?.(io));
        const payload = new PayloadSimulation();
        for (const alert of alerts) {
          const decision = routeAlert(alert, oncall);
          const heldBy = holdingWindow(windows, { labels: alert.labels, service: decision.service, team: decision.team }, now);
          const playbook = deps.choosePlaybook ? await deps.choosePlaybook(alert, decision, io) : undefined;
          const held = heldBy ? { id: heldBy.id, until: windowEnd(heldBy).toISOString(), reason: heldBy.reason } : undefined;
          let predicted: SimulatedOutcome | undefined;
          let open: SimulatedIncident | undefined;
          if (keyProblem) {
            predicted = { outcome: 'refused', text: `refused: ${keyProblem}` };
          } else if (lookup) {
            try {
              const routingKeyHash = ownAlertsOnly ? alert.routingKeyHash : undefined;
              const earlier = payload.storedOverride(alert);
              const stored = earlier ? earlier.stored : await lookup.storedAlert({ source: alert.source, fingerprint: alert.fingerprint, ...(routingKeyHash ? { routingKeyHash } : {}) });
              const openOf = async (groupKey: string) => payload.openOfGroup(groupKey) ?? (await lookup!.openIncidentOfGroup(groupKey));
              open = await openOf(decision.groupKey);
              const previousGroup = stored?.incident?.status === 'resolved' ? stored.incident.groupKey : null;
              const previousGroupOpen = previousGroup ? await openOf(previousGroup) : undefined;
              predicted = payload.next(
                { alert, contentHash: contentHashOf(alert), stored, groupOpen: open, previousGroupOpen, heldBy: held, now, ...(decision.heartbeat ? { heartbeat: decision.heartbeat } : {}), ownAlertsOnly },
                decision.groupKey,
              );
            } catch (error) {
              lookupProblem = (error as Error).message;
              lookup = undefined;
            }
          }
          report.push({ alert, decision, playbook, open, checked: predicted !== undefined, ...(held ? { heldBy: held } : {}), ...(predicted ? { outcome: predicted.outcome, effect: predicted.text } : {}) });
        }
        if (values.json) {
          io.out(JSON.stringify({ source, alerts: report, openIncidentCheck: lookupProblem ?? 'ok' }, null, 2));
          return 0;
        }
        io.out(`Source: ${source}${values.source ? '' : ' (detected)'}; ${alerts.length} alert(s)`);
        for (const { alert, decision, playbook, effect } of report) {
          io.out('');
          io.out(`Alert "${alert.title || alert.fingerprint}" [${alert.status}] fingerprint ${alert.fingerprint}`);
          io.out(`  labels:      ${Object.entries(alert.labels).map(([k, v]) => `${k}=${v}`).join(', ') || '(none)'}`);
          io.out(`  route:       ${decision.routeId}${decision.private ? ' (private)' : ''}`);
          io.out(`  team:        ${decision.team ?? '(none)'}`);
          io.out(`  service:     ${decision.service ?? '(none)'}`);
          io.out(`  severity:    ${severityLabel(decision.severity)} (${decision.severityReason})`);
          io.out(`  escalation:  ${decision.escalationPolicy ?? '(none: nobody is paged)'}`);
          io.out(`  playbook:    ${playbook ? `${playbook.id} (${playbook.why})` : (decision.playbook ?? 'default')}`);
          io.out(`  group:       ${decision.groupKey}`);
          io.out(`  incident:    ${effect ?? `unknown (${lookupProblem ?? 'no database'})`}`);
        }
        return 0;
      } finally {
        await opened?.close();
      }
    },
  };
}

function isWebhookToken(key: string | undefined, webhookToken: string | undefined): boolean {
  return key !== undefined && webhookToken !== undefined && tokensEqual(key, webhookToken);
}

/** Why the bot would refuse the payload's routing key (PagerDuty's routing_key), or undefined when it takes it. */
function routingKeyProblem(alerts: readonly NormalizedAlert[], oncall: OncallConfig, webhookToken: string | undefined): string | undefined {
  const key = alerts[0]?.routingKey;
  if (key === undefined || alerts[0]?.source !== 'pagerduty' || isWebhookToken(key, webhookToken) || oncall.routingKeys[key] !== undefined) return undefined;
  return 'its routing_key is neither under pagerduty_routing_keys in oncall.yaml nor the webhook token: the bot answers 400 Invalid routing key and stores nothing (sent with the webhook token in an Authorization header instead, it is taken as if the key were not there)';
}

import type { Database } from '../db/database.js';
import { isDatabaseUnavailable, isRetryableConflict } from '../db/database-errors.js';
import { GroupCommitter } from '../db/group-commit.js';
import { AppError } from '../errors.js';
import type { AlertBatch, NormalizedAlert } from '../alerts/alert.js';
import type { MaintenanceWindow } from '../maintenance/maintenance-window.js';
import type { FlapDetection } from './flapping.js';
import { routeAlert } from '../alerts/routing.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { alertForPeople } from '../privacy/alert-for-people.js';
import { contentHashOf, ingestAlerts, type IngestItem, type IngestOutcome, type IngestResult, type OpeningDetails } from './alert-ingestion.js';
import type { IncidentEffects } from './incident-effects.js';
import { systemClock, type Clock } from '../time/clock.js';

export interface AlertIntakeOptions {
  database: Database;
  oncall: () => OncallConfig;
  effects: IncidentEffects;
  reopenWindowMs: number;
  storeRawAlerts: boolean;
  /**
   * REDACT_PII: the alert is stored and shown (incident title, timeline, chat, postmortem, API)
   * with personal data and secrets masked; only the raw payload keeps the original.
   */
  redactPii?: boolean;
  /** The playbook an incident opened by this alert runs (route's, else best match, else default). */
  choosePlaybook?: (item: IngestItem) => { id: string; private: boolean } | undefined;
  /** Called after each commit that wrote jobs, so the local worker picks them up at once. */
  onCommitted?: () => void;
  /** The bot's clock (the composition root's); the system clock when absent. */
  clock?: Clock;
  /** FLAP_DETECTION; undefined: nothing is ever flapping. */
  flap?: FlapDetection;
  /** The maintenance windows running at an instant (read at most once a second; a window opened here is seen at once). */
  maintenanceWindows?: (at: Date) => Promise<MaintenanceWindow[]>;
  /** Takes a beat of a heartbeat, from an alert whose route is marked `heartbeat:` (Watchdog). */
  beat?: (heartbeat: string) => Promise<unknown>;
}

const CONFLICT_RETRIES = 3;
const NOTHING_WRITTEN = new Set<IngestOutcome>(['unchanged', 'ignored', 'stale']);

/**
 * The way into the core for every webhook: routes each alert, then commits it together with
 * whatever other requests are in flight (group commit). A resolved promise means committed.
 */
export class AlertIntake {
  private readonly committer: GroupCommitter<IngestItem, IngestResult>;
  private readonly clock: Clock;

  constructor(private readonly options: AlertIntakeOptions) {
    this.clock = options.clock ?? systemClock;
    this.committer = new GroupCommitter((items) => this.commit(items), {
      maxBatchItems: 500,
      // PostgreSQL overlaps one batch's round trips with others' (measured: 4 in flight took 15%
      // more changes and 13% more new incidents a second than 2); PGlite runs one at a time anyway.
      concurrency: options.database.kind === 'postgres' ? 4 : 1,
      isolateOnError: (error) => !isDatabaseUnavailable(error),
    });
  }

  async receive(batch: AlertBatch): Promise<IngestResult[]> {
    const oncall = this.options.oncall();
    const raw = this.options.storeRawAlerts ? batch.raw : null;
    // Routing, the content hash and playbook choice see the alert as received, so masking never
    // changes which route, group or playbook an alert gets, nor makes two different alerts look equal.
    const items = batch.alerts.map(
      (received): IngestItem => ({
        alert: this.options.redactPii ? alertForPeople(received) : received,
        received,
        decision: routeAlert(received, oncall),
        contentHash: contentHashOf(received),
        raw,
        ownAlertsOnly: batch.ownAlertsOnly,
      }),
    );
    try {
      const beats = items.flatMap((item, index) => (item.decision.heartbeat ? [index] : []));
      if (beats.length === 0) return await this.committer.submit(items);
      // A heartbeat's alert (an always-firing Watchdog) is a beat: no alert row, no incident.
      const beaten = new Map<number, IngestResult>();
      for (const index of beats) {
        const { alert, decision } = items[index]!;
        if (alert.status === 'firing' && this.options.beat) await this.options.beat(decision.heartbeat!);
        beaten.set(index, { outcome: alert.status === 'firing' ? 'heartbeat' : 'ignored' });
      }
      const rest = items.filter((item) => !item.decision.heartbeat);
      const stored = rest.length ? await this.committer.submit(rest) : [];
      let next = 0;
      return items.map((_, index) => beaten.get(index) ?? stored[next++]!);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        throw new AppError('unavailable', 'The database is unavailable; nothing was stored. Retry shortly.', { retryAfterSeconds: 5 });
      }
      throw error;
    }
  }

  /** Lets go of held alerts (their window ended): each still firing opens or joins its incident now. */
  async release(alerts: NormalizedAlert[]): Promise<IngestResult[]> {
    const oncall = this.options.oncall();
    this.forgetMaintenance();
    return this.committer.submit(alerts.map((alert) => ({ alert, received: alert, decision: routeAlert(alert, oncall), contentHash: contentHashOf(alert), raw: null, release: true })));
  }

  /** A window was opened or ended here: the next commit reads them again. */
  forgetMaintenance(): void {
    this.maintenance = undefined;
  }

  private maintenance: { at: number; windows: Promise<MaintenanceWindow[]> } | undefined;

  private runningWindows(now: Date): Promise<MaintenanceWindow[]> {
    if (!this.options.maintenanceWindows) return Promise.resolve([]);
    if (!this.maintenance || Math.abs(now.getTime() - this.maintenance.at) > 1_000) {
      this.maintenance = { at: now.getTime(), windows: this.options.maintenanceWindows(now) };
    }
    return this.maintenance.windows;
  }

  drain(): Promise<void> {
    return this.committer.drain();
  }

  private async commit(items: IngestItem[]): Promise<IngestResult[]> {
    const oncall = this.options.oncall();
    for (let attempt = 1; ; attempt++) {
      try {
        const now = this.clock.now();
        const results = await ingestAlerts(this.options.database, items, {
          now,
          maintenance: await this.runningWindows(now),
          reopenWindowMs: this.options.reopenWindowMs,
          flap: this.options.flap,
          effects: this.options.effects,
          openingDetails: (item) => this.openingDetails(item, oncall),
        });
        if (results.some((result) => !NOTHING_WRITTEN.has(result.outcome))) this.options.onCommitted?.();
        return results;
      } catch (error) {
        if (attempt >= CONFLICT_RETRIES || !isRetryableConflict(error)) throw error;
      }
    }
  }

  private openingDetails(item: IngestItem, oncall: OncallConfig): OpeningDetails {
    const policyKey = item.decision.escalationPolicy;
    const playbook = this.options.choosePlaybook?.({ ...item, alert: item.received ?? item.alert });
    return {
      // A copy, not a reference: editing oncall.yaml later changes nothing already running.
      escalationPolicy: policyKey && oncall.escalationPolicies[policyKey] ? structuredClone(oncall.escalationPolicies[policyKey]) : null,
      playbookId: playbook?.id ?? item.decision.playbook ?? null,
      private: playbook?.private ?? false,
    };
  }
}

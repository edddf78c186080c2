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
import { contentHashOf, decideWithoutWriting, writeAlerts, type IngestItem, type IngestResult, type OpeningDetails } from './alert-ingestion.js';
import { alertKey, type AlertState } from './alert-states.js';
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

/** An item the shared read could not settle, with the state that read found. */
interface ToWrite {
  item: IngestItem;
  states: Map<string, AlertState>;
}

/**
 * The way into the core for every webhook: routes each alert, then stores it together with
 * whatever other requests are in flight (group commit), in two stages. The first reads the
 * stored state of every queued alert in one statement and answers the repeats, which write
 * nothing; only the rest go on to the second, which writes. A resolved promise means committed.
 */
export class AlertIntake {
  private readonly reads: GroupCommitter<IngestItem, IngestResult | ToWrite>;
  private readonly writes: GroupCommitter<ToWrite, IngestResult>;
  private readonly clock: Clock;

  constructor(private readonly options: AlertIntakeOptions) {
    this.clock = options.clock ?? systemClock;
    const isolateOnError = (error: unknown) => !isDatabaseUnavailable(error);
    // Few reads in flight, each taking everything queued meanwhile: every round trip costs the
    // bot CPU, and repeats ran a fifth faster this way than with each batch reading for itself,
    // four in flight (bench:ingest). Two, not one, so that one slow read does not stop them all.
    this.reads = new GroupCommitter((items) => this.read(items), { maxBatchItems: 1_000, concurrency: 2, isolateOnError });
    this.writes = new GroupCommitter((items) => this.commit(items), {
      maxBatchItems: 500,
      // PostgreSQL overlaps one batch's round trips with others' (measured: 4 in flight took 15%
      // more changes and 13% more new incidents a second than 2); PGlite runs one at a time anyway.
      concurrency: options.database.kind === 'postgres' ? 4 : 1,
      isolateOnError,
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
      if (beats.length === 0) return await this.store(items);
      // A heartbeat's alert (an always-firing Watchdog) is a beat: no alert row, no incident.
      const beaten = new Map<number, IngestResult>();
      for (const index of beats) {
        const { alert, decision } = items[index]!;
        if (alert.status === 'firing' && this.options.beat) await this.options.beat(decision.heartbeat!);
        beaten.set(index, { outcome: alert.status === 'firing' ? 'heartbeat' : 'ignored' });
      }
      const rest = items.filter((item) => !item.decision.heartbeat);
      const stored = rest.length ? await this.store(rest) : [];
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
    return this.store(alerts.map((alert) => ({ alert, received: alert, decision: routeAlert(alert, oncall), contentHash: contentHashOf(alert), raw: null, release: true })));
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

  /** Resolves once both stages are idle (a read that finishes hands its items on to the writes). */
  async drain(): Promise<void> {
    do {
      await this.reads.drain();
      // The requests whose read just finished submit their writes on the next microtasks.
      await new Promise((resolve) => setImmediate(resolve));
      await this.writes.drain();
    } while (!this.reads.idle || !this.writes.idle);
  }

  /** Both stages, for one request's items: each item's result, once whatever it wrote is committed. */
  private async store(items: IngestItem[]): Promise<IngestResult[]> {
    const decided = await this.reads.submit(items);
    const toWrite = decided.filter((result): result is ToWrite => 'item' in result);
    if (toWrite.length === 0) return decided as IngestResult[];
    const written = await this.writes.submit(toWrite);
    let next = 0;
    return decided.map((result) => ('item' in result ? written[next++]! : result));
  }

  private async read(items: IngestItem[]): Promise<(IngestResult | ToWrite)[]> {
    const { states, results } = await decideWithoutWriting(this.options.database.intake, items);
    return items.map((item, index) => results[index] ?? { item, states });
  }

  private async commit(toWrite: ToWrite[]): Promise<IngestResult[]> {
    const oncall = this.options.oncall();
    const items = toWrite.map(({ item }) => item);
    // Items of several reads: each one's state as its own read found it.
    const states = new Map<string, AlertState>();
    for (const { item, states: read } of toWrite) {
      const key = alertKey(item.alert.source, item.alert.fingerprint);
      const state = read.get(key);
      if (state) states.set(key, state);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const now = this.clock.now();
        // A retry after a conflict reads again: the first attempt may have written part of the batch.
        const read = attempt === 1 ? { states, results: items.map(() => undefined) } : await decideWithoutWriting(this.options.database.intake, items);
        const written = await writeAlerts(this.options.database.intake, items, read.states, read.results, {
          now,
          maintenance: await this.runningWindows(now),
          reopenWindowMs: this.options.reopenWindowMs,
          flap: this.options.flap,
          effects: this.options.effects,
          openingDetails: (item) => this.openingDetails(item, oncall),
        });
        // Only jobs need the worker: waking it after every write made it claim, in a transaction of
        // its own, after each batch of changes that queued nothing.
        if (written.queuedJobs) this.options.onCommitted?.();
        return written.results;
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

import type { Database } from '../db/database.js';
import { isDatabaseUnavailable, isRetryableConflict } from '../db/database-errors.js';
import { GroupCommitter } from '../db/group-commit.js';
import { AppError } from '../errors.js';
import type { AlertBatch, NormalizedAlert } from '../alerts/alert.js';
import type { MaintenanceWindow } from '../maintenance/maintenance-window.js';
import type { FlapDetection } from './flapping.js';
import { routeAlert, unknownSeverityWarning } from '../alerts/routing.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { alertForPeople } from '../privacy/alert-for-people.js';
import { contentHashOf, decideWithoutWriting, writeAlerts, type IngestItem, type IngestResult, type OpeningDetails } from './alert-ingestion.js';
import { alertKey, classifyWithoutWriting, type AlertState } from './alert-states.js';
import { readStatesApplyingChanges, type ExpectedChange } from './alert-set-writes.js';
import { RecentAlertStates } from './recent-alert-states.js';
import type { JobSpec } from '../engine/job.js';
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
  /** An earlier request's write of the same alert was still on its way: what was read may be out of date. */
  recheck: boolean;
}

const keyOf = (item: IngestItem) => alertKey(item.alert.source, item.alert.fingerprint);

/**
 * The way into the core for every webhook: routes each alert, then stores it together with
 * whatever other requests are in flight (group commit), in two stages. The first reads the
 * stored state of every queued alert in one statement and answers the repeats, which write
 * nothing; only the rest go on to the second, which writes. New content for an alert this
 * process read a moment ago skips the read: it is applied where the alert is still as read, in
 * one statement, and only what that leaves goes on to the writes. A resolved promise means committed.
 */
export class AlertIntake {
  private readonly reads: GroupCommitter<IngestItem, IngestResult | ToWrite>;
  private readonly writes: GroupCommitter<ToWrite, IngestResult>;
  private readonly changes: GroupCommitter<ExpectedChange, IngestResult | ToWrite>;
  /** Alerts with a notification being stored, each with how many: a change of one of them waits its turn. */
  private readonly pending = new Map<string, number>();
  /** Alerts with a write queued or under way, each with the end of the last one: a later notification of one is written after it. */
  private readonly writing = new Map<string, Promise<void>>();
  private readonly clock: Clock;
  /** What the reads found last: an alert's new content is sent as a change at once (see RecentAlertStates). */
  private readonly recent = new RecentAlertStates();

  constructor(private readonly options: AlertIntakeOptions) {
    this.clock = options.clock ?? systemClock;
    const isolateOnError = (error: unknown) => !isDatabaseUnavailable(error);
    // One read at a time, taking everything queued meanwhile: every round trip costs the bot CPU,
    // and repeats ran a fifth faster this way than with each batch reading for itself, four in
    // flight (bench:ingest). One, so that reads end in the order they began: a notification is
    // never answered from a read older than one a notification before it was sent on from.
    this.reads = new GroupCommitter((items) => this.read(items), { maxBatchItems: 1_000, concurrency: 1, isolateOnError });
    this.writes = new GroupCommitter((items) => this.commit(items), {
      maxBatchItems: 500,
      // PostgreSQL overlaps one batch's round trips with others' (measured: 4 in flight took 15%
      // more changes and 13% more new incidents a second than 2); PGlite runs one at a time anyway.
      concurrency: options.database.kind === 'postgres' ? 4 : 1,
      isolateOnError,
    });
    // Beside the reads, not after them: a change applied in the one read at a time made every
    // read wait for a commit, and took a fifth fewer changes a second than reading, then writing.
    this.changes = new GroupCommitter((changes) => this.applyChangeBatch(changes), {
      maxBatchItems: 500,
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
    const results = await this.storeOrBeat(items);
    // Almost every alert's severity is known: no copy of the answers then (this is every webhook's path).
    if (!items.some((item) => item.decision.unknownSeverity !== undefined)) return results;
    return results.map((result, index) => {
      // A heartbeat's beat (Watchdog, `severity: none`) opens nothing: its severity does not matter.
      const warning = result.outcome === 'heartbeat' ? undefined : unknownSeverityWarning(items[index]!.decision, oncall);
      return warning ? { ...result, warning } : result;
    });
  }

  private async storeOrBeat(items: IngestItem[]): Promise<IngestResult[]> {
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

  /** Resolves once every stage is idle (a read or change that finishes hands its items on to the writes). */
  async drain(): Promise<void> {
    do {
      await this.reads.drain();
      await this.changes.drain();
      // The requests whose read just finished submit their writes on the next microtasks.
      await new Promise((resolve) => setImmediate(resolve));
      await this.writes.drain();
    } while (!this.reads.idle || !this.changes.idle || !this.writes.idle || this.writing.size > 0);
  }

  /** One request's items: each item's result, once whatever it wrote is committed. */
  private async store(items: IngestItem[]): Promise<IngestResult[]> {
    const keys = items.map(keyOf);
    const changes = this.expectedChanges(items, keys);
    for (const key of keys) this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
    try {
      if (changes.size === 0) return await this.readThenWrite(items);
      const rest = items.filter((_, index) => !changes.has(index));
      // Both parts settle before the request does: its alerts stay pending until then, so a later
      // notification of one of them cannot overtake a part still on its way when the other failed.
      const [changed, read] = await Promise.allSettled([this.applyChanges([...changes.values()]), rest.length > 0 ? this.readThenWrite(rest) : []]);
      if (changed.status === 'rejected') throw changed.reason;
      if (read.status === 'rejected') throw read.reason;
      const [applied, others] = [changed.value, read.value];
      let nextApplied = 0;
      let nextOther = 0;
      return items.map((_, index) => (changes.has(index) ? applied[nextApplied++]! : others[nextOther++]!));
    } finally {
      for (const key of keys) {
        const count = this.pending.get(key)! - 1;
        if (count === 0) this.pending.delete(key);
        else this.pending.set(key, count);
      }
    }
  }

  /**
   * The items whose new content is applied without reading first, by index: a notification with
   * the status this process last read for its alert and other content, for an alert with no other
   * notification being stored (in this request or another), so that each alert's notifications
   * still take effect in the order they came. The rest are read first.
   */
  private expectedChanges(items: IngestItem[], keys: string[]): Map<number, ExpectedChange> {
    const changes = new Map<number, ExpectedChange>();
    const seen = new Set<string>();
    const repeated = new Set<string>();
    for (const key of keys) (seen.has(key) ? repeated : seen).add(key);
    items.forEach((item, index) => {
      const key = keys[index]!;
      if (item.release || item.alert.eventOnly || repeated.has(key) || this.pending.has(key) || this.writing.has(key)) return;
      const recent = this.recent.get(key);
      if (!recent || recent.status !== item.alert.status || recent.contentHash === item.contentHash) return;
      changes.set(index, { item, alertId: recent.id, incidentId: recent.incidentId });
    });
    return changes;
  }

  /**
   * Expected changes: applied where the alert is as expected; the rest are decided from the state
   * read with them and written if need be. Until then a later notification of one of these alerts
   * waits (it finds the alert in `writing`).
   */
  private async applyChanges(changes: ExpectedChange[]): Promise<IngestResult[]> {
    const applying = (async () => {
      const decided = await this.changes.submit(changes);
      const toWrite = decided.filter((result): result is ToWrite => 'item' in result);
      if (toWrite.length === 0) return decided as IngestResult[];
      // Nothing earlier of these alerts is being stored (expectedChanges): no write to wait for.
      const written = await this.writes.submit(toWrite);
      let next = 0;
      return decided.map((result) => ('item' in result ? written[next++]! : result));
    })();
    const ended = applying.then(() => undefined, () => undefined);
    const keys = changes.map(({ item }) => keyOf(item));
    for (const key of keys) this.writing.set(key, ended);
    try {
      return await applying;
    } finally {
      for (const key of keys) if (this.writing.get(key) === ended) this.writing.delete(key);
    }
  }

  /** One statement for the expected changes of several requests (see readStatesApplyingChanges). */
  private async applyChangeBatch(changes: ExpectedChange[]): Promise<(IngestResult | ToWrite)[]> {
    const followUps = new Map<number, JobSpec[]>();
    for (const { incidentId } of changes) {
      if (incidentId !== null && !followUps.has(incidentId)) followUps.set(incidentId, this.options.effects.shown?.([incidentId], true) ?? []);
    }
    const items = changes.map(({ item }) => item);
    for (let attempt = 1; ; attempt++) {
      try {
        const { states, updated } = await readStatesApplyingChanges(this.options.database.intake.sql, items, changes, (incidentId) => followUps.get(incidentId) ?? []);
        this.rememberStates(states);
        let queuedJobs = false;
        const results = changes.map(({ item, alertId, incidentId }): IngestResult | ToWrite => {
          if (!updated.has(alertId)) return classifyWithoutWriting(item, states.get(keyOf(item))) ?? { item, states, recheck: false };
          this.recent.remember(keyOf(item), { id: alertId, incidentId, status: item.alert.status, contentHash: item.contentHash });
          if (incidentId !== null && followUps.get(incidentId)!.length > 0) queuedJobs = true;
          return { outcome: 'updated', alertId, incidentId: incidentId ?? undefined };
        });
        if (queuedJobs) this.options.onCommitted?.();
        return results;
      } catch (error) {
        // One statement: nothing of a failed attempt stayed.
        if (attempt >= CONFLICT_RETRIES || !isRetryableConflict(error)) throw error;
      }
    }
  }

  private rememberStates(states: Map<string, AlertState>): void {
    for (const [key, state] of states) this.recent.remember(key, state);
  }

  /** Both stages, for items read first: each item's result, once whatever it wrote is committed. */
  private async readThenWrite(items: IngestItem[]): Promise<IngestResult[]> {
    const decided = await this.reads.submit(items);
    const toWrite = decided.filter((result): result is ToWrite => 'item' in result);
    if (toWrite.length === 0) return decided as IngestResult[];
    // Marked before the next read can end (it starts after this one's callers have run). Writes of
    // one alert go in the order their notifications were read: each waits for the one before.
    const keys = [...new Set(toWrite.map(({ item }) => keyOf(item)))];
    const before = keys.flatMap((key) => this.writing.get(key) ?? []);
    const writing = (async () => {
      await Promise.all(before);
      return this.writes.submit(toWrite);
    })();
    const ended = writing.then(() => undefined, () => undefined);
    for (const key of keys) this.writing.set(key, ended);
    let written: IngestResult[];
    try {
      written = await writing;
    } finally {
      for (const key of keys) if (this.writing.get(key) === ended) this.writing.delete(key);
    }
    let next = 0;
    return decided.map((result) => ('item' in result ? written[next++]! : result));
  }

  /**
   * Answers what writes nothing. A notification of an alert with an earlier write still queued
   * or under way (a resolve right behind its trigger) is not answered from the state read here,
   * which that write will change: it goes on to the writes, to be decided again under lock.
   */
  private async read(items: IngestItem[]): Promise<(IngestResult | ToWrite)[]> {
    const { states, results } = await decideWithoutWriting(this.options.database.intake, items);
    this.rememberStates(states);
    const sentOn = new Set<string>();
    return items.map((item, index) => {
      const key = keyOf(item);
      const waiting = this.writing.has(key) || sentOn.has(key);
      const result = results[index];
      if (result && !waiting) return result;
      sentOn.add(key);
      return { item, states, recheck: waiting };
    });
  }

  private async commit(toWrite: ToWrite[]): Promise<IngestResult[]> {
    const oncall = this.options.oncall();
    const items = toWrite.map(({ item }) => item);
    // Items of several reads: each one's state as its own read found it. An alert to check again
    // has none, so the batch takes the locked path, which reads what is committed by then.
    const recheck = new Set(toWrite.filter((write) => write.recheck).map(({ item }) => keyOf(item)));
    const states = new Map<string, AlertState>();
    const absent = new Set<string>();
    for (const { item, states: read } of toWrite) {
      const key = keyOf(item);
      const state = read.get(key);
      if (recheck.has(key)) continue;
      if (state) states.set(key, state);
      else absent.add(key);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const now = this.clock.now();
        // A retry after a conflict reads again: the first attempt may have written part of the batch.
        const read = attempt === 1 ? { states, results: items.map(() => undefined) } : inOrder(items, await decideWithoutWriting(this.options.database.intake, items));
        // The alerts read as not stored are inserted without a locked read first (writeAlerts).
        const readAbsent = attempt === 1 ? absent : new Set(items.map(keyOf).filter((key) => !read.states.has(key)));
        const written = await writeAlerts(this.options.database.intake, items, read.states, read.results, {
          now,
          maintenance: await this.runningWindows(now),
          reopenWindowMs: this.options.reopenWindowMs,
          flap: this.options.flap,
          effects: this.options.effects,
          openingDetails: (item) => this.openingDetails(item, oncall),
        }, readAbsent);
        // Only jobs need the worker: waking it after every write made it claim, in a transaction of
        // its own, after each batch of changes that queued nothing.
        if (written.queuedJobs) this.options.onCommitted?.();
        written.results.forEach(({ outcome, alertId, incidentId }, index) => {
          const { alert, contentHash } = items[index]!;
          if (alertId !== undefined && (outcome === 'created' || outcome === 'updated' || outcome === 'held')) {
            this.recent.remember(keyOf(items[index]!), { id: alertId, incidentId: incidentId ?? null, status: alert.status, contentHash });
          }
        });
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
      // Stored as it is now (a copy in the incident row): editing oncall.yaml later changes nothing
      // already running. Not copied here, so the incidents of a batch send it once (SharedValues).
      escalationPolicy: (policyKey && oncall.escalationPolicies[policyKey]) || null,
      playbookId: playbook?.id ?? item.decision.playbook ?? null,
      private: playbook?.private ?? false,
    };
  }
}

/**
 * Leaves undecided every notification of an alert behind one that will be written: decided from
 * the state read before that write, it could be answered (and dropped) out of order.
 */
function inOrder(items: readonly IngestItem[], read: { states: Map<string, AlertState>; results: (IngestResult | undefined)[] }) {
  const written = new Set<string>();
  const results = read.results.map((result, index) => {
    const key = keyOf(items[index]!);
    if (result && !written.has(key)) return result;
    written.add(key);
    return undefined;
  });
  return { states: read.states, results };
}


import type { AlertState } from './alert-states.js';

/** What this process last read of a stored alert: enough to expect what a new notification of it does. */
export type RecentAlertState = Pick<AlertState, 'id' | 'incidentId' | 'status' | 'contentHash'>;

/**
 * The alerts this process read last, each as it was then, so that a notification with new
 * content can be sent as a change straight away (readStatesApplyingChanges) instead of being read
 * first and written after. Only a guess: the database decides (the change is applied only if the
 * alert is still as remembered here), so a state another replica changed costs a round trip more,
 * never a wrong answer. Bounded: when full it starts again empty, which costs each alert one read
 * more; every repeat refreshes its alert's entry, and keeping an order of use cost them a tenth.
 */
export class RecentAlertStates {
  private states = new Map<string, RecentAlertState>();

  constructor(private readonly capacity = 50_000) {}

  get(key: string): RecentAlertState | undefined {
    return this.states.get(key);
  }

  remember(key: string, state: RecentAlertState): void {
    if (this.states.size >= this.capacity && !this.states.has(key)) this.states = new Map();
    this.states.set(key, state);
  }

  get size(): number {
    return this.states.size;
  }
}

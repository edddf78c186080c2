import type { HeartbeatConfig } from '../oncall/oncall-config.js';
import { formatDuration } from '../time/duration.js';

/** A heartbeat as stored. */
export interface HeartbeatState {
  lastBeatAt: Date | null;
  declaredAt: Date;
}

/**
 * When silence starts to count as missed: an interval and the grace after the last beat (or,
 * never seen, after it was declared), and never sooner than that long after this bot started,
 * so a bot that was itself down (and heard no beats) raises no false alarm on its return.
 */
export function heartbeatDeadline(heartbeat: HeartbeatConfig, state: HeartbeatState, botStartedAt: Date): Date {
  const seen = Math.max((state.lastBeatAt ?? state.declaredAt).getTime(), botStartedAt.getTime());
  return new Date(seen + heartbeat.intervalMs + heartbeat.graceMs);
}

/** The missed-heartbeat alert's title: "Heartbeat prometheus-prod missed: last seen 12m ago". */
export function missedTitle(name: string, state: HeartbeatState, now: Date): string {
  if (!state.lastBeatAt) return `Heartbeat ${name} missed: never seen since it was declared ${formatDuration(now.getTime() - state.declaredAt.getTime())} ago`;
  return `Heartbeat ${name} missed: last seen ${formatDuration(now.getTime() - state.lastBeatAt.getTime())} ago`;
}

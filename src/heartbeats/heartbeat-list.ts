import { DateTime } from 'luxon';
import type { PrismaClient } from '../db/database.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { formatDuration } from '../time/duration.js';

/** A heartbeat as `incident-bot heartbeats` and `/oncall heartbeats` show it. */
export interface HeartbeatView {
  name: string;
  intervalMs: number;
  graceMs: number;
  lastBeatAt: Date | null;
  beats: number;
  missedSince: Date | null;
}

/** Every heartbeat oncall.yaml declares, with what is stored of it (none yet: never seen). */
export async function readHeartbeats(prisma: PrismaClient, config: OncallConfig): Promise<HeartbeatView[]> {
  const byName = new Map((await prisma.heartbeat.findMany()).map((row) => [row.name, row]));
  return Object.values(config.heartbeats).map((heartbeat) => {
    const row = byName.get(heartbeat.name);
    return { name: heartbeat.name, intervalMs: heartbeat.intervalMs, graceMs: heartbeat.graceMs, lastBeatAt: row?.lastBeatAt ?? null, beats: row?.beats ?? 0, missedSince: row?.missedAt ?? null };
  });
}

/** One line per heartbeat, for `incident-bot heartbeats` and `/oncall heartbeats`: its rhythm, its last beat, and whether it is missed. */
export function describeHeartbeats(views: readonly HeartbeatView[], now: Date, timeZone = 'UTC'): string[] {
  if (views.length === 0) return ['No heartbeats in oncall.yaml (see heartbeats: in the README).'];
  const at = (date: Date) => DateTime.fromJSDate(date, { zone: timeZone }).toFormat('ccc d MMM HH:mm:ss ZZZZ');
  return views.map((view) => {
    const rhythm = `every ${formatDuration(view.intervalMs)}, grace ${formatDuration(view.graceMs)}`;
    const last = view.lastBeatAt ? `last beat ${formatDuration(Math.max(0, now.getTime() - view.lastBeatAt.getTime()))} ago (${at(view.lastBeatAt)}), ${view.beats} beats` : 'never seen';
    const state = view.missedSince ? `MISSED since ${at(view.missedSince)}` : view.lastBeatAt ? 'ok' : 'waiting for its first beat';
    return `${view.name}: ${state}; ${last}; ${rhythm}`;
  });
}

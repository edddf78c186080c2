import { resolveWhen } from '../chat/commands/resolve-when.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { parseDuration } from '../time/duration.js';
import type { MaintenanceMatcher } from './maintenance-window.js';

/** The longest window one command opens: planned work, not a way to mute a service for good. */
export const MAX_WINDOW_MS = 7 * 86_400_000;

export type MaintenanceCommand =
  | { action: 'start'; matcher: MaintenanceMatcher; startsAt: Date; endsAt: Date; reason: string }
  | { action: 'list' }
  | { action: 'end'; id: number };

export const MAINTENANCE_USAGE = 'start <service|team|label=value ...> [at <when>] for <duration> <reason> | list | end <id>';

/**
 * `/incident maintenance start checkout for 2h database upgrade`,
 * `... start team=payments at 2026-12-10 22:00 for 3h failover drill` (the time read in the
 * asker's zone), `... start env=staging region=eu for 1h load test`, `list`, `end 3`.
 * A bare word is a team when oncall.yaml has one by that key, else a service.
 */
export function parseMaintenanceCommand(text: string, config: OncallConfig, timeZone: string, now: Date): MaintenanceCommand | { error: string } {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const action = words.shift()?.toLowerCase();
  if (action === 'list' && words.length === 0) return { action: 'list' };
  if (action === 'end') {
    const id = /^#?(\d{1,9})$/.exec(words[0] ?? '')?.[1];
    return id && words.length === 1 ? { action: 'end', id: Number(id) } : { error: 'Say which window to end: `end <id>` (the id `list` shows)' };
  }
  if (action !== 'start') return { error: `Usage: ${MAINTENANCE_USAGE}` };

  const matcher: MaintenanceMatcher = {};
  while (words.length && !['at', 'for'].includes(words[0]!.toLowerCase())) {
    const word = words.shift()!;
    const pair = /^([A-Za-z_][A-Za-z0-9_.-]*)=(.+)$/.exec(word);
    if (pair) {
      const [, key, value] = pair as unknown as [string, string, string];
      if (key === 'service') matcher.service = value;
      else if (key === 'team') matcher.team = value;
      else matcher.labels = { ...matcher.labels, [key]: value };
    } else if (config.teams[word]) matcher.team = word;
    else matcher.service = word;
  }
  if (Object.keys(matcher).length === 0) return { error: 'Say what the window holds: a service, a team, or label=value pairs (`start checkout for 2h upgrade`)' };
  if (matcher.team !== undefined && !config.teams[matcher.team]) return { error: `No team "${matcher.team}" in oncall.yaml (known: ${Object.keys(config.teams).join(', ') || 'none'})` };

  let startsAt = now;
  if (words[0]?.toLowerCase() === 'at') {
    words.shift();
    const until = words.findIndex((word) => word.toLowerCase() === 'for');
    if (until <= 0) return { error: 'After `at <when>` comes `for <duration>`' };
    const when = resolveWhen(words.splice(0, until).join(' '), timeZone, now);
    if (!when.ok) return { error: when.message };
    startsAt = when.at;
    if (startsAt.getTime() < now.getTime() - 60_000) return { error: 'That start is in the past; leave out `at` to start now' };
  }
  if (words.shift()?.toLowerCase() !== 'for') return { error: 'Say how long: `for 2h` (then the reason)' };
  const durationText = words.shift() ?? '';
  const durationMs = parseDuration(durationText);
  if (durationMs === undefined || durationMs < 60_000) return { error: `"${durationText}" is not a duration of a minute or more (30m, 2h, 1h30m)` };
  if (durationMs > MAX_WINDOW_MS) return { error: 'A window lasts at most 7 days; open another for more' };
  const reason = words.join(' ').trim();
  if (!reason) return { error: 'Say why (the reason is announced and kept): `for 2h database upgrade`' };
  return { action: 'start', matcher, startsAt, endsAt: new Date(startsAt.getTime() + durationMs), reason: reason.slice(0, 300) };
}

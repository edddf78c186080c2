import { DateTime } from 'luxon';

/** A local date and time, as written in a schedule or typed by a person. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/**
 * The instant a wall-clock time names in a zone, by the same rule as the rotation math: a time in
 * a spring-forward gap moves to the first valid instant after the gap; an ambiguous fall-back time
 * takes its first occurrence.
 */
export function wallTimeToInstant(wall: WallTime, zone: string): DateTime {
  const asUtcMillis = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  const offsets = new Set<number>();
  for (const probeHours of [-36, -12, 0, 12, 36]) {
    offsets.add(DateTime.fromMillis(asUtcMillis + probeHours * 3_600_000, { zone }).offset);
  }
  const matches = [...offsets]
    .map((offset) => DateTime.fromMillis(asUtcMillis - offset * 60_000, { zone }))
    .filter((candidate) => candidate.year === wall.year && candidate.month === wall.month && candidate.day === wall.day && candidate.hour === wall.hour && candidate.minute === wall.minute)
    .sort((a, b) => a.toMillis() - b.toMillis());
  if (matches[0]) return matches[0];
  // In a gap: find the transition, the first instant whose wall time is past the requested one.
  let low = asUtcMillis - 36 * 3_600_000;
  let high = asUtcMillis + 36 * 3_600_000;
  const wallOf = (millis: number) => {
    const local = DateTime.fromMillis(millis, { zone });
    return millis + local.offset * 60_000;
  };
  while (high - low > 1_000) {
    const middle = Math.floor((low + high) / 2);
    if (wallOf(middle) > asUtcMillis) high = middle;
    else low = middle;
  }
  return DateTime.fromMillis(Math.ceil(high / 60_000) * 60_000, { zone });
}


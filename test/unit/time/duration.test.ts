import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/time/duration.js';

describe('durations', () => {
  it('parses what people write', () => {
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration(' 2d ')).toBe(172_800_000);
    expect(parseDuration('250ms')).toBe(250);
  });
  it('refuses what is not a duration', () => {
    for (const bad of ['', '15', 'm', '15 m', '-5m', '1.5h', '15min']) expect(parseDuration(bad)).toBeUndefined();
  });
  it('formats for humans', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(12 * 60_000)).toBe('12m');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3h 5m');
    expect(formatDuration(52 * 3_600_000)).toBe('2d 4h');
  });
});

import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_MAX_ATTEMPTS } from '../../../src/engine/backoff.js';

const lowest = (attempt: number) => backoffMs(attempt, () => 0);
const highest = (attempt: number) => backoffMs(attempt, () => 1);

describe('retry back-off', () => {
  it('doubles from one second, with jitter between half and all of the step', () => {
    expect([1, 2, 3, 4, 5].map(highest)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect([1, 2, 3].map(lowest)).toEqual([500, 1_000, 2_000]);
  });

  it('waits at most 30 s through the first quarter hour of an outage, so messages follow soon after it ends', () => {
    expect(highest(6)).toBe(30_000);
    expect(highest(30)).toBe(30_000);
    const firstThirty = Array.from({ length: 30 }, (_, i) => highest(i + 1)).reduce((a, b) => a + b, 0);
    expect(firstThirty).toBeGreaterThan(10 * 60_000);
  });

  it('then waits up to 5 minutes, and by default keeps a job trying for more than ten hours (jitter at its lowest) before giving up', () => {
    expect(highest(31)).toBe(300_000);
    const total = Array.from({ length: DEFAULT_MAX_ATTEMPTS }, (_, i) => lowest(i + 1)).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(10 * 3_600_000);
  });
});

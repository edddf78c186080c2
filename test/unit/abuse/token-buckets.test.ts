import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../src/abuse/token-buckets.js';

describe('token buckets', () => {
  it('grants the burst at once, then one token per 1/rate seconds', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 2, burst: 3 });
    for (let i = 0; i < 3; i++) expect(buckets.take('a', 1_000)).toEqual({ ok: true });
    expect(buckets.take('a', 1_000)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(buckets.take('a', 1_499)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(buckets.take('a', 1_500)).toEqual({ ok: true });
    expect(buckets.take('a', 1_500)).toEqual({ ok: false, retryAfterMs: 500 });
  });

  it('keeps keys apart', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    expect(buckets.take('a', 0).ok).toBe(true);
    expect(buckets.take('a', 0).ok).toBe(false);
    expect(buckets.take('b', 0).ok).toBe(true);
  });

  it('takes nothing on a refusal, so a client hammering a full limit is not starved forever', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1 });
    expect(buckets.take('a', 0).ok).toBe(true);
    for (let t = 0; t < 1_000; t += 100) expect(buckets.take('a', t).ok).toBe(false);
    expect(buckets.take('a', 1_000).ok).toBe(true);
  });

  it('charges a cost, and says how long until the whole cost is available', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 10, burst: 100 });
    expect(buckets.take('a', 0, 60).ok).toBe(true);
    expect(buckets.take('a', 0, 60)).toEqual({ ok: false, retryAfterMs: 2_000 });
    expect(buckets.take('a', 2_000, 60).ok).toBe(true);
  });

  it('refills nothing when the clock steps back, and never more than the burst', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 2 });
    expect(buckets.take('a', 10_000, 2).ok).toBe(true);
    expect(buckets.take('a', 5_000).ok).toBe(false);
    expect(buckets.take('a', 10_999).ok).toBe(false);
    expect(buckets.take('a', 11_000).ok).toBe(true);
    expect(buckets.take('a', 1_000_000, 2).ok).toBe(true);
    expect(buckets.take('a', 1_000_000).ok).toBe(false);
  });

  it('refuses limits and costs that make no sense, naming them', () => {
    expect(() => new TokenBuckets({ ratePerSecond: 0, burst: 1 })).toThrow(/ratePerSecond/);
    expect(() => new TokenBuckets({ ratePerSecond: Number.NaN, burst: 1 })).toThrow(/ratePerSecond/);
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 0.5 })).toThrow(/burst/);
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 1 }, { maxKeys: 0 })).toThrow(/maxKeys/);
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 5 });
    expect(() => buckets.take('a', 0, 6)).toThrow(/cost/);
    expect(() => buckets.take('a', 0, 0)).toThrow(/cost/);
  });

  it('holds at most maxKeys keys under a flood of distinct keys', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 10 }, { maxKeys: 1_000 });
    let largest = 0;
    let refused = 0;
    for (let i = 0; i < 100_000; i++) {
      if (!buckets.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, i).ok) refused++;
      largest = Math.max(largest, buckets.size);
    }
    expect(refused).toBe(0);
    expect(largest).toBe(1_000);
  });

  it('drops buckets that have refilled, so idle keys cost no memory', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 10 });
    for (let i = 0; i < 500; i++) buckets.take(`k${i}`, 0, 3);
    expect(buckets.size).toBe(500);
    // 10 s refills a 10-token bucket completely.
    buckets.take('late', 10_000);
    expect(buckets.size).toBe(1);
  });

  it('evicts the least recently used key first when over the cap', () => {
    const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 1 }, { maxKeys: 2 });
    buckets.take('a', 0);
    buckets.take('b', 0);
    expect(buckets.take('a', 0).ok).toBe(false); // touches a: b is now the oldest
    buckets.take('c', 0); // evicts b
    expect(buckets.take('a', 0).ok).toBe(false); // a kept its (empty) state
    expect(buckets.take('b', 0).ok).toBe(true); // b starts full again
  });
});

describe('token bucket properties', () => {
  const limitArb = fc.record({
    ratePerSecond: fc.double({ min: 0.01, max: 1_000, noNaN: true }),
    burst: fc.integer({ min: 1, max: 50 }),
  });
  const stepArb = fc.record({
    key: fc.constantFrom('a', 'b', 'c'),
    advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 20_000 })),
    cost: fc.integer({ min: 1, max: 5 }),
  });

  it('never grants more than burst + rate * elapsed tokens in any window, per key', () => {
    fc.assert(
      fc.property(limitArb, fc.array(stepArb, { maxLength: 300 }), (limit, steps) => {
        const buckets = new TokenBuckets(limit);
        const granted = new Map<string, Array<{ at: number; cost: number }>>();
        let now = 0;
        for (const step of steps) {
          now += step.advanceMs;
          const cost = Math.min(step.cost, limit.burst);
          if (buckets.take(step.key, now, cost).ok) {
            const list = granted.get(step.key) ?? [];
            list.push({ at: now, cost });
            granted.set(step.key, list);
          }
        }
        for (const list of granted.values()) {
          for (let i = 0; i < list.length; i++) {
            let sum = 0;
            for (let j = i; j < list.length; j++) {
              sum += list[j]!.cost;
              const windowMs = list[j]!.at - list[i]!.at;
              expect(sum).toBeLessThanOrEqual(limit.burst + (limit.ratePerSecond * windowMs) / 1000 + 1e-5);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a refused take succeeds when retried after retryAfterMs, and not much before', () => {
    fc.assert(
      fc.property(limitArb, fc.array(stepArb, { maxLength: 100 }), (limit, steps) => {
        const buckets = new TokenBuckets(limit);
        let now = 0;
        for (const step of steps) {
          now += step.advanceMs;
          const cost = Math.min(step.cost, limit.burst);
          const result = buckets.take(step.key, now, cost);
          if (!result.ok) {
            expect(result.retryAfterMs).toBeGreaterThanOrEqual(1);
            if (result.retryAfterMs > 2) expect(buckets.take(step.key, now + result.retryAfterMs - 2, cost).ok).toBe(false);
            now += result.retryAfterMs;
            expect(buckets.take(step.key, now, cost).ok).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never holds more than maxKeys keys', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ key: fc.string({ maxLength: 3 }), advanceMs: fc.integer({ min: 0, max: 100 }) }), { maxLength: 300 }),
        (maxKeys, steps) => {
          const buckets = new TokenBuckets({ ratePerSecond: 1, burst: 5 }, { maxKeys });
          let now = 0;
          for (const step of steps) {
            now += step.advanceMs;
            buckets.take(step.key, now);
            expect(buckets.size).toBeLessThanOrEqual(maxKeys);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

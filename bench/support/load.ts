import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  statuses: Record<string, number>;
}

export interface Sent {
  status: number;
}

/** One keep-alive connection per sender: undici's pool costs a fraction of what fetch does per request. */
export function httpPool(url: string, connections: number) {
  const pool = new Pool(url, { connections, pipelining: 1 });
  return {
    async post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Sent> {
      const response = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      await response.body.dump();
      return { status: response.statusCode };
    },
    /** The same, with the answer read: for checking what a scenario does, not for timed loops. */
    async postForAnswer(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
      const response = await pool.request({
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: response.statusCode, body: await response.body.json() };
    },
    close: () => pool.close(),
  };
}

/**
 * Closed-loop load: `concurrency` senders, each sending its next request as soon as the last
 * one is answered, for `durationMs` or until `totalRequests` have been sent.
 */
export async function runLoad(options: {
  concurrency: number;
  durationMs?: number;
  totalRequests?: number;
  send: (index: number) => Promise<Sent>;
}): Promise<LoadResult> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = options.durationMs ? started + options.durationMs : Infinity;
  const total = options.totalRequests ?? Infinity;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline && next < total) {
        const index = next++;
        const sentAt = performance.now();
        try {
          const response = await options.send(index);
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          if (response.status >= 300) errors++;
        } catch {
          errors++;
          statuses.network = (statuses.network ?? 0) + 1;
        }
        latencies.push(performance.now() - sentAt);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { requests: latencies.length, errors, seconds, perSecond: latencies.length / seconds, p50ms: at(0.5), p99ms: at(0.99), statuses };
}

import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A reverse proxy in front of a fake chat API that, for a window of time, answers every call
 * itself with a server error or a rate limit, as a platform having a bad minute does; outside the
 * window it passes calls through untouched.
 */
export interface FailingProxy {
  /** http://127.0.0.1:PORT (paths are kept: /api/chat.postMessage goes to <target>/api/chat.postMessage). */
  url: string;
  /** Every call that arrived, with how the proxy answered it. */
  calls: ProxiedCall[];
  /** Fails every call from now for `durationMs`: 500s and 429s (with Retry-After) in turn. */
  failFor(durationMs: number, options: { retryAfterSeconds: number }): { endsAt: number };
  close(): Promise<void>;
}

export interface ProxiedCall {
  path: string;
  at: number;
  /** 500 or 429 when the proxy failed it; otherwise the target's status. */
  status: number;
  failedByProxy: boolean;
}

export async function startFailingProxy(target: string): Promise<FailingProxy> {
  const targetUrl = new URL(target);
  const calls: ProxiedCall[] = [];
  let failUntil = 0;
  let retryAfterSeconds = 1;
  let failures = 0;

  const passThrough = (incoming: IncomingMessage, outgoing: ServerResponse, call: ProxiedCall) => {
    const upstream = httpRequest(
      { host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: targetUrl.host } },
      (response) => {
        call.status = response.statusCode ?? 502;
        outgoing.writeHead(call.status, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', (error) => {
      call.status = 502;
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`proxy: ${error.message}`);
    });
    incoming.pipe(upstream);
  };

  const server = createServer((incoming, outgoing) => {
    const call: ProxiedCall = { path: incoming.url ?? '/', at: Date.now(), status: 0, failedByProxy: false };
    calls.push(call);
    if (Date.now() >= failUntil) return passThrough(incoming, outgoing, call);
    call.failedByProxy = true;
    // Decided on arrival, in turn by count: a client that gives up before the answer is still
    // recorded with the status it was going to get.
    call.status = failures++ % 2 === 0 ? 500 : 429;
    // Drain the body so the client sees an answer, not a reset.
    incoming.resume();
    incoming.on('end', () => {
      if (call.status === 500) {
        outgoing.writeHead(500, { 'content-type': 'text/html' });
        outgoing.end('<html><body>500 Internal Server Error</body></html>');
      } else {
        outgoing.writeHead(429, { 'content-type': 'application/json; charset=utf-8', 'retry-after': String(retryAfterSeconds) });
        outgoing.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    failFor(durationMs, options) {
      retryAfterSeconds = options.retryAfterSeconds;
      failUntil = Date.now() + durationMs;
      return { endsAt: failUntil };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NtfyPublished {
  topic: string;
  title?: string;
  message: string;
  priority?: number;
  click?: string;
  actions?: { action: string; label: string; url: string; method?: string }[];
}

/**
 * An ntfy server as far as publishing goes: JSON publish to the root, the token checked as ntfy
 * checks it (401/403 with ntfy's JSON error body), topics limited to ntfy's characters, and the
 * failures ntfy answers (429 code 42901, 500) on demand.
 */
export async function startFakeNtfy(options: { token?: string } = {}) {
  const published: NtfyPublished[] = [];
  const failures: { status: number; code: number; error: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      const error = (status: number, code: number, text: string) => answer(status, { code, http: status, error: text, link: 'https://ntfy.sh/docs/publish/' });
      if (request.method !== 'POST' || request.url !== '/') return error(404, 40401, 'page not found');
      if (options.token !== undefined) {
        const auth = request.headers.authorization;
        if (!auth) return error(403, 40301, 'forbidden');
        if (auth !== `Bearer ${options.token}`) return error(401, 40101, 'unauthorized');
      }
      const failure = failures.shift();
      if (failure) return error(failure.status, failure.code, failure.error);
      let body: NtfyPublished;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as NtfyPublished;
      } catch {
        return error(400, 40017, 'invalid request: request body must be message JSON');
      }
      if (typeof body.topic !== 'string' || !/^[-_A-Za-z0-9]{1,64}$/.test(body.topic)) return error(400, 40009, 'invalid request: topic invalid');
      if (body.priority !== undefined && ![1, 2, 3, 4, 5].includes(body.priority)) return error(400, 40007, 'invalid request: priority invalid');
      if ((body.actions?.length ?? 0) > 3) return error(400, 40018, 'invalid request: too many actions');
      published.push(body);
      answer(200, { id: `msg${published.length}`, time: Math.floor(Date.now() / 1000), event: 'message', topic: body.topic, message: body.message });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    published,
    failNext(status: 429 | 500, times = 1) {
      for (let i = 0; i < times; i++) failures.push(status === 429 ? { status, code: 42901, error: 'limit reached: too many requests' } : { status, code: 50001, error: 'internal server error' });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

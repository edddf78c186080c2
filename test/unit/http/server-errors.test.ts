import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildHttpServer } from '../../../src/http/server.js';
import { Metrics } from '../../../src/http/metrics.js';
import { createLogger } from '../../../src/logging.js';

describe('the HTTP server', () => {
  it('answers an unexpected failure with a 500 that leaks nothing, and logs it once with the request it failed', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const app = await buildHttpServer({
      log: createLogger('info', sink),
      metrics: new Metrics(),
      routes: [
        (server) => {
          server.get('/boom', async () => {
            throw new Error('connection string postgres://bot:s3cret@db/prod refused');
          });
          server.get('/fine', async () => ({ ok: true }));
        },
      ],
    });
    expect((await app.inject({ method: 'GET', url: '/fine' })).statusCode).toBe(200);
    const answer = await app.inject({ method: 'GET', url: '/boom' });
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toContain('s3cret');
    const failures = lines.filter((line) => line.msg === 'request failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 'error', route: '/boom', reqId: expect.stringMatching(/^req-\w+$/) });
    expect(lines.filter((line) => line.msg !== 'request failed')).toEqual([]);
    await app.close();
  });
});

import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/database.js';
import { healthRoutes } from '../../../src/http/health-routes.js';
import { Metrics } from '../../../src/http/metrics.js';

async function scrape(metrics: Metrics) {
  const app = Fastify();
  await healthRoutes({} as Database, metrics)(app);
  return app.inject({ method: 'GET', url: '/metrics' });
}

describe('GET /metrics', () => {
  it('answers with what the registry gathers, or under PROCESSES what every process gathered', async () => {
    const metrics = new Metrics();
    metrics.alertsReceived.inc({ source: 'grafana' }, 3);
    const own = await scrape(metrics);
    expect(own.statusCode).toBe(200);
    expect(own.body).toContain('incident_bot_alerts_received_total{source="grafana"} 3');

    metrics.gatherWith(async () => 'incident_bot_alerts_received_total{source="grafana"} 7\n');
    const everyone = await scrape(metrics);
    expect(everyone.statusCode).toBe(200);
    expect(everyone.headers['content-type']).toContain('text/plain');
    expect(everyone.body).toBe('incident_bot_alerts_received_total{source="grafana"} 7\n');
  });

  it('answers 503 saying why when the other processes` metrics cannot be had, rather than a part of them', async () => {
    const metrics = new Metrics();
    metrics.gatherWith(() => Promise.reject(new Error('the other bot processes\' metrics did not arrive within 5 s')));
    const answer = await scrape(metrics);
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toEqual({ error: 'unavailable', message: 'the other bot processes\' metrics did not arrive within 5 s' });
  });
});

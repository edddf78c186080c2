import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { startBot } from '../../src/main.js';
import type { RunningBot } from '../../src/running-bot.js';
import { ManualClock } from '../../src/time/clock.js';
import { eventually } from '../support/eventually.js';
import { JobTime } from '../support/job-time.js';

const BINARY = 'prometheus-alertmanager';
const installed = spawnSync('sh', ['-c', `command -v ${BINARY}`]).status === 0;
if (!installed && process.env.CI === 'true') throw new Error(`${BINARY} is not installed; .ci/run installs it from Debian`);
const WEBHOOK_TOKEN = 'webhook-token-heartbeat-0123456';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.skipIf(!installed)('Prometheus` Watchdog through a real Alertmanager as the heartbeat of the monitoring', () => {
  let bot: RunningBot;
  let time: JobTime;
  let alertmanager: ChildProcess | undefined;
  let amUrl: string;
  let amPort: number;
  let dir: string;
  let amLog = '';

  const startAlertmanager = async () => {
    alertmanager = spawn(
      BINARY,
      [`--config.file=${join(dir, 'alertmanager.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address=', `--web.external-url=${amUrl}`],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    alertmanager.stderr!.on('data', (chunk) => (amLog += chunk));
    await eventually('Alertmanager to be ready', () => fetch(`${amUrl}/-/ready`).then((r) => r.ok || undefined, () => undefined), 20_000, 200);
    // Prometheus' Watchdog: always firing, re-sent by Alertmanager every repeat_interval.
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const posted = await fetch(`${amUrl}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ labels: { alertname: 'Watchdog', severity: 'none' }, annotations: { summary: 'always firing' }, endsAt }]) });
    expect(posted.status, amLog).toBe(200);
  };
  const stopAlertmanager = async () => {
    const exited = new Promise((resolve) => alertmanager!.once('exit', resolve));
    alertmanager!.kill('SIGTERM');
    await exited;
    alertmanager = undefined;
  };
  const beats = async () => (await bot.database.prisma.heartbeat.findUniqueOrThrow({ where: { name: 'monitoring' } })).beats;
  const heartbeatIncidents = () => bot.database.prisma.incident.findMany({ where: { source: 'heartbeat' } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'heartbeat-am-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      ['heartbeats:', '  monitoring: { interval: 10s, grace: 10s, labels: { service: prometheus } }', 'routes:', '  - { id: watchdog, match: { labels: { alertname: Watchdog } }, heartbeat: monitoring }'].join('\n'),
    );
    const clock = new ManualClock(new Date());
    bot = await startBot(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: join(dir, 'bot'), ONCALL_FILE: join(dir, 'oncall.yaml'), WEBHOOK_TOKEN }), { log: createLogger('silent'), host: '127.0.0.1', clock });
    time = new JobTime(bot.database, clock);
    amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: bot',
        "  group_by: ['alertname']",
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 2s',
        'receivers:',
        '  - name: bot',
        '    webhook_configs:',
        `      - url: ${bot.url}/webhooks/alertmanager`,
        '        http_config:',
        '          authorization:',
        '            type: Bearer',
        `            credentials: ${WEBHOOK_TOKEN}`,
      ].join('\n'),
    );
  }, 60_000);
  afterAll(async () => {
    alertmanager?.kill('SIGTERM');
    await bot?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('beats while Alertmanager runs; stopping it opens the heartbeat incident, starting it again resolves it', async () => {
    await startAlertmanager();
    await eventually('Watchdog beats', async () => (await beats()) >= 2, 30_000, 200);
    expect(await bot.database.prisma.alert.count()).toBe(0);

    await stopAlertmanager();
    // Twenty seconds of silence on the bot's clock, moved forward instead of waited for.
    await time.advance(21_000);
    bot.worker.wake();
    const [incident] = await eventually('the heartbeat incident', async () => {
      const list = await heartbeatIncidents();
      return list.length ? list : undefined;
    });
    expect(incident!.title).toMatch(/^Heartbeat monitoring missed: last seen 2\ds ago$/);
    expect(incident!.status).toBe('triggered');

    await startAlertmanager();
    await eventually('resolved by the next beat', async () => (await bot.database.prisma.incident.findUniqueOrThrow({ where: { id: incident!.id } })).status === 'resolved', 30_000, 200);
    expect(await heartbeatIncidents()).toHaveLength(1);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { eventually } from '../support/eventually.js';
import { JobTime } from '../support/job-time.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { alertmanagerInstalled, startRealAlertmanager, type RealAlertmanager } from '../support/real-alertmanager.js';

const installed = alertmanagerInstalled();
const WEBHOOK_TOKEN = 'webhook-token-heartbeat-0123456';

describe.skipIf(!installed)('Prometheus` Watchdog through a real Alertmanager as the heartbeat of the monitoring', () => {
  let bot: TestBot;
  let time: JobTime;
  let alertmanager: RealAlertmanager;
  let dir: string;

  /** Prometheus' Watchdog: always firing, re-sent by Alertmanager every repeat_interval. */
  const postWatchdog = async () => {
    const endsAt = new Date(Date.now() + 3_600_000).toISOString();
    const posted = await alertmanager.post([{ labels: { alertname: 'Watchdog', severity: 'none' }, annotations: { summary: 'always firing' }, endsAt }]);
    expect(posted.status, alertmanager.log()).toBe(200);
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
    bot = await startTestBot('pglite', { ONCALL_FILE: join(dir, 'oncall.yaml'), WEBHOOK_TOKEN }, { clock });
    time = new JobTime(bot.database, clock);
    alertmanager = await startRealAlertmanager({
      dir,
      webhookUrl: `${bot.url}/webhooks/alertmanager`,
      token: WEBHOOK_TOKEN,
      sendResolved: false,
      route: ["group_by: ['alertname']", 'group_wait: 1s', 'group_interval: 1s', 'repeat_interval: 2s'],
    });
  }, 60_000);
  afterAll(async () => {
    await alertmanager?.stop();
    await bot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('beats while Alertmanager runs; stopping it opens the heartbeat incident, starting it again resolves it', async () => {
    await postWatchdog();
    await eventually('Watchdog beats', async () => (await beats()) >= 2, 30_000, 200);
    expect(await bot.database.prisma.alert.count()).toBe(0);

    await alertmanager.stop();
    // Twenty seconds of silence on the bot's clock, moved forward instead of waited for.
    await time.advance(21_000);
    bot.worker.wake();
    const [incident] = await eventually('the heartbeat incident', async () => {
      const list = await heartbeatIncidents();
      return list.length ? list : undefined;
    });
    expect(incident!.title).toMatch(/^Heartbeat monitoring missed: last seen 2\ds ago$/);
    expect(incident!.status).toBe('triggered');

    await alertmanager.start();
    await postWatchdog();
    await eventually('resolved by the next beat', async () => (await bot.database.prisma.incident.findUniqueOrThrow({ where: { id: incident!.id } })).status === 'resolved', 30_000, 200);
    expect(await heartbeatIncidents()).toHaveLength(1);
  });
});

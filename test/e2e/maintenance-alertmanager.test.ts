import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWindow } from '../../src/maintenance/maintenance-store.js';
import { ManualClock } from '../../src/time/clock.js';
import { eventually } from '../support/eventually.js';
import { JobTime } from '../support/job-time.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { alertmanagerInstalled, startRealAlertmanager, type RealAlertmanager } from '../support/real-alertmanager.js';

const installed = alertmanagerInstalled();
const WEBHOOK_TOKEN = 'webhook-token-maintenance-01234';
const HOUR = 3_600_000;

describe.skipIf(!installed)('a maintenance window holding a real Alertmanager`s alerts', () => {
  let bot: TestBot;
  let time: JobTime;
  let alertmanager: RealAlertmanager;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maintenance-am-'));
    writeFileSync(join(dir, 'oncall.yaml'), ['teams:', '  payments: { name: Payments, services: [checkout] }'].join('\n'));
    const clock = new ManualClock(new Date());
    bot = await startTestBot('pglite', { ONCALL_FILE: join(dir, 'oncall.yaml'), WEBHOOK_TOKEN }, { clock });
    time = new JobTime(bot.database, clock);
    alertmanager = await startRealAlertmanager({
      dir,
      webhookUrl: `${bot.url}/webhooks/alertmanager`,
      token: WEBHOOK_TOKEN,
      route: ["group_by: ['alertname', 'instance']", 'group_wait: 1s', 'group_interval: 1s', 'repeat_interval: 1h'],
    });
  }, 60_000);
  afterAll(async () => {
    await alertmanager?.stop();
    await bot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const post = async (instance: string, endsAt?: string) => {
    const alert = { labels: { alertname: 'HighLatency', service: 'checkout', severity: 'critical', instance }, annotations: { summary: `checkout slow on ${instance}` }, startsAt: new Date(Date.now() - 60_000).toISOString(), ...(endsAt ? { endsAt } : {}) };
    const response = await alertmanager.post([alert]);
    expect(response.status, alertmanager.log()).toBe(200);
  };
  const alerts = () => bot.database.prisma.alert.findMany({ orderBy: { id: 'asc' } });

  it('stores them without an incident while it runs, and opens an incident for the one still firing when it ends', async () => {
    const id = (await bot.database.transaction((tx) =>
      openWindow(tx, { matcher: { service: 'checkout' }, teamKey: 'payments', startsAt: time.clock.now(), endsAt: new Date(time.clock.now().getTime() + 2 * HOUR), reason: 'database upgrade', createdById: null, createdByName: 'Ben', origin: 'chat' }, time.clock.now()),
    ))!;
    bot.intake.forgetMaintenance();
    await post('checkout-1:8080');
    await post('checkout-2:8080');
    await eventually('both alerts stored', async () => (await alerts()).length === 2, 20_000, 200);
    expect((await alerts()).map((a) => [a.heldByWindow, a.incidentId])).toEqual([
      [id, null],
      [id, null],
    ]);
    // One recovers during the work.
    await post('checkout-2:8080', new Date().toISOString());
    await eventually('the resolve', async () => (await alerts()).some((a) => a.status === 'resolved'), 20_000, 200);
    expect(await bot.database.prisma.incident.count()).toBe(0);

    // The window's two hours pass on the bot's clock.
    await time.advance(2 * HOUR + 1_000);
    bot.worker.wake();
    const [incident] = await eventually('the incident of the alert still firing', async () => {
      const list = await bot.database.prisma.incident.findMany();
      return list.length ? list : undefined;
    });
    expect(incident!.title).toContain('checkout');
    const firing = (await alerts()).find((a) => a.status === 'firing')!;
    expect(firing.incidentId).toBe(incident!.id);
    expect(await bot.database.prisma.incident.count()).toBe(1);
  });
});

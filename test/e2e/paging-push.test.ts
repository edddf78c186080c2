import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markVerified } from '../support/mark-verified.js';
import { eventually } from '../support/eventually.js';
import { startFakeNtfy } from '../support/fake-ntfy.js';
import { fallDueNow } from '../support/job-time.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

describe('paging by push through ntfy: the Acknowledge button, and an outage that delays but loses nothing', () => {
  let ntfy: Awaited<ReturnType<typeof startFakeNtfy>>;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    ntfy = await startFakeNtfy({ token: 'tk_push-e2e-token' });
    dir = mkdtempSync(join(tmpdir(), 'paging-push-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  dana: { name: Dana Brooks, ntfy_topic: dana-pages, notify: { high: [{ via: push }] } }',
        'escalation_policies:',
        '  dana: { levels: [{ targets: [{ person: dana }], delay: 1h }] }',
        'default_route: { escalation_policy: dana }',
      ].join('\n'),
    );
    bot = await startTestBot('pglite', { ONCALL_FILE: join(dir, 'oncall.yaml'), NTFY_URL: ntfy.url, NTFY_TOKEN: 'tk_push-e2e-token' });
    await markVerified(bot.database.prisma, 'dana', { push: 'dana-pages' });
  });
  afterAll(async () => {
    await bot?.destroy();
    await ntfy?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const fire = async (title: string) => {
    return fireGenericAlert(bot, { title, severity: 'critical', fingerprint: title });
  };
  const status = async (n: number) => (await readJson(fetch(`${bot.url}/api/incidents/${n}`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }))).status;

  it('pushes at the highest priority; the notification`s Acknowledge button (an HTTP POST from the ntfy app) acknowledges', async () => {
    const n = await fire('Queue backlog');
    const push = await eventually('the push', () => ntfy.published.find((p) => p.title?.startsWith(`INC-${n} `)));
    expect(push).toMatchObject({ topic: 'dana-pages', priority: 5 });
    const action = push.actions![0]!;
    expect(action).toMatchObject({ action: 'http', method: 'POST', label: `Acknowledge INC-${n}` });
    // The ntfy app POSTs with no body at all.
    const pressed = await fetch(action.url.replace(/^https?:\/\/[^/]+/, bot.url), { method: 'POST' });
    expect(pressed.status).toBe(200);
    expect(await status(n)).toBe('acknowledged');
  });

  it('rate limited by ntfy, waits as told and sends once when the limit lifts', async () => {
    ntfy.failNext(429, 2);
    const n = await fire('Disk full');
    const job = await eventually('the retry, scheduled a minute out', async () => {
      const pending = await bot.database.prisma.job.findFirst({ where: { kind: 'page.notify', status: 'pending' } });
      return pending && pending.dueAt.getTime() > Date.now() + 30_000 ? pending : undefined;
    });
    expect(job.attempts).toBe(0);
    expect(ntfy.published.filter((p) => p.title?.startsWith(`INC-${n} `))).toHaveLength(0);
    // The minute passes, twice.
    for (let i = 0; i < 2; i++) {
      await fallDueNow(bot.database, 'page.notify');
      bot.worker.wake();
      await eventually('the next try', async () => {
        const notification = await bot.database.prisma.notification.findFirstOrThrow({ where: { page: { incidentId: n } } });
        const pending = await bot.database.prisma.job.findFirst({ where: { kind: 'page.notify', status: 'pending' } });
        return notification.status === 'sent' || (pending && pending.dueAt.getTime() > Date.now() + 30_000);
      });
    }
    await eventually('sent', async () => (await bot.database.prisma.notification.findFirstOrThrow({ where: { page: { incidentId: n } } })).status === 'sent');
    expect(ntfy.published.filter((p) => p.title?.startsWith(`INC-${n} `))).toHaveLength(1);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { startBot } from '../../src/main.js';
import type { RunningBot } from '../../src/running-bot.js';
import { markVerified } from '../support/mark-verified.js';
import { eventually } from '../support/eventually.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { startSmtpInbox } from '../support/smtp-inbox.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';

const WEBHOOK_TOKEN = 'webhook-token-ack-replicas-0123';

// Replicas share one PostgreSQL; embedded storage is one process by design.
describe.skipIf(!databaseKinds().includes('postgres'))('an emailed acknowledge link with two replicas behind it', () => {
  let inbox: Awaited<ReturnType<typeof startSmtpInbox>>;
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const replicas: RunningBot[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ack-replicas-'));

  beforeAll(async () => {
    inbox = await startSmtpInbox();
    database = await createPostgresDatabase();
    writeFileSync(
      join(dir, 'oncall.yaml'),
      ['people:', '  bruno: { name: Bruno Keller, email: bruno@example.com, notify: { high: [{ via: email }] } }', 'escalation_policies:', '  bruno: { levels: [{ targets: [{ person: bruno }], delay: 1h }] }', 'default_route: { escalation_policy: bruno }'].join('\n'),
    );
    for (const name of ['a', 'b']) {
      const config = loadConfig({
        PORT: '0',
        LOG_LEVEL: 'silent',
        DATABASE_URL: database.url,
        DATA_DIR: join(dir, name),
        ONCALL_FILE: join(dir, 'oncall.yaml'),
        WEBHOOK_TOKEN,
        SMTP_URL: inbox.url,
        EMAIL_FROM: 'pager@example.com',
      });
      replicas.push(await startBot(config, { log: createLogger('silent'), host: '127.0.0.1' }));
    }
    await markVerified(replicas[0]!.database.prisma, 'bruno', { email: 'bruno@example.com' });
  }, 120_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await database?.drop();
    await inbox?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the page email once, and the link pressed on both replicas at once acknowledges once', async () => {
    const [a, b] = replicas as [RunningBot, RunningBot];
    const n = await fireGenericAlert(a, { title: 'Checkout errors', severity: 'critical', service: 'checkout', fingerprint: 'ack-replicas-1' });
    const mail = await eventually('the page email', () => inbox.mails.find((m) => m.raw.includes(`INC-${n}`)));
    const token = /\/ack\/([A-Za-z0-9_-]{43})/.exec(mail.raw.replace(/=\r?\n/g, ''))![1]!;
    // Both replicas' workers ran meanwhile: still one email.
    await eventually('the email on the timeline', async () => (await a.database.prisma.timelineEvent.count({ where: { incidentId: n, kind: 'page.notified' } })) === 1);
    expect(inbox.mails.filter((m) => m.raw.includes(`INC-${n}`))).toHaveLength(1);

    const press = (bot: RunningBot) => fetch(`${bot.url}/ack/${token}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '' }).then((r) => r.status);
    const statuses = await Promise.all([press(a), press(b), press(a), press(b)]);
    expect(statuses.sort()).toEqual([200, 410, 410, 410]);
    expect(await a.database.prisma.timelineEvent.count({ where: { incidentId: n, kind: 'status.acknowledged' } })).toBe(1);
    expect(await a.database.prisma.auditEntry.count({ where: { action: 'incident.ack', result: 'ok' } })).toBe(1);
    expect((await a.database.prisma.incident.findUniqueOrThrow({ where: { id: n } })).status).toBe('acknowledged');
  });
});

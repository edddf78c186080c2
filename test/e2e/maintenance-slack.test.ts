import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const TOKEN = 'xoxb-maintenance-test';
const SECRET = 'maintenance-signing-secret';

describe('maintenance windows from Slack: who may open one, and the team channel hears of it', () => {
  let fake: FakeSlack;
  let slack: SlackRequestSender;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, channels: [{ name: 'payments-oncall' }, { name: 'incidents' }] });
    dir = mkdtempSync(join(tmpdir(), 'maintenance-slack-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, slack: U0ALICE001, timezone: Europe/Berlin }',
        '  bob: { name: Bob Baker, slack: U0BOB00001 }',
        'teams:',
        '  payments: { name: Payments, members: [alice], services: [checkout], channel: "#payments-oncall" }',
      ].join('\n'),
    );
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ONCALL_FILE: join(dir, 'oncall.yaml'), INCIDENTS_CHANNEL: '#incidents' });
    slack = fake.requestsTo(`${bot.url}/slack/events`);
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const maintenance = async (text: string, user: string) => {
    const sent = await slack.slashCommand({ command: '/incident', text: `maintenance ${text}`, user_id: user, channel_id: 'C0GENERAL1' });
    const reply = await eventually('the answer', () => fake.state.responses.find((r) => r.url === sent.response_url));
    return { visibility: reply.response_type, text: JSON.stringify(reply.body) };
  };
  const said = (channel: string) => fake.state.messages(channel).map((m) => JSON.stringify(m.blocks ?? m.text));

  it('refuses someone outside the owning team, opens for a member, announces start and end in the team channel, with what it held', async () => {
    const refused = await maintenance('start checkout for 2h database upgrade', 'U0BOB00001');
    expect(refused.visibility).toBe('ephemeral');
    expect(refused.text).toContain('Only members of Payments or an admin may open or end its maintenance windows');
    expect(await bot.database.prisma.maintenanceWindow.count()).toBe(0);

    const opened = await maintenance('start checkout for 2h database upgrade', 'U0ALICE001');
    expect(opened.visibility).toBe('in_channel');
    expect(opened.text).toContain('Maintenance #1 started');
    // The window runs on the real clock, so its end may fall on the next day in Berlin ("22:07-Sat 5 Dec 00:07").
    expect(opened.text).toMatch(/\d\d:\d\d-(?:[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} )?\d\d:\d\d GMT\+[12] \(2h\), running, by Alice Archer: database upgrade/);
    await eventually('the start in the team channel', () => said('payments-oncall').some((m) => m.includes('Maintenance #1 started')));

    await fireGenericAlert(bot, { title: 'Checkout latency', service: 'checkout', severity: 'critical', fingerprint: 'checkout-latency' });
    await fireGenericAlert(bot, { title: 'Checkout errors', service: 'checkout', severity: 'critical', fingerprint: 'checkout-errors', status: 'resolved' }).catch(() => undefined);
    expect(await bot.database.prisma.incident.count()).toBe(0);
    const listed = await maintenance('list', 'U0BOB00001');
    expect(listed.text).toContain('held 1 alert(s)');

    const ended = await maintenance('end 1', 'U0ALICE001');
    expect(ended.text).toContain('Maintenance #1 ended early');
    const end = await eventually('the end in the team channel', () => said('payments-oncall').find((m) => m.includes('Maintenance #1 ended')));
    expect(end).toContain('It held 1 alert(s). Still firing, these open their incidents now: INC-1.');
    expect(await bot.database.prisma.incident.count()).toBe(1);
    expect(said('incidents').some((m) => m.includes('Maintenance'))).toBe(false);
    const audit = await bot.database.prisma.auditEntry.findMany({ where: { action: 'incident.maintenance' }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.actorName, a.result])).toEqual([
      ['Bob Baker', 'refused'],
      ['Alice Archer', 'ok'],
      ['Bob Baker', 'ok'],
      ['Alice Archer', 'ok'],
    ]);
  });

  it('a planned window ended before it starts is cancelled: said so, and neither its start nor its end is announced', async () => {
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const planned = await maintenance(`start checkout at ${day} 22:00 for 3h failover drill`, 'U0ALICE001');
    expect(planned.text).toContain('Maintenance #2 planned');
    const cancelled = await maintenance('end 2', 'U0ALICE001');
    expect(cancelled.text).toContain('Maintenance #2 cancelled');
    expect(cancelled.text).toMatch(/service checkout: it was planned from \w{3} \d{1,2} \w{3} 22:00 GMT\+[12] and will not run\./);
    const listed = await maintenance('list', 'U0ALICE001');
    expect(listed.text).toMatch(/#2 service checkout, planned from .*, cancelled before it started, by Alice Archer: failover drill/);
    // Its end job ran at once (the sweep after it is queued): nothing was said in the channels.
    await eventually('the cancelled window`s end job to run', async () => (await bot.database.prisma.job.count({ where: { subject: 'maintenance:2', payload: { path: ['sweep'], equals: true } } })) === 1);
    expect(said('payments-oncall').filter((m) => m.includes('Maintenance #2'))).toEqual([]);
  });
});

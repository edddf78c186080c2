import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/eventually.js';
import { mattermostNotifications, postText, startFakeMattermost, type FakeMattermost } from '../support/fake-mattermost/index.js';
import { freePort } from '../support/free-port.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const TOKEN = 'mattermost-e2e-bot-token';
const INCIDENT_TOKEN = 'incidentslashtoken00000001';
const ONCALL_TOKEN = 'oncallslashtoken0000000001';
const API_TOKEN = 'api-token-mattermost-e2e-01';

// The whole workflow on Mattermost alone: channel and card, pages by DM, buttons, commands,
// postmortem and weekly report uploads, hostile text, and the requests it must refuse.
describe('Mattermost', () => {
  let fake: FakeMattermost;
  let bot: TestBot;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeMattermost({ token: TOKEN, channels: ['reports'] });
    dir = mkdtempSync(join(tmpdir(), 'mattermost-e2e-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        `  alice: { name: Alice Archer, mattermost: ${fake.users.alice}, roles: [manager] }`,
        'escalation_policies:',
        '  first:',
        '    levels:',
        '      - targets: [{ person: alice }]',
        '        delay: 1h',
        'default_route:',
        '  escalation_policy: first',
      ].join('\n'),
    );
    const port = await freePort();
    bot = await startTestBot('pglite', {
      MATTERMOST_URL: fake.url,
      MATTERMOST_BOT_TOKEN: TOKEN,
      MATTERMOST_TEAM: fake.teamName,
      MATTERMOST_COMMAND_TOKENS: `incident:${INCIDENT_TOKEN}, oncall:${ONCALL_TOKEN}`,
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      REPORT_CHANNEL: '#reports',
      API_TOKEN,
    });
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let alerts = 0;
  const openIncident = (title: string, extra: Record<string, unknown> = {}) => {
    alerts++;
    return fireGenericAlert(bot, { title, severity: 'critical', service: 'checkout', fingerprint: `mm-${alerts}`, group: `mm-${alerts}`, ...extra });
  };
  const incidentChannel = (number: number) => eventually(`the channel of INC-${number}`, () => fake.state.channels.find((c) => c.name.startsWith(`inc-${number}-`) && fake.state.messages(c.id).length > 0));
  const api = (path: string) => readJson(fetch(`${bot.url}/api${path}`, { headers: { authorization: `Bearer ${API_TOKEN}` } }));
  const typed = (command: '/incident' | '/oncall', text: string, channelId: string, userId = fake.users.alice, token = command === '/incident' ? INCIDENT_TOKEN : ONCALL_TOKEN, triggerId?: string) =>
    fake.slashCommand(`${bot.url}/mattermost/commands`, { command, text, userId, channelId, token, ...(triggerId ? { triggerId } : {}) });

  it('an alert opens a channel in the team with its card; the on-call person is invited and paged by DM, and Acknowledge there changes the card in place', async () => {
    const number = await openIncident('Checkout error rate above 5%');
    const channel = await incidentChannel(number);
    expect(channel.team_id).toBe(fake.teamId);
    expect(channel.type).toBe('O');
    const card = fake.state.messages(channel.id)[0]!;
    expect(postText(card)).toContain('Checkout error rate above 5%');
    expect(card.props.attachments![0]!.actions!.map((a) => a.name)).toEqual(expect.arrayContaining(['Acknowledge', 'Resolve']));
    await eventually('alice invited', () => channel.members.has(fake.users.alice) || undefined);

    const dm = await eventually('the page by DM', () => fake.state.channels.find((c) => c.type === 'D' && c.members.has(fake.users.alice) && fake.state.messages(c.id).length > 0));
    const page = fake.state.messages(dm.id)[0]!;
    expect(postText(page)).toContain('Checkout error rate above 5%');
    const ack = page.props.attachments![0]!.actions!.find((a) => a.name === 'Acknowledge')!;
    expect((ack.integration!.context as { action: string }).action).toBe('page.ack');
    const answer = await fake.click(page.id, 'Acknowledge', fake.users.alice);
    expect(answer.status).toBe(200);
    expect((await api(`/incidents/${number}`)).status).toBe('acknowledged');
    await eventually('the card updated', () => (card.edits > 0 && !card.props.attachments![0]!.actions?.some((a) => a.name === 'Acknowledge')) || undefined);
    expect(fake.state.messages(channel.id).filter((p) => p.props.attachments?.[0]?.title === card.props.attachments![0]!.title)).toHaveLength(1);
  });

  it('a playbook step`s Done button on Mattermost moves the playbook on and records who did it', async () => {
    const number = await openIncident('Payment provider timeouts');
    const channel = await incidentChannel(number);
    const step = await eventually('the first step', () => fake.state.messages(channel.id).find((p) => p.props.attachments?.[0]?.actions?.some((a) => a.name === 'Done')));
    const answer = await fake.click(step.id, 'Done', fake.users.alice);
    expect(answer.status).toBe(200);
    await eventually('the next step', () => fake.state.messages(channel.id).find((p) => /Step 2 of/.test(String(p.props.attachments?.[0]?.title ?? ''))));
    const events = (await api(`/incidents/${number}/timeline`)).events as { kind: string; actor?: { name: string } }[];
    expect(events.find((e) => e.kind === 'step.done' && e.actor?.name === 'Alice Archer')).toBeTruthy();
  });

  it('alert text that names @channel, @all or a person notifies nobody; the bot`s own page mention still does', async () => {
    const number = await openIncident('@channel disk full, ask @bob or @all', { description: 'ping @here and <@U0ALICE001> now' });
    const channel = await incidentChannel(number);
    await eventually('the page mention in the channel', () => fake.state.messages(channel.id).find((p) => mattermostNotifications(postText(p)).includes('alice')));
    const heard = fake.state.messages(channel.id).flatMap((p) => mattermostNotifications(postText(p)));
    expect(heard).not.toContain('channel');
    expect(heard).not.toContain('all');
    expect(heard).not.toContain('here');
    expect(heard).not.toContain('bob');
    expect(postText(fake.state.messages(channel.id)[0]!)).toContain('@\u200bchannel disk full');
  });

  it('every command works: /oncall who answers privately, /incident postmortem uploads the file into the channel', async () => {
    const who = await typed('/oncall', 'who', fake.generalChannelId);
    expect(who.status).toBe(200);
    expect(who.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(who.body)).toContain('On call now');
    const number = await openIncident('Replica lag on db-2');
    const channel = await incidentChannel(number);
    const done = await typed('/incident', 'postmortem', channel.id);
    expect(done.body.response_type).toBe('in_channel');
    expect(JSON.stringify(done.body)).toContain(`generated the postmortem draft of INC-${number}`);
    const file = await eventually('the postmortem file', () => [...fake.state.files.values()].find((f) => f.channel_id === channel.id && f.name === `INC-${number}-postmortem.md`));
    expect(file.bytes.toString()).toContain('Replica lag on db-2');
    const role = await typed('/incident', 'role commander @bob', channel.id);
    expect(role.status).toBe(200);
    expect(role.body.text).toContain('@alice made @bob commander of INC-');
    // The invitation follows the answer (the incident's sync job): on a busy machine a moment later.
    await eventually('bob in the incident channel', () => channel.members.has(fake.users.bob) || undefined);
    expect((await api(`/incidents/${number}`)).roles).toEqual({ commander: 'Bob Baker' });
    const unknown = await typed('/incident', 'role commander @nobody', channel.id);
    expect(unknown.body.response_type).toBe('ephemeral');
    expect(unknown.body.text).toContain('must be an @\u200bmention');
    expect(unknown.body.text).toContain('@\u200bnobody');
    const help = await typed('/incident', 'frobnicate', channel.id);
    expect(help.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(help.body)).toMatch(/\/incident/);
  });

  it('refuses a command without its token, a click without the key or with a forged button, and runs a replayed command once', async () => {
    const number = await openIncident('Queue backlog');
    const channel = await incidentChannel(number);
    const forged = await typed('/incident', 'resolve', channel.id, fake.users.alice, 'notthetokenofthiscommand01');
    expect(forged.status).toBe(401);
    // Each token runs its own command only: /oncall's token (in a leaked /oncall setup, say) cannot resolve.
    const crossed = await typed('/incident', 'resolve', channel.id, fake.users.alice, ONCALL_TOKEN);
    expect(crossed.status).toBe(401);
    expect(crossed.body).toEqual({ error: 'unauthorized', message: 'this is the token of /oncall, not of /incident (MATTERMOST_COMMAND_TOKENS)' });
    const noHeader = await fetch(`${bot.url}/mattermost/commands`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `command=%2Fincident&text=resolve&user_id=${fake.users.alice}&channel_id=${channel.id}&token=${INCIDENT_TOKEN}` });
    expect(noHeader.status).toBe(401);
    const click = (url: string, context: unknown) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user_id: fake.users.alice, channel_id: channel.id, post_id: fake.state.messages(channel.id)[0]!.id, context }) });
    const resolve = fake.state.messages(channel.id)[0]!.props.attachments![0]!.actions!.find((a) => a.name === 'Resolve')!.integration!;
    expect((await click(`${bot.url}/mattermost/actions`, resolve.context)).status).toBe(401);
    expect((await click(`${bot.url}/mattermost/actions?key=guess`, resolve.context)).status).toBe(401);
    const otherIncident = { ...(resolve.context as object), value: '1' };
    expect((await click(resolve.url, otherIncident)).status).toBe(401);
    expect((await api(`/incidents/${number}`)).status).toBe('triggered');
    expect((await api('/incidents/1')).status).not.toBe('resolved');

    const first = await typed('/incident', 'note replayed once', channel.id, fake.users.alice, INCIDENT_TOKEN, 'triggerreplay0000000000001');
    expect(first.status).toBe(200);
    const again = await typed('/incident', 'note replayed once', channel.id, fake.users.alice, INCIDENT_TOKEN, 'triggerreplay0000000000001');
    expect(again.status).toBe(409);
    const notes = (await api(`/incidents/${number}/timeline`)).events.filter((e: { kind: string; text: string }) => e.kind === 'note' && e.text === 'replayed once');
    expect(notes).toHaveLength(1);
  });

  it('a rate limit from Mattermost is waited out: the card arrives, once', async () => {
    fake.failNext('POST /posts', { status: 429, reset: 1 });
    const number = await openIncident('Cache hit ratio low');
    const channel = await incidentChannel(number);
    expect(fake.calls.some((c) => c.route === 'POST /posts' && c.status === 429)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.state.messages(channel.id).filter((p) => p.props.attachments?.[0]?.title?.toString().includes('Cache hit ratio low'))).toHaveLength(1);
  });

  it('posts the weekly report with its chart to REPORT_CHANNEL', async () => {
    const nextMonday = DateTime.utc().startOf('week').plus({ weeks: 1, hours: 9 }).toJSDate();
    await bot.database.prisma.job.updateMany({ where: { kind: 'report.weekly' }, data: { dueAt: new Date(Date.now() - 1000), payload: { occurrence: nextMonday.toISOString() } } });
    bot.worker.wake();
    const reports = fake.state.channels.find((c) => c.name === 'reports')!;
    const report = await eventually('the report', () => fake.state.messages(reports.id).find((p) => postText(p).includes('Incident report')));
    expect(postText(report)).toContain('By severity');
    expect(postText(report)).toContain('MTTA');
    await eventually('the chart', () => [...fake.state.files.values()].find((f) => f.channel_id === reports.id && f.name.endsWith('.png')));
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackRequestSender } from '../support/fake-slack/index.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { eventually } from '../support/eventually.js';
import { fallDueNow } from '../support/job-time.js';

const TOKEN = 'xoxb-playbook-run';
const SECRET = 'playbook-run-secret';

const DRILL = (lookTitle: string) => `
id: drill
name: Drill
match: { labels: { alertname: Drill } }
steps:
  - id: look
    title: ${lookTitle}
    instructions: Open the service dashboard.
    commands: ["kubectl get pods -n drill"]
    remind_after: 1h
  - id: decide
    title: Is it the database?
    choices:
      - { id: db, label: Database, next: db-fix }
      - { id: app, label: Application, next: app-fix }
  - id: db-fix
    title: Fix the database
    next: wrap
  - id: app-fix
    title: Roll back the app
  - id: tell-customers
    title: Tell customers
    when: { labels: { env: production } }
  - id: wrap
    title: Wrap up
`;

describe('a playbook run through the chat port', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let slack: SlackRequestSender;
  let dir: string;
  let channelId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'playbook-run-'));
    writeFileSync(join(dir, 'drill.yaml'), DRILL('Look at the dashboard'));
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, PLAYBOOKS_DIR: dir });
    slack = fake.requestsTo(`${bot.url}/slack/events`);
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stepCardText = () => JSON.stringify(fake.state.messages(channelId).find((m) => JSON.stringify(m.blocks).includes('📋'))?.blocks ?? []);
  const timeline = async () => (await bot.database.prisma.timelineEvent.findMany({ where: { incidentId: 1 }, orderBy: { id: 'asc' } })).map((e) => `${e.kind}: ${e.text}`);
  const click = (action: string, value: string) => slack.blockAction({ action_id: action, value, channel_id: channelId, user_id: 'U0ALICE001', user_name: 'alice' });
  const command = async (text: string) => {
    const sent = await slack.slashCommand({ command: '/incident', text, channel_id: channelId, user_id: 'U0BOB00001', user_name: 'bob' });
    return eventually(`the answer to ${text}`, () => fake.state.responses.find((r) => r.url === sent.response_url));
  };

  it('starts the matching playbook when the incident opens and shows step 1 as a card', async () => {
    await fetch(`${bot.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Drill alert', labels: { alertname: 'Drill', env: 'staging' } }),
    });
    channelId = (await eventually('the channel', () => fake.state.channels.find((c) => c.name.startsWith('inc-1-') && fake.state.messages(c.id).length > 0))).id;
    await eventually('the step card', () => stepCardText().includes('Step 1 of 6: Look at the dashboard'));
    expect(stepCardText()).toContain('kubectl get pods -n drill');
    expect(stepCardText()).toContain('"action_id":"step.done"');
  });

  it('reports a broken playbook in /incident help and skips it, without taking the bot down', async () => {
    writeFileSync(join(dir, 'broken.yaml'), 'id: broken\nname: Broken\nsteps:\n  - { id: a, title: A, next: nowhere }\n');
    await bot.reload();
    const sent = await slack.slashCommand({ command: '/incident', text: 'help', channel_id: 'C0GENERAL1' });
    const help = await eventually('help', () => fake.state.responses.find((r) => r.url === sent.response_url));
    expect(JSON.stringify(help.body)).toContain('broken.yaml:4:30 steps[0].next: no step');
    rmSync(join(dir, 'broken.yaml'));
    await bot.reload();
  });

  it('keeps the running incident on the version it started with when the file is edited', async () => {
    writeFileSync(join(dir, 'drill.yaml'), DRILL('Renamed in the file'));
    await bot.reload();
    const run = await bot.database.prisma.playbookRun.findUniqueOrThrow({ where: { incidentId: 1 } });
    expect(JSON.stringify(run.definition)).toContain('Look at the dashboard');
    expect((await command('step')).body).toMatchObject({ response_type: 'ephemeral' });
    expect(stepCardText()).not.toContain('Renamed in the file');
  });

  it('reminds the channel when a step stays open past remind_after', async () => {
    await fallDueNow(bot.database, 'playbook.reminder');
    bot.worker.wake();
    await eventually('the reminder', () => fake.state.messages(channelId).find((m) => JSON.stringify(m.blocks).includes('is still open')));
  });

  it('moves on with Done, takes a decision branch, refuses a stale click, skips a `when` step, goes back, and completes', async () => {
    await click('step.done', '1:look');
    await eventually('the decision card', () => stepCardText().includes('Step 2 of 6: Is it the database?'));
    expect(stepCardText()).toContain('"action_id":"step.choose"');

    const stale = await click('step.done', '1:look');
    const refusal = await eventually('the refusal', () => fake.state.responses.find((r) => r.url === stale.response_url));
    expect(JSON.stringify(refusal.body)).toContain('That card is out of date');

    await click('step.choose', '1:decide:app');
    await eventually('the app branch', () => stepCardText().includes('Roll back the app'));
    await command('step done');
    // tell-customers applies to production only: skipped on the way to the last step.
    await eventually('wrap up', () => stepCardText().includes('Step 6 of 6: Wrap up'));
    expect(await timeline()).toContain('step.skipped: Skipped step "Tell customers" (only when env=production)');

    await command('step back');
    await eventually('back to the app step', () => stepCardText().includes('Roll back the app'));
    await command('step done');
    await eventually('wrap up again', () => stepCardText().includes('Wrap up'));
    await command('step done');
    await eventually('the summary', () => stepCardText().includes('Playbook \\"Drill\\" completed'));
    expect(stepCardText()).toContain('Roll back the app by Bob');
    expect(stepCardText()).toContain('Is it the database? → app by Alice');
    const kinds = await timeline();
    expect(kinds.filter((k) => k.startsWith('step.done'))).toHaveLength(5);
    expect(kinds.at(-1)).toBe('playbook.completed: Playbook "Drill" completed');
  });
});

describe('the postmortem of that scripted incident', () => {
  it('is written from the timeline, uploaded to the channel as a file, and served by the API', async () => {
    const { startFakeSlack: start } = await import('../support/fake-slack/index.js');
    const fake = await start({ token: TOKEN, signingSecret: SECRET });
    const bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, API_TOKEN: 'api-token-0123456789abcdef' });
    try {
      const slack = fake.requestsTo(`${bot.url}/slack/events`);
      await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Checkout 5xx above 5%', severity: 'critical', service: 'checkout', links: { dashboard: 'https://grafana.example/d/checkout' } }),
      });
      const channel = await eventually('the channel', () => fake.state.channels.find((c) => c.name.startsWith('inc-1-') && fake.state.messages(c.id).length > 0));
      const say = async (text: string, user = 'U0ALICE001') => {
        const sent = await slack.slashCommand({ command: '/incident', text, channel_id: channel.id, user_id: user });
        return eventually(text, () => fake.state.responses.find((r) => r.url === sent.response_url));
      };
      await say('ack');
      await say('role commander <@U0BOB00001|bob>');
      await say('note impact: 4% of checkouts failed for 12 minutes');
      await say('note rootcause: a config push disabled the payment retry');
      await say('note action: validate payment config in CI');
      await say('resolve reverted the config push', 'U0BOB00001');
      const reply = await say('postmortem');
      expect(JSON.stringify(reply.body)).toContain('generated the postmortem draft of INC-1');
      const upload = await eventually('the upload', () => fake.state.uploads[0]);
      expect(upload).toMatchObject({ filename: 'INC-1-postmortem.md', completed: true, channel: channel.id });
      const markdown = upload.bytes!.toString('utf8');
      for (const fact of [
        '# Postmortem: INC-1 Checkout 5xx above 5%',
        'reverted the config push',
        '| Severity | SEV1 |',
        'First alert: **Checkout 5xx above 5%** from generic',
        '[dashboard](https://grafana.example/d/checkout)',
        '- 4% of checkouts failed for 12 minutes (Alice Archer,',
        '- a config push disabled the payment retry (Alice Archer,',
        '- [ ] validate payment config in CI',
        '- Bob Baker (commander)',
        '| Alice Archer | Acknowledged |',
      ]) {
        expect(markdown).toContain(fact);
      }
      expect(markdown).toContain('## Contributing factors\n\n_To be written._');
      const served = await fetch(`${bot.url}/api/incidents/1/postmortem.md`, { headers: { authorization: 'Bearer api-token-0123456789abcdef' } });
      expect(served.headers.get('content-type')).toContain('text/markdown');
      expect(await served.text()).toContain('a config push disabled the payment retry');
      expect(await bot.database.prisma.postmortem.count()).toBe(1);
    } finally {
      await bot.destroy();
      await fake.close();
    }
  });
});

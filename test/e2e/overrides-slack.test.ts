import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackConversation } from '../support/slack-conversation.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const HOUR = 3_600_000;

describe('/oncall overrides: every override in sight, each with a Remove button', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let dir: string;
  const from = new Date(Date.now() + 48 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z');
  const to = new Date(Date.now() + 52 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'overrides-slack-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, slack: U0ALICE001, roles: [admin] }',
        '  bob: { name: Bob Baker, slack: U0BOB00001 }',
        '  carol: { name: Carol Chen, slack: U0CAROL001 }',
        'teams:',
        '  db: { name: Databases, members: [alice, bob], schedules: [db-primary] }',
        '  web: { name: Web, members: [carol] }',
        'schedules:',
        '  db-primary:',
        '    layers:',
        '      - { participants: [alice], rotation: daily, handoff: "09:00", start: 2026-01-01 }',
      ].join('\n'),
    );
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ONCALL_FILE: join(dir, 'oncall.yaml') });
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const slack = slackConversation(() => fake, () => bot.url);
  // The answers' bodies, parsed.
  const command = async (text: string, user: string) => ({ body: JSON.parse(await slack.command('/oncall', text, user)) });
  const click = async (value: string, user: string) => ({ body: JSON.parse(await slack.click('override.remove', value, user)) });

  it('lists the override privately with a Remove button; someone off the team may not remove it; Bob may', async () => {
    await command(`override db <@U0BOB00001|bob> ${from} ${to}`, 'U0ALICE001');
    const [stored] = await bot.database.prisma.oncallOverride.findMany();
    const listed = await command('overrides db', 'U0BOB00001');
    expect(listed.body.response_type).toBe('ephemeral');
    const text = JSON.stringify(listed.body);
    expect(text).toContain(`#${stored!.id}`);
    expect(text).toContain('Bob Baker');
    const button = JSON.stringify(listed.body.blocks).match(/"action_id":"(override\.remove[^"]*)","value":"(\d+)"/);
    expect(button?.[2]).toBe(String(stored!.id));

    const refused = await click(String(stored!.id), 'U0CAROL001');
    expect(JSON.stringify(refused.body)).toContain('Only Bob Baker, members of Databases or an admin may remove override');
    expect(await bot.database.prisma.oncallOverride.count()).toBe(1);

    const removed = await click(String(stored!.id), 'U0BOB00001');
    expect(removed.body.response_type).toBe('in_channel');
    expect(JSON.stringify(removed.body)).toContain(`removed override #${stored!.id}`);
    expect(await bot.database.prisma.oncallOverride.count()).toBe(0);
    const audit = await bot.database.prisma.auditEntry.findMany({ where: { action: { contains: 'unoverride' } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => a.result)).toEqual(['refused', 'ok']);
    // Typed with the id the list shows, once it is gone.
    expect(JSON.stringify((await command(`unoverride ${stored!.id}`, 'U0ALICE001')).body)).toContain(`There is no override #${stored!.id}`);
  });

  it('/oncall calendar: secret addresses of your shifts and your team, valid iCalendar, revoked by reset', async () => {
    const answer = JSON.stringify((await command('calendar', 'U0ALICE001')).body);
    const urls = [...answer.matchAll(/http:\/\/[^\s"|>]+?\.ics/g)].map((m) => m[0]);
    expect(urls).toHaveLength(2);
    const [mine, team] = urls as [string, string];
    const feed = await fetch(mine.replace(/^http:\/\/[^/]+/, bot.url));
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toContain('text/calendar');
    const ics = await feed.text();
    expect(ics).toMatch(/^BEGIN:VCALENDAR\r?\n/);
    expect(ics).toContain('SUMMARY:On call: db-primary');
    expect((await fetch(team.replace(/^http:\/\/[^/]+/, bot.url))).status).toBe(200);
    // The same address when asked again; a new one after reset, and the old one is gone.
    expect(JSON.stringify((await command('calendar', 'U0ALICE001')).body)).toContain(mine);
    const reset = JSON.stringify((await command('calendar reset', 'U0ALICE001')).body);
    expect(reset).not.toContain(mine);
    const gone = await fetch(mine.replace(/^http:\/\/[^/]+/, bot.url));
    expect(gone.status).toBe(404);
    expect(await gone.text()).toContain('it was reset');
    expect((await fetch(`${bot.url}/calendar/not-a-token.ics`)).status).toBe(404);
    // Carol is on another team: she may not reset the team's address.
    expect(JSON.stringify((await command('calendar reset db-primary', 'U0CAROL001')).body)).toContain('Only members of the teams of db-primary or an admin');
  });

  it('/oncall load: hours on call, at night and at weekends, per person of the team', async () => {
    const answer = JSON.stringify((await command('load 1 db', 'U0CAROL001')).body);
    // Alice (UTC) holds db-primary all week: any 7 days have 63 night hours and 48 weekend hours.
    expect(answer).toContain('Alice Archer*: 168 h on call (63 h at night, 48 h at weekends)');
    expect(answer).toContain('Bob Baker*: 0 h on call');
    expect(answer).not.toContain('Carol Chen');
    expect(JSON.stringify((await command('load 1 nosuchteam', 'U0CAROL001')).body)).toContain('No team \\"nosuchteam\\"');
  });
});

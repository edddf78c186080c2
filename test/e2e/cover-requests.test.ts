import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { eventually } from '../support/eventually.js';
import { slackConversation } from '../support/slack-conversation.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { JobTime } from '../support/job-time.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const HOUR = 3_600_000;
/** A date some days ahead of today: the requests must lie in the future whenever the test runs. */
const day = (n: number) => new Date(Date.now() + n * 24 * HOUR).toISOString().slice(0, 10);

describe('cover requests: ask the team, the first to take it gets the override', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let dir: string;
  let time: JobTime;
  // The bot's clock starts at the real time: Slack's signatures carry it, and the bot refuses a request from far away in time.
  const start = new Date();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cover-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, slack: U0ALICE001, timezone: Europe/Berlin }',
        '  bob: { name: Bob Baker, slack: U0BOB00001, timezone: America/New_York }',
        '  carol: { name: Carol Chen, slack: U0CAROL001 }',
        'teams:',
        '  db: { name: Databases, members: [alice, bob], schedules: [db-primary], channel: "#db-oncall", lead: bob }',
        '  web: { name: Web, members: [carol] }',
        // Alice is on call for a second team too, whose channel the bot cannot find.
        '  ops: { name: Operations, members: [alice], schedules: [ops-primary], channel: "#ops-oncall" }',
        'schedules:',
        '  db-primary:',
        '    layers:',
        '      - { participants: [alice], rotation: weekly, handoff: "09:00", handoff_day: monday, start: 2026-11-02 }',
        '  ops-primary:',
        '    layers:',
        '      - { participants: [alice], rotation: weekly, handoff: "09:00", handoff_day: monday, start: 2026-11-02 }',
      ].join('\n'),
    );
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, channels: [{ name: 'db-oncall' }] });
    const clock = new ManualClock(start);
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ONCALL_FILE: join(dir, 'oncall.yaml'), REPORT_TIMEZONE: 'UTC' }, { clock });
    time = new JobTime(bot.database, clock);
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const slack = slackConversation(() => fake, () => bot.url);
  const command = (text: string, user: string) => slack.command('/oncall', text, user);
  const click = (value: string, user: string) => slack.click('cover.take', value, user);
  const channel = () => slack.channel('db-oncall');
  const dms = (user: string) => slack.dms(user);

  it('posts the request with Take it; Carol (another team) may not; Bob takes it: override, message updated, both told; a second click is refused', async () => {
    const asked = await command(`cover ${day(6)}T08:00:00Z ${day(6)}T20:00:00Z dentist`, 'U0ALICE001');
    expect(asked).toContain('Cover #1 asked in #db-oncall');
    // Her other schedule is named, with why it was not asked: she stays on call there.
    expect(asked).toContain('Not asked, so you stay on call there:');
    expect(asked).toContain('ops-primary (Operations): the bot could not find #ops-oncall (teams.ops.channel) in Slack');
    expect(channel()).toHaveLength(1);
    expect(channel()[0]).toContain('who can take Alice Archer');
    expect(channel()[0]).toContain('"action_id":"cover.take"');

    expect(await click('1', 'U0CAROL001')).toContain('Only members of Databases may take cover #1');
    expect(await click('1', 'U0ALICE001')).toContain('your own request');
    expect(await click('1', 'U0BOB00001')).toContain('takes cover #1');
    const [override] = await bot.database.prisma.oncallOverride.findMany({ include: { person: true } });
    expect(override).toMatchObject({ scheduleKey: 'db-primary', startsAt: new Date(`${day(6)}T08:00:00Z`), endsAt: new Date(`${day(6)}T20:00:00Z`), person: { handle: 'bob' } });
    // The same message, edited for everyone: no button left.
    expect(channel()).toHaveLength(1);
    expect(channel()[0]).toContain('taken by Bob Baker');
    expect(channel()[0]).not.toContain('cover.take');
    expect(dms('U0ALICE001').join()).toContain('Bob Baker took cover #1');
    // Each is told in their own time zone.
    expect(dms('U0ALICE001').find((m) => m.includes('took cover #1'))).toContain('(Europe/Berlin)');
    expect(dms('U0BOB00001').find((m) => m.includes('You took cover #1'))).toContain('(America/New_York)');
    expect(dms('U0BOB00001').join()).toContain('You took cover #1');
    expect(await click('1', 'U0BOB00001')).toContain('Cover #1 has been taken already');
    expect(await bot.database.prisma.oncallOverride.count()).toBe(1);
    // Nothing to cover where Alice is not on call.
    expect(await command(`cover ${day(6)}T10:00:00Z ${day(6)}T11:00:00Z`, 'U0CAROL001')).toContain('You are not on call');
  });

  it('reminds the channel after COVER_TIMEOUT and tells the lead after twice as long, while nobody takes it', async () => {
    await command(`cover ${day(7)}T08:00:00Z ${day(7)}T20:00:00Z`, 'U0ALICE001');
    const before = channel().length;
    await time.advance(2 * HOUR);
    await eventually('the reminder', async () => (channel().some((m) => m.includes('Cover #2 is still open')) ? true : undefined));
    expect(channel()).toHaveLength(before + 1);
    await time.advance(2 * HOUR);
    await eventually('the lead told', async () => (dms('U0BOB00001').some((m) => m.includes('Cover #2: nobody has taken it')) ? true : undefined));
  });
});

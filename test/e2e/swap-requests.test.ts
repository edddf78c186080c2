import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOncallYaml } from '../../src/oncall/oncall-file.js';
import { shiftStartsBetween, stretchAt } from '../../src/oncall/shift-starts.js';
import { overridesBetween } from '../../src/oncall/stored-overrides.js';
import { eventually } from '../support/eventually.js';
import { slackConversation } from '../support/slack-conversation.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const HOUR = 3_600_000;
const YAML = [
  'people:',
  '  alice: { name: Alice Archer, slack: U0ALICE001, timezone: Europe/Berlin }',
  '  bob: { name: Bob Baker, slack: U0BOB00001, timezone: America/New_York }',
  '  carol: { name: Carol Chen, slack: U0CAROL001 }',
  'teams:',
  '  db: { name: Databases, members: [alice, bob], schedules: [db-primary] }',
  'schedules:',
  '  db-primary:',
  '    layers:',
  '      - { participants: [alice, bob], rotation: weekly, handoff: "09:00", handoff_day: monday, start: 2026-11-02 }',
].join('\n');

describe('shift swaps: offered in chat, accepted or declined in a DM, both overrides or none', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let dir: string;
  const config = parseOncallYaml(YAML);
  // The next week of each, found as the bot finds them.
  const now = new Date();
  const starts = shiftStartsBetween(config, [], now, new Date(now.getTime() + 21 * 24 * HOUR));
  const aliceWeek = starts.find((s) => s.personKey === 'alice')!;
  const bobWeek = starts.find((s) => s.personKey === 'bob')!;
  const inside = (start: Date) => new Date(start.getTime() + 2 * HOUR).toISOString().replace(/\.\d+Z$/, 'Z');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'swap-'));
    writeFileSync(join(dir, 'oncall.yaml'), YAML);
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ONCALL_FILE: join(dir, 'oncall.yaml') });
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const slack = slackConversation(() => fake, () => bot.url);
  const command = (text: string, user: string) => slack.command('/oncall', text, user);
  const click = (action: string, value: string, user: string) => slack.click(action, value, user);
  const dms = (user: string) => slack.dms(user);

  it('Alice offers her week for Bob\'s; only Bob may answer; on accept each is on call for the other\'s week', async () => {
    const offered = await command(`swap <@U0BOB00001|bob> ${inside(aliceWeek.start)} ${inside(bobWeek.start)}`, 'U0ALICE001');
    expect(offered).toContain('Swap #1 offered to Bob Baker');
    const [offer] = dms('U0BOB00001');
    expect(offer).toContain('Alice Archer offers a swap on *db-primary*');
    // Told in Bob's own time zone, not the asker's.
    expect(offer).toContain('(America/New_York)');
    expect(offer).toContain('"action_id":"swap.accept"');
    expect(await bot.database.prisma.oncallOverride.count()).toBe(0);

    expect(await click('swap.accept', '1', 'U0CAROL001')).toContain('only they may answer it');
    expect(await click('swap.accept', '1', 'U0BOB00001')).toContain('Done: you are on call for db-primary');
    const overrides = await overridesBetween(bot.database.prisma, now, new Date(now.getTime() + 30 * 24 * HOUR));
    const schedule = config.schedules['db-primary']!;
    expect(stretchAt(schedule, overrides, new Date(inside(aliceWeek.start)))?.personKey).toBe('bob');
    expect(stretchAt(schedule, overrides, new Date(inside(bobWeek.start)))?.personKey).toBe('alice');
    const told = await eventually('Alice told', async () => dms('U0ALICE001').find((m) => m.includes('Bob Baker accepted swap #1')));
    expect(told).toContain('(Europe/Berlin)');
    expect(await click('swap.decline', '1', 'U0BOB00001')).toContain('Swap #1 was accepted already');
    expect(await bot.database.prisma.oncallOverride.count()).toBe(2);
  });

  it('a declined swap changes nothing, and the offer must name a time within each shift', async () => {
    // After the first swap, Bob holds Alice's week and Alice Bob's.
    const offered = await command(`swap <@U0ALICE001|alice> ${inside(aliceWeek.start)} ${inside(bobWeek.start)}`, 'U0BOB00001');
    expect(offered).toContain('Swap #2 offered to Alice Archer');
    expect(await command('answer 2 decline', 'U0ALICE001')).toContain('You declined swap #2');
    expect(await bot.database.prisma.oncallOverride.count()).toBe(2);
    await eventually('Bob told', async () => (dms('U0BOB00001').some((m) => m.includes('declined swap #2')) ? true : undefined));
    expect(await command(`swap <@U0CAROL001|carol> ${inside(aliceWeek.start)} ${inside(bobWeek.start)}`, 'U0ALICE001')).toContain('No schedule has you on call');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { JobTime } from '../support/job-time.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const HOUR = 3_600_000;

describe('a Slack user group follows the rotation', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let dir: string;
  let time: JobTime;
  const start = new Date('2026-12-08T08:30:00Z');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'user-groups-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, slack: U0ALICE001 }',
        '  bob: { name: Bob Baker, slack: U0BOB00001 }',
        'schedules:',
        '  db-primary:',
        '    slack_user_group: "@db-oncall"',
        '    layers:',
        '      - { participants: [alice, bob], rotation: daily, handoff: "09:00", start: 2026-12-07 }',
        '  web:',
        '    slack_user_group: "@no-such-group"',
        '    layers:',
        '      - { participants: [bob], rotation: daily, handoff: "09:00", start: 2026-12-07 }',
      ].join('\n'),
    );
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, userGroups: [{ handle: 'db-oncall', users: ['U0BOB00001'] }] });
    const clock = new ManualClock(start);
    // Shift notices off: the group follows the rotation all the same.
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ONCALL_FILE: join(dir, 'oncall.yaml') }, { clock });
    time = new JobTime(bot.database, clock);
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const members = () => fake.state.userGroups.find((group) => group.handle === 'db-oncall')!.users;
  const updates = () => fake.calls.filter((call) => call.method === 'usergroups.users.update');

  it('names Alice while she is on call, Bob from the 09:00 handoff, and calls Slack once per change', async () => {
    await eventually('the group set to Alice', async () => (members().join() === 'U0ALICE001' ? true : undefined));
    const afterFirst = updates().length;
    // Time moves only once the scan has asked for the next one, or that one would fall due an hour late.
    await eventually('the next scan asked for', async () => ((await bot.database.prisma.job.findMany({ where: { kind: 'oncall.shift-notices' } })).some((j) => j.coalesceKey === 'oncall.shift-notices:2026-12-08T08:35:00.000Z') ? true : undefined));
    await time.advance(HOUR);
    await eventually('the group set to Bob', async () => (members().join() === 'U0BOB00001' ? true : undefined));
    const queued = (slot: string) => async () => ((await bot.database.prisma.job.findMany({ where: { kind: 'oncall.shift-notices' } })).some((j) => j.coalesceKey === `oncall.shift-notices:2026-12-08T${slot}:00.000Z`) ? true : undefined);
    await eventually('the scan after the handoff', queued('09:35'));
    // Each step waits for the scan to queue the next one before time moves again.
    for (const slot of ['09:40', '09:45', '09:50']) {
      await time.advance(5 * 60_000);
      await eventually(`the scan before ${slot}`, queued(slot));
    }
    // One call for Alice, one for Bob; the group that does not exist is tried each scan and logged, never crashing the scan.
    expect(updates().filter((call) => call.args.usergroup !== undefined).length).toBe(afterFirst + 1);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/time/clock.js';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { fireGenericAlert } from '../support/generic-alert.js';
import { JobTime } from '../support/job-time.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const MINUTE = 60_000;

describe('shift notices: an hour ahead, and a summary to both people at the handoff, each once', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let dir: string;
  let time: JobTime;
  // The rotation starts with Alice at 09:00 UTC on 7 December; Bob takes over 24 hours later.
  const start = new Date('2026-12-08T07:58:00Z');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shift-notices-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, slack: U0ALICE001, timezone: Europe/Berlin }',
        '  bob: { name: Bob Baker, slack: U0BOB00001, timezone: America/New_York }',
        'teams:',
        '  db: { name: Databases, members: [alice, bob], schedules: [db-primary] }',
        'schedules:',
        '  db-primary:',
        '    layers:',
        '      - { participants: [alice, bob], rotation: daily, handoff: "09:00", start: 2026-12-07 }',
        'routes:',
        '  - { id: db, team: db, match: { labels: { service: postgres } } }',
      ].join('\n'),
    );
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
    const clock = new ManualClock(start);
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ONCALL_FILE: join(dir, 'oncall.yaml'), SHIFT_NOTICES: 'true' }, { clock });
    time = new JobTime(bot.database, clock);
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const dms = (user: string) => fake.state.channels.filter((c) => c.is_im && c.members.includes(user)).flatMap((c) => fake.state.messages(c.id).map((m) => JSON.stringify([m.text, m.blocks])));
  const scanned = async (at: Date) => {
    const next = `oncall.shift-notices:${new Date(Math.floor(at.getTime() / (5 * MINUTE)) * 5 * MINUTE + 5 * MINUTE).toISOString()}`;
    await eventually(`the scan at ${at.toISOString()}`, async () => ((await bot.database.prisma.job.findMany({ where: { kind: 'oncall.shift-notices' } })).some((j) => j.coalesceKey === next) ? true : undefined));
  };

  it('tells Bob an hour ahead with the open incidents, then both of them at 09:00 what the shift saw; never twice', async () => {
    const incident = await fireGenericAlert(bot, { title: 'Replication lag on db-2', service: 'postgres', severity: 'critical' });
    await scanned(start);
    expect(dms('U0BOB00001')).toEqual([]); // 09:00 is more than an hour away at 07:58.

    await time.advance(5 * MINUTE); // 08:03
    const [headsUp] = await eventually('the heads-up', async () => (dms('U0BOB00001').length ? dms('U0BOB00001') : undefined));
    expect(headsUp).toContain('Your on-call shift for db-primary starts in 57 min');
    expect(headsUp).toContain('Tue 8 Dec 04:00'); // 09:00 UTC in New York, Bob's zone
    expect(headsUp).toContain(`INC-${incident} SEV1`);
    expect(dms('U0ALICE001')).toEqual([]);
    // Time moves only once each scan has asked for the next, or that one would fall due late.
    await scanned(new Date(start.getTime() + 5 * MINUTE));

    for (let i = 0; i < 12; i++) {
      await time.advance(5 * MINUTE);
      await scanned(new Date(start.getTime() + (i + 2) * 5 * MINUTE));
    } // 09:03
    const bob = dms('U0BOB00001');
    const alice = dms('U0ALICE001');
    expect(bob).toHaveLength(2);
    expect(bob[1]).toContain('You are on call for db-primary now');
    expect(alice).toHaveLength(1);
    expect(alice[0]).toContain('Your on-call shift for db-primary has ended');
    expect(alice[0]).toContain('Alice Archer → Bob Baker');
    expect(alice[0]).toContain('1 incident(s) opened');
    expect(alice[0]).toContain(`INC-${incident}`);
  });
});

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

describe('gap warnings: a coming stretch with nobody on call is posted once to the team, with who could cover', () => {
  let fake: FakeSlack;
  let bot: TestBot;
  let dir: string;
  let time: JobTime;
  // A Monday, 10:00 UTC: the weekend gap is five days ahead.
  const start = new Date('2026-12-07T10:00:00Z');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gap-warnings-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, slack: U0ALICE001 }',
        '  bob: { name: Bob Baker, slack: U0BOB00001 }',
        '  carol: { name: Carol Chen, slack: U0CAROL001 }',
        'teams:',
        '  db: { name: Databases, members: [alice, bob], schedules: [weekdays], channel: "#db-oncall" }',
        '  web: { name: Web, members: [carol, bob], schedules: [web] }',
        'schedules:',
        '  weekdays:',
        '    layers:',
        '      - { participants: [alice], rotation: weekly, handoff: "00:00", handoff_day: monday, start: 2026-11-02, restrictions: [{ days: [mon, tue, wed, thu, fri], from: "00:00", to: "00:00" }] }',
        '  web:',
        '    layers:',
        '      - { participants: [bob], rotation: weekly, handoff: "00:00", handoff_day: monday, start: 2026-11-02 }',
      ].join('\n'),
    );
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, channels: [{ name: 'db-oncall' }] });
    const clock = new ManualClock(start);
    bot = await startTestBot('pglite', { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, ONCALL_FILE: join(dir, 'oncall.yaml'), GAP_WARNING_DAYS: '7' }, { clock });
    time = new JobTime(bot.database, clock);
  });
  afterAll(async () => {
    await bot?.destroy();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const posts = () => fake.state.messages('db-oncall').map((m) => JSON.stringify(m.blocks ?? m.text));

  it('posts the weekend gap with Alice (off shift then) as who could cover, not Bob (on call for Web), and only once however often it scans', async () => {
    const [post] = await eventually('the gap warning', async () => (posts().length ? posts() : undefined));
    expect(post).toContain('Nobody is on call for weekdays from Sat 12 Dec 00:00 to Mon 14 Dec 00:00 (UTC)');
    expect(post).toContain('Could cover (on call nowhere then): Alice Archer');
    expect(post).not.toContain('Bob Baker');
    expect(post).toContain('/oncall override db @you 2026-12-12T00:00:00.000Z 2026-12-14T00:00:00.000Z');
    // Hours later the same gap is still there: scanned again, not posted again.
    const pendingScan = async () => (await bot.database.prisma.job.findMany({ where: { kind: 'oncall.gap-scan' } })).map((job) => job.coalesceKey);
    // Time moves only once the scan has asked for the next one, or that one would fall due an hour late.
    await eventually('the first scan done', async () => ((await pendingScan()).includes(`oncall.gap-scan:${new Date(start.getTime() + HOUR).toISOString()}`) ? true : undefined));
    for (let hour = 1; hour <= 3; hour++) {
      await time.advance(HOUR);
      // Each scan, once run, asks for the next hour's.
      const next = `oncall.gap-scan:${new Date(start.getTime() + (hour + 1) * HOUR).toISOString()}`;
      await eventually(`the scan of hour ${hour}`, async () => ((await pendingScan()).includes(next) ? true : undefined));
    }
    expect(posts()).toHaveLength(1);
  });
});

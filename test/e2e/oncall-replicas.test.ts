import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { startBot } from '../../src/main.js';
import { parseOncallYaml } from '../../src/oncall/oncall-file.js';
import { shiftStartsBetween } from '../../src/oncall/shift-starts.js';
import type { RunningBot } from '../../src/running-bot.js';
import { eventually } from '../support/eventually.js';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { slackConversation } from '../support/slack-conversation.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const SLACK_IDS: Record<string, string> = { alice: 'U0ALICE001', bob: 'U0BOB00001' };

describe.skipIf(!databaseKinds().includes('postgres'))('two replicas: shift notices and cover requests happen once', () => {
  let fake: FakeSlack;
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const replicas: RunningBot[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'oncall-replicas-'));
  // A daily handoff 40 minutes from now (UTC, to the minute): its hour-ahead notice is due at once.
  const startedAt = Date.now();
  const handoff = new Date(startedAt + 40 * 60_000);
  const hhmm = handoff.toISOString().slice(11, 16);
  const yaml = [
    'people:',
    '  alice: { name: Alice Archer, slack: U0ALICE001 }',
    '  bob: { name: Bob Baker, slack: U0BOB00001 }',
    'teams:',
    '  db: { name: Databases, members: [alice, bob], schedules: [db-primary], channel: "#db-oncall" }',
    'schedules:',
    '  db-primary:',
    '    layers:',
    `      - { participants: [alice, bob], rotation: daily, handoff: "${hhmm}", start: 2026-11-01 }`,
  ].join('\n');
  const next = shiftStartsBetween(parseOncallYaml(yaml), [], new Date(), new Date(Date.now() + 3_600_000))[0]!;
  const incoming = SLACK_IDS[next.personKey]!;
  const outgoing = SLACK_IDS[next.previousPersonKey!]!;
  const slack = slackConversation(() => fake, () => replicas[0]!.url);

  beforeAll(async () => {
    fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET, channels: [{ name: 'db-oncall' }] });
    database = await createPostgresDatabase();
    writeFileSync(join(dir, 'oncall.yaml'), yaml);
    for (const name of ['a', 'b']) {
      const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: database.url, DATA_DIR: join(dir, name), ONCALL_FILE: join(dir, 'oncall.yaml'), SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.apiUrl, SHIFT_NOTICES: 'true', GAP_WARNING_DAYS: 'off' });
      replicas.push(await startBot(config, { log: createLogger('silent'), host: '127.0.0.1' }));
    }
  }, 120_000);
  afterAll(async () => {
    for (const replica of replicas) await replica.close();
    await database?.drop();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('both replicas ask for the same scan: one heads-up DM', async () => {
    await eventually('the heads-up', async () => (slack.dms(incoming).length ? true : undefined));
    // The scan that sent it has asked for the next slot's; whatever either replica ran, one DM.
    const firstSlot = Math.floor(startedAt / 300_000) * 300_000;
    const later = async () => (await replicas[0]!.database.prisma.job.findMany({ where: { kind: 'oncall.shift-notices' } })).some((job) => Date.parse(job.coalesceKey!.split(':').slice(1).join(':')) > firstSlot);
    await eventually('the next scan asked for', async () => ((await later()) ? true : undefined));
    expect(slack.dms(incoming)).toHaveLength(1);
    expect(slack.dms(incoming)[0]).toContain('Your on-call shift for db-primary starts in');
  });

  it('Take it pressed on both replicas at once: one override, the other answer says it is taken', async () => {
    const from = new Date(next.start.getTime() + 60 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const to = new Date(next.start.getTime() + 120 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const incomingKey = next.personKey;
    expect(await slack.command('/oncall', `cover ${from} ${to}`, incoming)).toContain('Cover #1 asked in #db-oncall');
    const [a, b] = replicas as [RunningBot, RunningBot];
    const press = (replica: RunningBot) => slackConversation(() => fake, () => replica.url).click('cover.take', '1', outgoing);
    const answers = await Promise.all([press(a), press(b)]);
    expect(answers.filter((answer) => answer.includes('takes cover #1'))).toHaveLength(1);
    expect(answers.filter((answer) => answer.includes('has been taken already'))).toHaveLength(1);
    const overrides = await a.database.prisma.oncallOverride.findMany({ include: { person: true } });
    expect(overrides.map((o) => o.person.handle)).toEqual([incomingKey === 'alice' ? 'bob' : 'alice']);
  });
});

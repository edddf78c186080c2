import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from '../support/fake-slack/index.js';
import { eventually } from '../support/eventually.js';
import { freePort } from '../support/free-port.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { createPostgresDatabase, databaseKinds } from '../support/test-database.js';

const TOKEN = 'xoxb-test-bot-token';
const SECRET = 'test-signing-secret';
const HOUR = 3_600_000;

const ONCALL_YAML = [
  'people:',
  '  alice: { name: Alice Archer, slack: U0ALICE001, timezone: Europe/Berlin, roles: [admin] }',
  '  bob: { name: Bob Baker, slack: U0BOB00001 }',
  '  carol: { name: Carol Chen, slack: U0CAROL001 }',
  'teams:',
  '  db: { name: Databases, members: [alice, bob, carol], schedules: [db-primary], escalation_policy: db }',
  'schedules:',
  '  db-primary:',
  '    timezone: Europe/Berlin',
  '    layers:',
  '      - { participants: [bob, carol], rotation: daily, handoff: "09:00", start: 2026-01-01 }',
  'escalation_policies:',
  '  db:',
  '    levels:',
  '      - { targets: [{ schedule: db-primary }], delay: 5m }',
].join('\n');

// Two days ahead, 12:17 to 15:42 UTC: clear of the 09:00 Berlin handoff, and not on a quarter hour.
const day = new Date(Date.now() + 2 * 24 * HOUR).toISOString().slice(0, 10);
const overrideStart = new Date(`${day}T12:17:00Z`);
const overrideEnd = new Date(`${day}T15:42:00Z`);
const iso = (date: Date, plusMs = 0) => new Date(date.getTime() + plusMs).toISOString();

for (const kind of databaseKinds()) {
  describe(`incident-bot oncall reads the overrides set from chat [${kind}]`, () => {
    let dir: string;
    let fake: FakeSlack;
    let bot: TestBot;
    let env: Record<string, string>;
    let dropPostgres: (() => Promise<void>) | undefined;
    let stopped = false;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cli-overrides-'));
      writeFileSync(join(dir, 'oncall.yaml'), ONCALL_YAML);
      const postgres = kind === 'postgres' ? await createPostgresDatabase() : undefined;
      dropPostgres = postgres?.drop;
      fake = await startFakeSlack({ token: TOKEN, signingSecret: SECRET });
      bot = await startTestBot('pglite', {
        SLACK_BOT_TOKEN: TOKEN,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.apiUrl,
        ONCALL_FILE: join(dir, 'oncall.yaml'),
        ...(postgres ? { DATABASE_URL: postgres.url } : {}),
      });
      env = { ONCALL_FILE: join(dir, 'oncall.yaml'), DATA_DIR: bot.dataDir, ...(postgres ? { DATABASE_URL: postgres.url } : {}) };
      const sent = await fake.requestsTo(`${bot.url}/slack/events`).slashCommand({
        command: '/oncall',
        text: `override db <@U0ALICE001|alice> ${iso(overrideStart)} ${iso(overrideEnd)}`,
        user_id: 'U0ALICE001',
      });
      const reply = await eventually('the override reply', () => fake.state.responses.find((r) => r.url === sent.response_url));
      expect(JSON.stringify(reply.body)).toContain('is on call for *db-primary*');
    });
    afterAll(async () => {
      if (stopped) rmSync(bot.dataDir, { recursive: true, force: true });
      else await bot?.destroy();
      await dropPostgres?.();
      await fake?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const json = async (args: string[]) => {
      const result = await runCli([...args, '--json'], env);
      expect(result.stderr).not.toContain('not included');
      return JSON.parse(result.stdout);
    };

    const checkAnswers = async () => {
      const before = await json(['oncall', 'who', 'db', '--at', iso(overrideStart, -HOUR)]);
      expect(before.onCall[0]).toMatchObject({ via: 'layer 1', until: iso(overrideStart), next: 'alice' });
      const during = await json(['oncall', 'who', 'db', '--at', iso(overrideStart, HOUR)]);
      expect(during.onCall[0]).toMatchObject({ personKey: 'alice', via: 'override', until: iso(overrideEnd) });
      const shifts = await json(['oncall', 'shifts', 'db-primary', '--from', iso(overrideStart, -HOUR), '--to', iso(overrideEnd, HOUR)]);
      expect(shifts.map((s: { person: string; start: string }) => [s.person, s.start])).toEqual([
        [before.onCall[0].personKey, iso(overrideStart, -HOUR)],
        ['alice', iso(overrideStart)],
        [before.onCall[0].personKey, iso(overrideEnd)],
      ]);
      const preview = await json(['oncall', 'preview', 'db', '--at', iso(overrideStart, HOUR)]);
      expect(preview.steps[0].people).toEqual(['alice']);
    };

    if (kind === 'pglite') {
      it('while the bot holds the embedded database: asks the running bot, and who, shifts and preview include the override', { timeout: 240_000 }, async () => {
        env.PORT = new URL(bot.url).port;
        try {
          await checkAnswers();
        } finally {
          delete env.PORT;
        }
      });
      it('while the bot holds the embedded database and cannot be asked: answers from oncall.yaml and says the overrides are not included', { timeout: 60_000 }, async () => {
        const result = await runCli(['oncall', 'who', 'db', '--at', iso(overrideStart, HOUR), '--json'], { ...env, PORT: String(await freePort()) });
        expect(result.code, result.stderr).toBe(0);
        expect(result.stderr).toContain('Could not reach the bot at http://localhost:');
        expect(result.stderr).toContain('Overrides set from chat, the API or this CLI are not included');
        expect(result.stderr).toContain('/oncall in chat includes them');
        expect(JSON.parse(result.stdout).onCall[0].via).toBe('layer 1');
      });
      it('once the bot has stopped: who, shifts and preview include the override, to the minute', { timeout: 240_000 }, async () => {
        await bot.close();
        stopped = true;
        await checkAnswers();
      });
    } else {
      it('while the bot runs: who, shifts and preview include the override, to the minute', { timeout: 240_000 }, async () => {
        await checkAnswers();
      });
    }
  });
}

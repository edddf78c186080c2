import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/read-json.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const ONCALL = [
  'people:',
  '  alice: { name: Alice Archer, email: alice@example.com }',
  'teams:',
  '  db: { name: Databases, members: [alice] }',
  'routes:',
  '  - id: db',
  '    match: { labels: { service: db } }',
  '    team: db',
].join('\n');

const noStackTrace = (result: CliResult) => expect(`${result.stdout}${result.stderr}`).not.toMatch(/\n\s+at /);

for (const kind of databaseKinds()) {
  describe(`incident-bot incident ack|mitigate|resolve|note through the running bot [${kind}]`, () => {
    let dir: string;
    let bot: TestBot;
    /** What the CLI reads when run next to the bot: the same DATA_DIR and PORT. */
    let env: Record<string, string>;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cli-incident-'));
      writeFileSync(join(dir, 'oncall.yaml'), ONCALL);
      bot = await startTestBot(kind, { ONCALL_FILE: join(dir, 'oncall.yaml') });
      env = { DATA_DIR: bot.dataDir, PORT: String(bot.port) };
      const response = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}` },
        body: JSON.stringify({ title: 'orders replica 40 minutes behind', severity: 'critical', service: 'db' }),
      });
      expect(response.status).toBe(200);
    });
    afterAll(async () => {
      await bot?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const incident = (number: number) => readJson(fetch(`${bot.url}/api/incidents/${number}`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } }));

    it('acknowledges, notes and resolves INC-1 as a person, with the write token the bot generated into DATA_DIR', async () => {
      const ack = await runCli(['incident', 'ack', 'INC-1', '--as', 'alice'], env);
      expect(ack.stderr).toBe('');
      expect([ack.code, ack.stdout.trim()]).toEqual([0, 'INC-1 acknowledged by Alice Archer. Escalation stops here.']);
      expect((await incident(1)).status).toBe('acknowledged');

      const note = await runCli(['incident', 'note', '1', 'rootcause:', 'replica', 'disk', 'throttled', '--as', 'alice@example.com'], env);
      expect([note.code, note.stdout.trim()]).toEqual([0, 'Noted on the timeline of INC-1 (tagged rootcause for the postmortem).']);

      const resolve = await runCli(['incident', 'resolve', '1', 'moved', 'the', 'replica', 'to', 'gp3', '--as', 'alice'], env);
      expect([resolve.code, resolve.stdout.trim()]).toEqual([0, 'INC-1 resolved by Alice Archer: moved the replica to gp3']);
      expect(await incident(1)).toMatchObject({ status: 'resolved', summary: 'moved the replica to gp3' });

      const rows = await bot.database.prisma.auditEntry.findMany({ where: { platform: 'api', actorName: 'Alice Archer' }, orderBy: { id: 'asc' } });
      expect(rows.map((row) => `${row.action} ${row.result}`)).toEqual(['incident.ack ok', 'incident.note ok', 'incident.resolve ok']);
      expect(rows[0]!.args).toMatchObject({ via: expect.stringMatching(/^API write token from 127\.0\.0\.1 \(incident-bot-cli\)$/) });
    });

    it('says why the bot refused, exit 1, and changes nothing', async () => {
      const again = await runCli(['incident', 'resolve', '1'], env);
      expect([again.code, again.stderr.trim()]).toEqual([1, 'The bot refused (409): INC-1 is already resolved']);
      const unknown = await runCli(['incident', 'ack', '77'], env);
      expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'The bot refused (404): There is no incident INC-77']);
      const nobody = await runCli(['incident', 'ack', '1', '--as', 'zed'], env);
      expect(nobody.code).toBe(1);
      expect(nobody.stderr).toContain('The bot refused (422): Nobody in oncall.yaml is "zed"\n  as: no person with that handle or email');
      for (const result of [again, unknown, nobody]) noStackTrace(result);
      expect((await incident(1)).status).toBe('resolved');
    });

    it('re-opens a resolved incident and changes its severity, without chat', async () => {
      const reopened = await runCli(['incident', 'reopen', '1', 'the', 'replica', 'lags', 'again', '--as', 'alice'], env);
      expect([reopened.code, reopened.stdout.trim()]).toEqual([0, 'INC-1 re-opened by Alice Archer: the replica lags again. Escalation starts again.']);
      // Open again: the summary of how it was resolved no longer stands (the timeline keeps it).
      expect(await incident(1)).toMatchObject({ status: 'triggered', summary: null });
      const again = await runCli(['incident', 'reopen', '1'], env);
      expect([again.code, again.stderr.trim()]).toEqual([1, 'The bot refused (409): INC-1 is not resolved']);

      const sev = await runCli(['incident', 'severity', '1', 'sev2', '--as', 'alice'], env);
      expect([sev.code, sev.stdout.trim()]).toEqual([0, 'INC-1 is now SEV2 (set by Alice Archer).']);
      expect((await incident(1)).severity).toBe('SEV2');
      const bad = await runCli(['incident', 'severity', '1', '9'], env);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('severity: must be 1 to 4 (or sev1 to sev4)');
      const rows = await bot.database.prisma.auditEntry.findMany({ where: { platform: 'api', action: { in: ['incident.reopen', 'incident.sev'] } }, orderBy: { id: 'asc' } });
      expect(rows.map((row) => `${row.action} ${row.result}`)).toEqual(['incident.reopen ok', 'incident.reopen failed', 'incident.sev ok', 'incident.sev invalid']);
      await runCli(['incident', 'resolve', '1', '--as', 'alice'], env);
    });
  });
}

describe('incident-bot incident, before it reaches a bot', () => {
  const empty = mkdtempSync(join(tmpdir(), 'cli-incident-empty-'));
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  it('refuses a mistyped command with its usage (exit 2), and says what is missing to reach the bot (exit 1)', { timeout: 180_000 }, async () => {
    const usage = 'Usage: incident-bot incident ack|mitigate|resolve|reopen|severity|note <number> [summary, reason, 1-4 or note text] [--as <handle|email>] [--url <bot address>] [--json]';
    const cases: [string[], string][] = [
      [['incident', 'close', '1'], 'Unknown action "close": use ack, mitigate, resolve, reopen, severity or note'],
      [['incident', 'ack'], 'Say which incident: incident ack <number>'],
      [['incident', 'ack', 'one'], '<number> must be an incident number such as 12 or INC-12 (1 to 2147483647) (got "one")'],
      [['incident', 'ack', '1', 'on', 'it'], 'ack takes no text (got "on it"); add a note with: incident note 1 <text>'],
      [['incident', 'note', '1'], 'Say what to note: incident note 1 <text>'],
      [['incident', 'ack', '1', '--sa', 'alice'], "Unknown option '--sa'"],
      [['incident', 'ack', '1', '--url', 'bot.example.com'], '--url must be the bot\'s http(s) address, such as http://localhost:3000 (got "bot.example.com")'],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { DATA_DIR: empty });
      expect([result.code, result.stderr.trim()], args.join(' ')).toEqual([2, expect.stringContaining(`${message}`)]);
      expect(result.stderr).toContain(usage);
    }

    const noToken = await runCli(['incident', 'ack', '1'], { DATA_DIR: empty });
    expect([noToken.code, noToken.stderr.trim()]).toEqual([
      1,
      `No write token: set API_WRITE_TOKEN, or run this where the bot keeps its DATA_DIR (${empty}), into which it generates api-write-token on its first start.`,
    ]);
    // A port that was free a moment ago: nothing answers there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const noBot = await runCli(['incident', 'ack', '1'], { DATA_DIR: empty, PORT: String(port), API_WRITE_TOKEN: 'write-token-0123456789abcdef' });
    expect(noBot.code).toBe(1);
    expect(noBot.stderr.trim()).toBe(
      `Could not reach the bot at http://localhost:${port} (ECONNREFUSED). Is it running (npm start)? Set PORT as the bot has it, or give its address with --url (e.g. --url "$PUBLIC_URL").`,
    );
    noStackTrace(noToken);
    noStackTrace(noBot);
  });
});

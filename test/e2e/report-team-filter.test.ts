import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireGenericAlert } from '../support/generic-alert.js';
import { readJson } from '../support/read-json.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const ONCALL = ['people:', '  alice: { name: Alice Archer }', 'teams:', '  payments: { name: Payments, members: [alice] }', '  db: { name: Databases, members: [alice] }'].join('\n');

for (const kind of databaseKinds()) {
  describe(`weekly report API narrowed to a team [${kind}]`, () => {
    let dir: string;
    let bot: TestBot;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'report-team-'));
      writeFileSync(join(dir, 'oncall.yaml'), ONCALL);
      bot = await startTestBot(kind, { ONCALL_FILE: join(dir, 'oncall.yaml') });
    });
    afterAll(async () => {
      await bot?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const report = (query: string) => fetch(`${bot.url}/api/reports/weekly?${query}`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } });

    it('refuses a team it does not know with a 422 that lists the known ones, instead of an empty report', async () => {
      const unknown = await report('team=nosuch');
      expect(unknown.status).toBe(422);
      expect(await readJson(unknown)).toEqual({
        error: 'validation_failed',
        message: 'There is no team "nosuch"; known teams: db, payments',
        problems: [{ path: 'team', message: 'no team "nosuch"; known teams: db, payments' }],
      });
      expect((await report('team=PAYMENTS&format=csv')).status).toBe(422);
      const known = await report('team=payments&weeks=2');
      expect(known.status).toBe(200);
      expect((await readJson(known)).team).toBe('payments');
    });

    it('incident-bot report prints the report from the running bot: Markdown by default, CSV, and says what is wrong', { timeout: 60_000 }, async () => {
      await fireGenericAlert(bot, { title: 'Checkout errors above 5%', severity: 'critical' });
      const env = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(dir, 'oncall.yaml'), PORT: String(bot.port) };
      const markdown = await runCli(['report', '--weeks', '2'], env);
      expect(markdown.code, markdown.stderr).toBe(0);
      expect(markdown.stdout).toContain('## Definitions');
      expect(markdown.stdout).toContain("Opened at: when the bot received the incident's first alert");
      const csv = await runCli(['report', '--csv', '--team', 'payments'], env);
      expect(csv.code, csv.stderr).toBe(0);
      expect(csv.stdout.split('\n')[0]).toBe('week,group,key,incidents,mtta_mean_s,mtta_p50_s,mtta_p90_s,ttm_mean_s,ttm_p50_s,ttm_p90_s,mttr_mean_s,mttr_p50_s,mttr_p90_s');
      const unknown = await runCli(['report', '--team', 'nosuch'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('The bot refused (422): There is no team "nosuch"; known teams: db, payments');
      expect((await runCli(['report', '--weeks', '0'], env)).code).toBe(2);
    });
  });
}

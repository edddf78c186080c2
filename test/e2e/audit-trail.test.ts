import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const API_TOKEN = 'api-token-audit-0123456789';

describe('the audit trail, end to end', () => {
  let bot: TestBot;
  let oncallFile: string;

  beforeAll(async () => {
    bot = await startTestBot('pglite', { API_TOKEN });
    oncallFile = join(bot.dataDir, 'oncall.yaml');
  });
  afterAll(() => {
    if (bot) rmSync(bot.dataDir, { recursive: true, force: true });
  });

  const api = (path: string) => fetch(`${bot.url}${path}`, { headers: { authorization: `Bearer ${API_TOKEN}`, 'user-agent': 'audit-test/1.0' } });

  it('records API reads of postmortems and reports and every oncall.yaml reload, then `incident-bot audit` lists them', { timeout: 120_000 }, async () => {
    const sent = await fetch(`${bot.url}/webhooks/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Checkout latency above 2 s' }),
    });
    expect(sent.status).toBe(200);
    expect((await api('/api/incidents/1/postmortem.md')).status).toBe(200);
    expect((await api('/api/incidents/99/postmortem.md')).status).toBe(404);
    expect((await api('/api/reports/weekly?weeks=2&format=csv')).status).toBe(200);

    writeFileSync(oncallFile, 'teams:\n  db:\n    name: DB\n    members: [ghost]\n');
    await bot.reload();
    writeFileSync(oncallFile, 'people:\n  pia: { name: Pia }\n');
    await bot.reload();

    // While the bot holds its embedded storage, the API serves the same trail.
    const served = (await (await api('/api/audit?action=config.reload')).json()) as { entries: { result: string; args: { reason: string } }[] };
    expect(served.entries.filter((e) => e.args.reason === 'SIGHUP').map((e) => e.result)).toEqual(['ok', 'invalid']);
    const badSince = await api('/api/audit?since=yesterday-ish');
    expect(badSince.status).toBe(422);
    expect(((await badSince.json()) as { problems: { path: string }[] }).problems[0]!.path).toBe('since');
    // The CLI asks the running bot for the same trail...
    const asked = await runCli(['audit', '--action', 'config.reload', '--json'], { DATA_DIR: bot.dataDir, ONCALL_FILE: oncallFile, PORT: String(bot.port), API_TOKEN });
    expect(asked.code, asked.stderr).toBe(0);
    expect((JSON.parse(asked.stdout) as typeof served).entries.filter((e) => e.args.reason === 'SIGHUP').map((e) => e.result)).toEqual(['ok', 'invalid']);
    // ...and when it cannot reach it, says how to.
    const whileRunning = await runCli(['audit'], { DATA_DIR: bot.dataDir, ONCALL_FILE: oncallFile, PORT: '4123' });
    expect(whileRunning.code).toBe(1);
    expect(whileRunning.stderr).toContain('No read token: set API_TOKEN');
    expect(whileRunning.stderr).toContain('is in use by another bot process');
    // The hint names the bot's own port and token file, not a default.
    expect(whileRunning.stderr).toContain(`$(cat ${join(bot.dataDir, 'api-token')})`);
    expect(whileRunning.stderr).toContain("'http://localhost:4123/api/audit?since=7d'");
    await bot.close();

    const env = { DATA_DIR: bot.dataDir, ONCALL_FILE: oncallFile };
    const listed = await runCli(['audit', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const entries = (JSON.parse(listed.stdout) as { entries: { action: string; result: string; actorName: string; platform: string; args: Record<string, unknown>; detail: string | null }[] }).entries;
    // The bot also notices the edits itself (a file watcher); those reloads are audited too, with
    // reason "file changed", when they land is up to the watcher.
    const summary = entries.filter((e) => e.args.reason !== 'file changed').map((e) => `${e.platform} ${e.action} ${e.result}`).reverse();
    expect(summary).toEqual([
      'api api.postmortem.read ok',
      'api api.postmortem.read failed',
      'api api.report.read ok',
      'system config.reload invalid',
      'system playbooks.reload ok',
      'system config.reload ok',
      'system playbooks.reload ok',
      'api api.audit.read ok',
      // The CLI's read through the running bot is an API read too.
      'api api.audit.read ok',
    ]);
    const read = entries.find((e) => e.action === 'api.report.read')!;
    expect(read.actorName).toBe('API token from 127.0.0.1 (audit-test/1.0)');
    expect(read.args).toEqual({ weeks: 2, format: 'csv' });
    expect(entries.find((e) => e.result === 'invalid')!.detail).toContain('ghost');

    const text = await runCli(['audit', '--action', 'config.reload'], env);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split('\n').filter((line) => line.includes('"reason":"SIGHUP"'));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}system {3}incident-bot {2}config\.reload {2}invalid {2}\{"file":.*kept the last good version/);

    const nobody = await runCli(['audit', '--actor', 'pia', '--since', '1h'], env);
    expect(nobody.stdout).toContain('No audit entries since');

    const bad = await runCli(['audit', '--since', 'last tuesday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since must be a duration such as 24h or 7d, or an ISO time');
  });
});

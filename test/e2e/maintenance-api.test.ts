import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireGenericAlert } from '../support/generic-alert.js';
import { maintenanceCliCommand } from '../../src/maintenance/maintenance-cli-command.js';
import { loadOncallFile } from '../../src/oncall/oncall-file.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

describe('maintenance windows through the API and the CLI', () => {
  let bot: TestBot;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maintenance-api-'));
    writeFileSync(join(dir, 'oncall.yaml'), ['teams:', '  payments: { name: Payments, services: [checkout] }'].join('\n'));
    bot = await startTestBot('pglite', { ONCALL_FILE: join(dir, 'oncall.yaml') });
    env = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(dir, 'oncall.yaml') };
  });
  afterAll(async () => {
    await bot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}, token = bot.apiTokens.write) =>
    fetch(`${bot.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

  it('opens a window from the CLI, which then holds matching alerts; lists it; ends it early', async () => {
    const opened = await runCli(['maintenance', 'start', 'checkout', 'for', '2h', 'database', 'upgrade', '--url', bot.url], env);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stdout).toMatch(/^#1 service checkout, .* \(2h\), running, by API write token from [^:]+: database upgrade$/m);
    const held = await fireGenericAlert(bot, { title: 'Checkout latency', service: 'checkout', severity: 'critical', fingerprint: 'checkout-latency' }).catch(() => NaN);
    expect(held).toBeNaN();
    expect((await bot.database.prisma.alert.findFirstOrThrow()).heldByWindow).toBe(1);
    expect(await bot.database.prisma.incident.count()).toBe(0);

    // simulate says so too, asking the running bot (which holds the embedded storage).
    writeFileSync(join(dir, 'alert.json'), JSON.stringify({ title: 'Checkout errors', service: 'checkout', severity: 'critical' }));
    const simulated = await runCli(['simulate', join(dir, 'alert.json'), '--source', 'generic'], { ...env, PORT: String(bot.port) });
    expect(simulated.stdout).toMatch(/incident: +held by maintenance #1 until \S+ \(database upgrade\): stored, no incident, nobody paged/);

    const listed = await runCli(['maintenance', 'list', '--url', bot.url, '--json'], env);
    expect(JSON.parse(listed.stdout).windows).toEqual([expect.objectContaining({ id: 1, matcher: { service: 'checkout' }, team: 'payments', held: 1, reason: 'database upgrade' })]);
    const ended = await runCli(['maintenance', 'end', '1', '--url', bot.url], env);
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(/^#1 service checkout, .*, ended, by API write token/m);
    const again = await runCli(['maintenance', 'end', '1', '--url', bot.url], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('The bot refused (409): Maintenance #1 is already over');
    await expect.poll(() => bot.database.prisma.incident.count(), { timeout: 10_000 }).toBe(1);
    expect(await bot.database.prisma.auditEntry.count({ where: { action: { startsWith: 'maintenance.' }, result: 'ok' } })).toBe(2);
  });

  it('a planned window ended before it starts is shown as cancelled, never with an end before its start', async () => {
    const day = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    const planned = await runCli(['maintenance', 'start', 'checkout', 'at', day, '22:00', 'for', '3h', 'failover', 'drill', '--url', bot.url, '--json'], env);
    expect(planned.code, planned.stderr).toBe(0);
    const id = (JSON.parse(planned.stdout) as { window: { id: number } }).window.id;
    const ended = await runCli(['maintenance', 'end', String(id), '--url', bot.url], env);
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(new RegExp(`^#${id} service checkout, planned from \\S+ \\d+ \\S+ 22:00 \\S+, cancelled before it started, by API write token from [^:]+: failover drill$`, 'm'));
    expect(ended.stdout).not.toMatch(/\(-/);
    const listed = await runCli(['maintenance', 'list', '--url', bot.url, '--json'], env);
    const window = (JSON.parse(listed.stdout) as { windows: { id: number; endedAt: string | null; cancelled: boolean }[] }).windows.find((w) => w.id === id);
    expect(window).toMatchObject({ endedAt: expect.any(String), cancelled: true });
  });

  it('says what is wrong with a window, and the read token cannot open one', async () => {
    const bad = await api('/maintenance', { method: 'POST', body: JSON.stringify({ duration: 'soon', reason: '' }) });
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as { problems: { path: string }[] };
    expect(body.problems.map((p: { path: string }) => p.path).sort()).toEqual(['duration', 'reason', 'service']);
    expect((await api('/maintenance', { method: 'POST', body: JSON.stringify({ service: 'checkout', duration: '1h', reason: 'x' }) }, bot.apiTokens.read)).status).toBe(403);
    expect((await api('/maintenance/999/end', { method: 'POST' })).status).toBe(404);
    const usage = await runCli(['maintenance', 'start', 'checkout', 'for', '2h'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Say why');
  });
  it('a CLI whose clock runs behind the bot\'s still describes windows by the bot\'s clock', async () => {
    const opened = (await (await api('/maintenance', { method: 'POST', body: JSON.stringify({ service: 'checkout', duration: '1h', reason: 'skew check' }) })).json()) as { window: { id: number } };
    const id = opened.window.id;
    expect((await api(`/maintenance/${id}/end`, { method: 'POST' })).status).toBe(200);
    // Two hours behind: by its own clock the window has not even started.
    const behind = { now: () => new Date(Date.now() - 2 * 3600_000) };
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(line), env };
    const code = await maintenanceCliCommand(async () => loadOncallFile(join(dir, 'oncall.yaml')).config, behind).run(['list', '--url', bot.url], io);
    expect(code, out.join('\n')).toBe(0);
    expect(out.find((line) => line.startsWith(`#${id} `))).toMatch(/, ended, by API write token .*: skew check · held 0 alert\(s\)$/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from '../support/read-json.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const HOUR = 3_600_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 24 * HOUR).toISOString().slice(0, 10);

describe('overrides you can see and undo: the API and the CLI', () => {
  let bot: TestBot;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'overrides-api-'));
    writeFileSync(
      join(dir, 'oncall.yaml'),
      [
        'people:',
        '  alice: { name: Alice Archer, timezone: Europe/Berlin }',
        '  bob: { name: Bob Baker }',
        '  carol: { name: Carol Chen }',
        '  dave: { name: Dave Doe }',
        'teams:',
        '  db: { name: Databases, members: [alice, bob, carol], schedules: [db-primary] }',
        'schedules:',
        '  db-primary:',
        '    timezone: Europe/Berlin',
        '    layers:',
        '      - { participants: [alice], rotation: weekly, handoff: "09:00", handoff_day: monday, start: 2026-01-05 }',
        'overrides:',
        `  - { schedule: db-primary, person: carol, from: "${day(10)}T08:00:00Z", to: "${day(12)}T08:00:00Z", reason: Alice on holiday }`,
      ].join('\n'),
    );
    bot = await startTestBot('pglite', { ONCALL_FILE: join(dir, 'oncall.yaml') });
    env = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(dir, 'oncall.yaml'), TZ: 'UTC' };
  });
  afterAll(async () => {
    await bot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}, token = bot.apiTokens.write) =>
    fetch(`${bot.url}/api${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });

  it('sets an override from the CLI, lists it with the planned leave, and removes it; each write audited', async () => {
    const added = await runCli(['oncall', 'override', 'add', 'db', 'bob', `${day(2)}T12:00:00Z`, `${day(2)}T18:00:00Z`, 'Alice', 'at', 'the', 'dentist', '--url', bot.url], env);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Set #\d+ {2}db-primary: Bob Baker from \S+ 12:00 to \S+ 18:00 \(Alice at the dentist\)/);

    const listed = await readJson(api('/overrides?team=db', {}, bot.apiTokens.read));
    expect(listed.overrides.map((o: { origin: string; person: string; reason: string }) => [o.origin, o.person, o.reason])).toEqual([
      ['api', 'bob', 'Alice at the dentist'],
      ['oncall.yaml', 'carol', 'Alice on holiday'],
    ]);
    const cliList = await runCli(['oncall', 'overrides', 'db', '--url', bot.url], env);
    expect(cliList.stdout).toContain('oncall.yaml  db-primary: Carol Chen from');

    const id = listed.overrides[0].id as number;
    const removed = await runCli(['oncall', 'override', 'remove', String(id), '--url', bot.url], env);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/^Removed #\d+ {2}db-primary: Bob Baker/);
    const again = await runCli(['oncall', 'override', 'remove', String(id), '--url', bot.url], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`No override ${id}`);
    expect(await bot.database.prisma.oncallOverride.count()).toBe(0);
    const audit = await bot.database.prisma.auditEntry.findMany({ where: { action: { startsWith: 'oncall.override' } }, orderBy: { id: 'asc' } });
    expect(audit.map((a) => [a.action, a.result])).toEqual([
      ['oncall.override', 'ok'],
      ['oncall.override.remove', 'ok'],
      ['oncall.override.remove', 'failed'],
    ]);
  });

  it('ends an override under way instead of forgetting it, and refuses what makes no sense, naming the field', async () => {
    const started = await readJson(
      api('/overrides', { method: 'POST', body: JSON.stringify({ team: 'db', person: 'carol', from: new Date(Date.now() - HOUR).toISOString(), to: new Date(Date.now() + HOUR).toISOString() }) }),
    );
    const id = started.override.id as number;
    expect((await api(`/overrides/${id}/remove`, { method: 'POST' })).status).toBe(200);
    const row = await bot.database.prisma.oncallOverride.findUniqueOrThrow({ where: { id } });
    expect(row.endsAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect((await api(`/overrides/${id}/remove`, { method: 'POST' })).status).toBe(409);
    // Ended now, it is no longer current; asked over a range that covers it, it is listed.
    expect((await readJson(api('/overrides', {}, bot.apiTokens.read))).overrides.map((o: { id: number }) => o.id)).not.toContain(id);
    const range = `from=${encodeURIComponent(new Date(Date.now() - 2 * HOUR).toISOString())}&to=1m`;
    const past = (await readJson(api(`/overrides?${range}`, {}, bot.apiTokens.read))).overrides.find((o: { id: number }) => o.id === id);
    expect(past).toMatchObject({ person: 'carol', createdAt: expect.any(String) });
    const over = await api('/overrides', { method: 'POST', body: JSON.stringify({ team: 'db', person: 'carol', from: new Date(Date.now() - 3 * HOUR).toISOString(), to: new Date(Date.now() - HOUR).toISOString() }) });
    expect(over.status).toBe(422);
    expect((await readJson(over)).problems).toEqual([{ path: 'to', message: expect.stringContaining('is in the past') }]);
    // Someone outside the team: set, with a note that says so.
    const outsider = await runCli(['oncall', 'override', 'add', 'db', 'dave', `${day(3)}T12:00:00Z`, `${day(3)}T18:00:00Z`, '--url', bot.url], env);
    expect(outsider.code, outsider.stderr).toBe(0);
    expect(outsider.stdout).toContain('Note: Dave Doe is not a member of Databases in oncall.yaml, and is on call for it all the same.');
    const half = await api('/overrides?from=2d', {}, bot.apiTokens.read);
    expect(half.status).toBe(422);
    expect((await readJson(half)).problems).toEqual([{ path: 'to', message: expect.stringContaining('give from and to together') }]);

    const bad = await api('/overrides', { method: 'POST', body: JSON.stringify({ person: 'bob', from: 'tomorrow', to: `${day(1)}T08:00:00Z` }) });
    expect(bad.status).toBe(422);
    expect((await readJson(bad)).problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['team', 'from']));
    const nobody = await api('/overrides', { method: 'POST', body: JSON.stringify({ team: 'db', person: 'mallory', from: `${day(1)}T08:00:00Z`, to: `${day(1)}T09:00:00Z` }) });
    expect(nobody.status).toBe(404);
    expect((await readJson(nobody)).message).toContain('No person "mallory"');
    expect((await api('/overrides', { method: 'POST', body: '{}' }, bot.apiTokens.read)).status).toBe(403);
  });
  it('a range answers every override in it (the CLI works out shifts from them), the plain list the soonest 200', async () => {
    const person = await bot.database.prisma.person.findFirstOrThrow({ where: { handle: 'bob' } });
    const base = Date.now() + 10 * 24 * HOUR;
    await bot.database.prisma.oncallOverride.createMany({
      data: Array.from({ length: 205 }, (_, i) => ({ scheduleKey: 'db-primary', personId: person.id, startsAt: new Date(base + i * 2 * HOUR), endsAt: new Date(base + i * 2 * HOUR + HOUR) })),
    });
    const range = `from=${encodeURIComponent(new Date(base).toISOString())}&to=${encodeURIComponent(new Date(base + 500 * HOUR).toISOString())}`;
    expect((await readJson(api(`/overrides?${range}`, {}, bot.apiTokens.read))).overrides.filter((o: { origin: string }) => o.origin !== 'oncall.yaml')).toHaveLength(205);
    expect((await readJson(api('/overrides', {}, bot.apiTokens.read))).overrides.filter((o: { origin: string }) => o.origin !== 'oncall.yaml').length).toBeLessThanOrEqual(200);
    await bot.database.prisma.oncallOverride.deleteMany({ where: { startsAt: { gte: new Date(base) } } });
  });
});

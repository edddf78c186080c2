import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/db/open-storage.js';
import { migrate } from '../../src/db/migrator.js';
import { createLogger } from '../../src/logging.js';
import { syncDirectory } from '../../src/oncall/directory-sync.js';
import { loadOncallFile } from '../../src/oncall/oncall-file.js';
import { projectRoot } from '../../src/project-root.js';
import { runCli } from '../support/run-cli.js';

// An empty DATA_DIR of its own: no overrides stored, whatever a developer's ./data holds.
const env = { ONCALL_FILE: join(projectRoot(), 'oncall.yaml'), DATA_DIR: mkdtempSync(join(tmpdir(), 'cli-oncall-')) };
const folders = [env.DATA_DIR];
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

describe('incident-bot oncall (shipped oncall.yaml)', () => {
  it('who: the person on call at an instant, until when, and who is next', async () => {
    const result = await runCli(['oncall', 'who', '--at', '2026-11-29T02:00:00Z', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const { onCall } = JSON.parse(result.stdout);
    // 03:00 Sunday in Berlin: outside Europe's 07:00-19:00 window, so America's weekly layer (week 46: Chen).
    expect(onCall).toContainEqual({ team: 'platform', schedule: 'platform-follow-the-sun', personKey: 'chen', via: 'america', until: '2026-11-29T06:00:00.000Z', next: 'alice' });
    expect(onCall).toContainEqual({ team: 'payments', schedule: 'payments-weekly', personKey: 'chen', via: 'weekly', until: '2026-11-30T08:00:00.000Z', next: 'bruno' });
  });

  it('who: "until" is the handoff itself, the one `oncall shifts` shows, not a quarter hour late', { timeout: 90_000 }, async () => {
    const who = JSON.parse((await runCli(['oncall', 'who', 'platform', '--at', '2026-12-03T07:29:00Z', '--json'], env)).stdout);
    // 08:29 in Berlin: Europe's 07:00-19:00 window, which closes at 18:00 UTC.
    expect(who.onCall[0]).toMatchObject({ via: 'europe', until: '2026-12-03T18:00:00.000Z', next: 'dana' });
    const shifts = JSON.parse((await runCli(['oncall', 'shifts', 'platform-follow-the-sun', '--from', '2026-12-03T07:29:00Z', '--to', '2026-12-04T00:00:00Z', '--json'], env)).stdout);
    expect(shifts[1].start).toBe(who.onCall[0].until);
  });

  it('preview: who gets paged at each level for an incident at 03:00 on Sunday: the person on call, a second person, then the manager', async () => {
    const result = await runCli(['oncall', 'preview', 'checkout', '--at', '2026-11-29T02:00:00Z', '--json'], env);
    const preview = JSON.parse(result.stdout);
    expect(preview.policy).toBe('payments');
    expect(preview.steps.slice(0, 3)).toEqual([
      { at: '2026-11-29T02:00:00.000Z', round: 0, level: 1, people: ['chen'] },
      { at: '2026-11-29T02:05:00.000Z', round: 0, level: 2, people: ['bruno'] },
      { at: '2026-11-29T02:15:00.000Z', round: 0, level: 3, people: ['emma'] },
    ]);
    // One pass: the shipped example asks for no repeat, so each of them is paged once.
    expect(preview.steps).toHaveLength(3);
  });

  it('notify-preview: how a page reaches a person, the phone for high urgency, quiet hours holding low urgency until morning', async () => {
    // 23:30 in Berlin on a Tuesday.
    const unverified = await runCli(['oncall', 'notify-preview', 'bruno', '--severity', '1', '--at', '2026-12-01T22:30:00Z'], env);
    expect(unverified.code, unverified.stderr).toBe(0);
    // Nothing is stored in this DATA_DIR: the phone is not verified, and a real page would not use it.
    expect(unverified.stdout).toContain('sms     skipped: not verified yet');
    expect(unverified.stdout).toContain('voice   skipped: not verified yet');
    const high = await runCli(['oncall', 'notify-preview', 'bruno', '--severity', '1', '--at', '2026-12-01T22:30:00Z', '--as-verified'], env);
    expect(high.code, high.stderr).toBe(0);
    expect(high.stdout).toContain('A SEV1 page (high urgency) to Bruno Keller starting Tue 2026-12-01 23:30 Europe/Berlin (22:30 UTC)');
    expect(high.stdout).toContain('chat    Tue 1 Dec 23:30  +0s');
    expect(high.stdout).toContain('sms     Tue 1 Dec 23:32  +2m');
    expect(high.stdout).toContain('voice   Tue 1 Dec 23:35  +5m');
    const low = JSON.parse((await runCli(['oncall', 'notify-preview', 'bruno', '--severity', '4', '--at', '2026-12-01T22:30:00Z', '--as-verified', '--json'], env)).stdout);
    expect(low).toMatchObject({ urgency: 'low', rules: 'default' });
    expect(low.notifications).toEqual([
      { via: 'chat', at: '2026-12-02T06:00:00.000Z', heldFrom: '2026-12-01T22:30:00.000Z' },
      { via: 'email', at: '2026-12-02T06:00:00.000Z', heldFrom: '2026-12-01T22:30:00.000Z' },
    ]);
    const nobody = await runCli(['oncall', 'notify-preview', 'zoe'], env);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('No person "zoe" under people in oncall.yaml (known: alice, bruno, chen, dana, emma)');
    const badSeverity = await runCli(['oncall', 'notify-preview', 'bruno', '--severity', '7'], env);
    expect(badSeverity.code).toBe(2);
    expect(badSeverity.stderr).toContain('--severity');
  });

  it('notify-preview reads which methods the person verified from the bot`s storage', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cli-verified-'));
    folders.push(dataDir);
    const database = await openStorage({ dataDir }, createLogger('silent'));
    try {
      await migrate(database);
      await syncDirectory(database.prisma, loadOncallFile(env.ONCALL_FILE).config);
      const bruno = await database.prisma.person.findUniqueOrThrow({ where: { handle: 'bruno' } });
      const phone = loadOncallFile(env.ONCALL_FILE).config.people.bruno!.phone!;
      // SMS verified for the number oncall.yaml gives; voice verified for an old number, so not now.
      await database.prisma.contactVerification.createMany({
        data: [
          { personId: bruno.id, via: 'sms', address: phone, verifiedAt: new Date() },
          { personId: bruno.id, via: 'voice', address: '+15550000000', verifiedAt: new Date() },
        ],
      });
    } finally {
      await database.close();
    }
    const preview = JSON.parse((await runCli(['oncall', 'notify-preview', 'bruno', '--severity', '1', '--at', '2026-12-01T22:30:00Z', '--json'], { ...env, DATA_DIR: dataDir })).stdout);
    expect(preview.notifications.map((n: { via: string }) => n.via)).toEqual(['chat', 'sms']);
    expect(preview.skipped).toContainEqual({ via: 'voice', why: 'not verified yet' });
  });

  it('shifts and gaps, and clear errors for unknown names', async () => {
    const shifts = JSON.parse((await runCli(['oncall', 'shifts', 'payments-weekly', '--from', '2026-11-23T00:00:00Z', '--to', '2026-12-08T00:00:00Z', '--json'], env)).stdout);
    expect(shifts.map((s: { person: string }) => s.person)).toEqual(['bruno', 'chen', 'bruno', 'chen']);
    expect(shifts[1].start).toBe('2026-11-23T08:00:00.000Z');
    expect((await runCli(['oncall', 'gaps', '--days', '3'], env)).stdout).toContain('No gaps in the next 3 days.');
    const unknown = await runCli(['oncall', 'who', 'marketing'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No team, service or schedule called "marketing"');
  });
});

describe('incident-bot playbooks lint', () => {
  it('passes the shipped playbooks and fails a broken folder with file:line:col', async () => {
    const good = await runCli(['playbooks', 'lint', join(projectRoot(), 'playbooks')], env);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('6 playbook(s) valid');
    const dir = mkdtempSync(join(tmpdir(), 'lint-'));
    folders.push(dir);
    writeFileSync(join(dir, 'bad.yaml'), 'id: bad\nname: Bad\nsteps:\n  - { id: a, title: A, remind_after: later }\n');
    const bad = await runCli(['playbooks', 'lint', dir], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`${join(dir, 'bad.yaml')}:4:38 steps[0].remind_after: must be a duration such as 15m or 1h`);
  });
});

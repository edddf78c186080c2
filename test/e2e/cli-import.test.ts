import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOncallFile } from '../../src/oncall/oncall-file.js';
import { onCallNow } from '../../src/oncall/oncall-queries.js';
import { samplePath } from '../support/fixtures.js';
import { runCli } from '../support/run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the import into a fresh folder and loads what it wrote, as the bot would. */
async function importInto(tool: 'opsgenie' | 'pagerduty', name: string) {
  const dir = join(work, name);
  mkdirSync(dir);
  const result = await runCli(['import', tool, samplePath(`${tool}-export`)], {}, { cwd: dir });
  return { dir, result, yaml: () => readFileSync(join(dir, 'oncall.yaml'), 'utf8'), report: () => readFileSync(join(dir, 'import-report.md'), 'utf8'), config: () => loadOncallFile(join(dir, 'oncall.yaml')).config };
}
const whoAt = (config: ReturnType<typeof loadOncallFile>['config'], schedule: string, at: string) => onCallNow(config.schedules[schedule]!, [], new Date(at)).personKey;

describe('incident-bot import opsgenie', () => {
  it("writes an oncall.yaml that `oncall check` accepts, whose schedules put the same people on call as Opsgenie's", async () => {
    const run = await importInto('opsgenie', 'opsgenie');
    expect(run.result.code, run.result.stderr).toBe(0);
    expect(run.result.stdout).toContain('4 people, 2 teams, 2 schedules, 1 escalation policy, 1 route, 1 integration key');
    const check = await runCli(['oncall', 'check', 'oncall.yaml'], {}, { cwd: run.dir });
    expect(check.code, check.stderr).toBe(0);

    const config = run.config();
    expect(config.teams.sre).toMatchObject({ members: ['alice', 'bob', 'carol'], escalationPolicy: 'sre_escalation' });
    // The weekly rotation hands over Mondays 09:00 Berlin; the business-hours layer has Carol Monday 09:00 to Friday 17:00.
    expect(whoAt(config, 'sre_schedule', '2026-11-07T12:00:00Z')).toBe('alice'); // Saturday, first week
    expect(whoAt(config, 'sre_schedule', '2026-11-14T12:00:00Z')).toBe('bob'); // Saturday, second week
    expect(whoAt(config, 'sre_schedule', '2026-11-11T12:00:00Z')).toBe('carol'); // Wednesday noon
    expect(whoAt(config, 'sre_schedule', '2026-11-13T15:59:00Z')).toBe('carol'); // Friday 16:59 Berlin
    expect(whoAt(config, 'sre_schedule', '2026-11-13T16:01:00Z')).toBe('bob'); // Friday 17:01 Berlin
    // Payments: nights only (22:00 to 06:00 New York), two days each.
    expect(whoAt(config, 'payments_schedule', '2026-11-02T04:00:00Z')).toBe('carol'); // Nov 1, 23:00 New York
    expect(whoAt(config, 'payments_schedule', '2026-11-03T04:00:00Z')).toBe('dave'); // Nov 2, 23:00
    expect(whoAt(config, 'payments_schedule', '2026-11-02T17:00:00Z')).toBeUndefined(); // midday: nobody

    // Opsgenie's delays count from the alert; the levels wait for each other.
    expect(config.escalationPolicies.sre_escalation).toMatchObject({
      repeat: 2,
      levels: [
        { targets: [{ kind: 'schedule', key: 'sre_schedule' }], delayMs: 5 * 60_000 },
        { targets: [{ kind: 'person', key: 'carol' }], delayMs: 10 * 60_000 },
        { targets: [{ kind: 'team', key: 'payments' }], delayMs: 10 * 60_000 },
      ],
    });
    // The integration keeps its API key: Alertmanager only changes api_url.
    expect(config.opsgenieKeys['7d3f0c2e-9a41-4b6e-8c5d-2f1a0b9e8d7c']).toBe('opsgenie-prometheus');
    expect(config.routes.find((r) => r.id === 'opsgenie-prometheus')).toMatchObject({ team: 'sre', match: { sources: [] } });

    const report = run.report();
    expect(report).toContain('Dave Moe: time zone "Eastern Standard Time" is not an IANA zone; UTC is used');
    expect(report).toContain('Payments: member gone@example.com is not in users.json; left out');
    expect(report).toContain('`/oncall override sre @bob 2026-12-24T09:00:00Z 2026-12-26T09:00:00Z`');
    expect(report).toContain('Email support (Email): no apiKey in the file');
  });

  it('never overwrites an oncall.yaml without --force, and says what is wrong with the files', async () => {
    const dir = join(work, 'existing');
    mkdirSync(dir);
    writeFileSync(join(dir, 'oncall.yaml'), 'people: {}\n');
    const refused = await runCli(['import', 'opsgenie', samplePath('opsgenie-export')], {}, { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('oncall.yaml exists; pass --force');
    expect(readFileSync(join(dir, 'oncall.yaml'), 'utf8')).toBe('people: {}\n');
    expect((await runCli(['import', 'opsgenie', samplePath('opsgenie-export'), '--out', 'imported.yaml'], {}, { cwd: dir })).code).toBe(0);
    expect(existsSync(join(dir, 'imported.yaml'))).toBe(true);

    const broken = join(work, 'broken-export');
    cpSync(samplePath('opsgenie-export'), broken, { recursive: true });
    writeFileSync(join(broken, 'schedules.json'), '{"data": [');
    const bad = await runCli(['import', 'opsgenie', broken, '--out', join(work, 'never.yaml')], {});
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${join(broken, 'schedules.json')} is not JSON`);
    expect(existsSync(join(work, 'never.yaml'))).toBe(false);
    const usage = await runCli(['import', 'splunk', broken], {});
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Unknown tool "splunk": opsgenie or pagerduty');
  });
});

describe('incident-bot import pagerduty', () => {
  it("carries users with their phones, layered schedules, policies, and each service's integration key", async () => {
    const run = await importInto('pagerduty', 'pagerduty');
    expect(run.result.code, run.result.stderr).toBe(0);
    expect((await runCli(['oncall', 'check', 'oncall.yaml'], {}, { cwd: run.dir })).code).toBe(0);
    const config = run.config();
    expect(config.people.earline).toMatchObject({ phone: '+15555551234', timeZone: 'America/Lima', roles: ['admin'] });
    expect(config.teams.engineering).toMatchObject({ members: ['earline', 'kenny'], services: ['Checkout API'] });
    // PagerDuty lists the top layer first: the night shift (Kenny, 20:00-08:00) sits over the weekly rotation.
    const schedule = 'daily-engineering-rotation';
    expect(whoAt(config, schedule, '2026-11-10T15:00:00Z')).toBe('kenny'); // Tue 10:00 New York, week 2 of the weekly layer
    expect(whoAt(config, schedule, '2026-11-04T15:00:00Z')).toBe('earline'); // Wed 10:00, week 1
    expect(whoAt(config, schedule, '2026-11-08T03:00:00Z')).toBe('kenny'); // Sat 22:00: the night shift
    expect(config.escalationPolicies['engineering-escalation-policy']).toMatchObject({ repeat: 2, levels: [{ delayMs: 30 * 60_000 }, { targets: [{ kind: 'person', key: 'earline' }], delayMs: 15 * 60_000 }] });
    expect(config.routingKeys['5c7a1e09f3b54e2a8c6f0b1d3e5a7c9f']).toBe('pagerduty-checkout-api');
    expect(config.routes).toEqual([expect.objectContaining({ id: 'pagerduty-checkout-api', service: 'Checkout API', team: 'engineering', escalationPolicy: 'engineering-escalation-policy' })]);
    const report = run.report();
    expect(report).toContain('Old layer ended 2025-06-01T00:00:00-05:00; not carried over');
    expect(report).toContain('Engineering Escalation Policy, level 2: target user Former Employee is not known; left out');
    expect(report).toContain('Checkout API / Email: a generic email integration has no counterpart here');
    expect(report).toContain('Legacy batch is disabled');
  });
});

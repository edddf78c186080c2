import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot } from '../support/start-test-bot.js';

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const fixtures = join(projectRoot(), 'test', 'fixtures', 'samples');

describe('incident-bot simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATA_DIR: join(dir, 'data'), ONCALL_FILE: join(dir, 'none.yaml') };

  it('shows routing, severity and grouping of a real Alertmanager payload by the shipped oncall.yaml, writing nothing', async () => {
    const result = await runCli(['simulate', join(fixtures, 'alertmanager/firing.json')], { ...env, ONCALL_FILE: join(projectRoot(), 'oncall.yaml') });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Source: alertmanager (detected); 2 alert(s)');
    expect(result.stdout).toContain('severity:    SEV1 (mapped from "critical")');
    expect(result.stdout).toContain('route:       api');
    expect(result.stdout).toContain('team:        payments');
    expect(result.stdout).toContain('escalation:  payments');
    expect(result.stdout).toContain('playbook:    api-errors');
    expect(result.stdout).toContain('group:       route:api:alertname=HighErrorRate,service=checkout');
    expect(result.stdout).toContain(`incident:    unknown (no database in ${join(dir, 'data')} yet)`);
  });

  it('prints JSON for scripts and respects --source', async () => {
    const result = await runCli(['simulate', join(fixtures, 'pagerduty/trigger.json'), '--source', 'pagerduty', '--json'], env);
    const report = JSON.parse(result.stdout);
    expect(report.source).toBe('pagerduty');
    expect(report.alerts[0].decision).toMatchObject({ routeId: 'default', severity: 1 });
  });

  it('takes the new senders, detected from the payload: Opsgenie, Datadog, and CloudWatch through SNS', async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['opsgenie/create-alert.json', 'opsgenie', { severity: 1 }],
      ['datadog/template-triggered.json', 'datadog', { severity: 2, service: 'checkout' }],
      ['cloudwatch/alarm-notification.json', 'cloudwatch', { routeId: 'default' }],
    ];
    for (const [file, source, decision] of cases) {
      const result = await runCli(['simulate', join(fixtures, file), '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.source).toBe(source);
      expect(report.alerts[0].decision).toMatchObject(decision);
    }
  });

  it('checks oncall.yaml: the shipped one passes, a broken one names each problem with its line', async () => {
    const good = await runCli(['oncall', 'check', join(projectRoot(), 'oncall.yaml')], env);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('is valid: 5 people, 3 teams, 3 schedules, 3 escalation policies, 4 routes.');
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'teams:\n  db:\n    name: DB\n    members: [ghost]\n');
    const bad = await runCli(['oncall', 'check', file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`${file}:4:15 teams.db.members[0]: no person "ghost" under people`);
  });

  it('names the bad field of a payload, and bad usage', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ title: 'x', status: 'exploding' }));
    const bad = await runCli(['simulate', file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('status: Invalid option');
    expect((await runCli(['simulate'], env)).code).toBe(2);
    expect((await runCli(['simulate', file, '--source', 'nagios'], env)).stderr).toContain('--source must be one of');
  });

  it('while the bot holds embedded storage, asks the running bot which open incident an alert would join', { timeout: 60_000 }, async () => {
    const bot = await startTestBot('pglite');
    try {
      const alert = { title: 'Queue backlog above 10k', group: 'queues' };
      const sent = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(alert),
      });
      expect(sent.status).toBe(200);
      const file = join(dir, 'backlog.json');
      writeFileSync(file, JSON.stringify(alert));
      const port = new URL(bot.url).port;
      const botEnv = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(bot.dataDir, 'oncall.yaml'), PORT: port };
      const joins = await runCli(['simulate', file], botEnv);
      expect(joins.code, joins.stderr).toBe(0);
      expect(joins.stdout).toContain('incident:    joins open INC-1 "Queue backlog above 10k"');
      writeFileSync(file, JSON.stringify({ ...alert, group: 'other' }));
      expect((await runCli(['simulate', file], botEnv)).stdout).toContain('incident:    opens a new incident');
      // Asking the wrong port says why it cannot tell, rather than a bare "unknown".
      const closed = await closedPort();
      const nobody = await runCli(['simulate', file], { ...botEnv, PORT: String(closed) });
      expect(nobody.stdout).toContain(`incident:    unknown (the running bot holds the embedded storage and did not answer at http://localhost:${closed} (ECONNREFUSED); set PORT as the bot has it)`);
    } finally {
      await bot.destroy();
    }
  });
});

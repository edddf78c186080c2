import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { runCli } from '../support/run-cli.js';

const fixtures = join(projectRoot(), 'test', 'fixtures', 'samples');

describe('incident-bot simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATA_DIR: join(dir, 'data') };

  it('shows routing, severity and grouping of a real Alertmanager payload, writing nothing', async () => {
    const result = await runCli(['simulate', join(fixtures, 'alertmanager/firing.json')], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Source: alertmanager (detected); 2 alert(s)');
    expect(result.stdout).toContain('severity:    SEV1 (mapped from "critical")');
    expect(result.stdout).toContain('route:       default');
    expect(result.stdout).toContain(`incident:    unknown (no database in ${join(dir, 'data')} yet)`);
  });

  it('prints JSON for scripts and respects --source', async () => {
    const result = await runCli(['simulate', join(fixtures, 'pagerduty/trigger.json'), '--source', 'pagerduty', '--json'], env);
    const report = JSON.parse(result.stdout);
    expect(report.source).toBe('pagerduty');
    expect(report.alerts[0].decision).toMatchObject({ routeId: 'default', severity: 1 });
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
});

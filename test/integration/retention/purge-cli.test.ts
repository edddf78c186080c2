import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AuditLog } from '../../../src/access/audit-log.js';
import type { CliIo } from '../../../src/cli-command.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { RETENTION_PURGE_JOB } from '../../../src/engine/job-kinds.js';
import { Metrics } from '../../../src/http/metrics.js';
import { buildHttpServer } from '../../../src/http/server.js';
import { createLogger } from '../../../src/logging.js';
import { purgeCliCommand } from '../../../src/retention/purge-cli-command.js';
import { retentionRoutes } from '../../../src/retention/retention-routes.js';
import type { RetentionView } from '../../../src/retention/retention-view.js';
import { StartupError } from '../../../src/startup-error.js';
import { ManualClock } from '../../../src/time/clock.js';
import { describeEachDatabase } from '../../support/test-database.js';

const DAY = 86_400_000;
const NOW = new Date('2026-03-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const READ = 'read-token-0123456789abcdef';
const WRITE = 'write-token-0123456789abcdef';

describeEachDatabase('incident-bot purge', (db) => {
  const prisma = () => db().database.prisma;
  const clock = new ManualClock(NOW);
  let out: string[];
  let err: string[];
  const io = (env: Record<string, string> = {}): CliIo => ({ out: (line) => out.push(line), err: (line) => err.push(line), env });
  const command = () => purgeCliCommand(async () => ({ database: db().database, close: async () => {} }), clock);
  const rows = async () => ({ audit: await prisma().auditEntry.count(), raw: await prisma().alert.count({ where: { raw: { not: { equals: null } } } }), incidents: await prisma().incident.count() });

  beforeEach(async () => {
    await prisma().$executeRawUnsafe('TRUNCATE alerts, incidents, audit_entries, jobs, processed_requests RESTART IDENTITY CASCADE');
    out = [];
    err = [];
    await prisma().auditEntry.createMany({ data: [ago(400 * DAY), ago(400 * DAY), ago(10 * DAY)].map((at) => ({ at, actorName: 'x', platform: 'cli', action: 'x', result: 'ok' })) });
    await prisma().alert.create({
      data: { source: 'generic', fingerprint: 'f', status: 'firing', title: 't', labels: {}, annotations: {}, links: {}, startsAt: ago(40 * DAY), lastReceivedAt: ago(40 * DAY), contentHash: 'h', raw: { body: 1 } },
    });
    await prisma().incident.create({ data: { title: 'old', severity: 2, status: 'resolved', source: 'manual', openedAt: ago(3000 * DAY), resolvedAt: ago(3000 * DAY) } });
  });

  it('--dry-run says per kind what would go, with its cut-off and setting, and deletes nothing', async () => {
    const before = await rows();
    expect(await command().run(['--dry-run'], io())).toBe(0);
    expect(await rows()).toEqual(before);
    expect(out[0]).toBe('Dry run at 2026-03-01T12:00:00.000Z: nothing was deleted. What a purge now would remove:');
    expect(out).toContain('  raw alert payloads (cleared; the alert is kept): 1 would go (last received before 2026-01-30T12:00:00.000Z; RETAIN_RAW_PAYLOADS=30d)');
    expect(out).toContain('  audit entries: 2 would go (recorded before 2025-03-01T12:00:00.000Z; RETAIN_AUDIT=365d)');
    expect(out).toContain('  resolved incidents, with timeline, roles, pages, playbook run, channels and postmortem: kept forever (RETAIN_INCIDENTS=forever)');
    expect(err).toEqual([]);
  });

  it('without --dry-run removes it and says what went; the settings change the cut-offs', async () => {
    expect(await command().run([], io({ RETAIN_AUDIT: '5d', RETAIN_INCIDENTS: '1000d' }))).toBe(0);
    expect(await rows()).toEqual({ audit: 1, raw: 0, incidents: 0 });
    expect(out[0]).toBe('Purged at 2026-03-01T12:00:00.000Z:');
    expect(out).toContain('  audit entries: 3 went (recorded before 2026-02-24T12:00:00.000Z; RETAIN_AUDIT=5d)');
    expect(out).toContain('  resolved incidents, with timeline, roles, pages, playbook run, channels and postmortem: 1 went (resolved before 2023-06-05T12:00:00.000Z; RETAIN_INCIDENTS=1000d)');
    // Who deleted what by hand is on the audit trail.
    expect(await prisma().auditEntry.findMany()).toEqual([expect.objectContaining({ platform: 'cli', action: 'cli.retention.purge', args: { raw_payloads: 1, audit_entries: 3, incidents: 1 } })]);
  });

  it('--json gives the same per kind, for scripts', async () => {
    expect(await command().run(['--dry-run', '--json'], io())).toBe(0);
    const view = JSON.parse(out.join('\n')) as RetentionView;
    expect(view.dryRun).toBe(true);
    expect(view.categories.find((entry) => entry.category === 'audit_entries')).toEqual({
      category: 'audit_entries', what: 'audit entries', measuredBy: 'recorded', setting: 'RETAIN_AUDIT', keep: '365d', rule: 'RETAIN_AUDIT=365d', cutoff: '2025-03-01T12:00:00.000Z', rows: 2,
    });
    expect(view.categories.find((entry) => entry.category === 'incidents')).toMatchObject({ cutoff: null, rows: null });
  });

  it('refuses a bad setting before touching anything, naming it', async () => {
    await expect(command().run(['--dry-run'], io({ RETAIN_AUDIT: 'a year' }))).rejects.toThrow(ConfigError);
    await expect(command().run(['--dry-run'], io({ RETAIN_AUDIT: 'a year' }))).rejects.toThrow(/RETAIN_AUDIT: must be how long to keep them/);
    expect(await rows()).toMatchObject({ audit: 3 });
  });

  it('refuses an unknown flag with its usage', async () => {
    await expect(command().run(['--dryrun'], io())).rejects.toThrow(/Unknown option '--dryrun'/);
  });

  describe_throughTheBot();

  function describe_throughTheBot() {
    let server: Awaited<ReturnType<typeof buildHttpServer>> | undefined;
    let port = 0;
    const locked = () => purgeCliCommand(async () => { throw new StartupError('data_dir_locked', 'DATA_DIR ./data is in use by another bot process (pid 1).'); }, clock);

    beforeEach(async () => {
      const audit = new AuditLog(prisma(), createLogger('silent'));
      server = await buildHttpServer({ log: createLogger('silent'), metrics: new Metrics(), routes: [retentionRoutes({ database: db().database, settings: loadConfig({}), tokens: { read: READ, write: WRITE }, audit, clock })] });
      await server.listen({ port: 0, host: '127.0.0.1' });
      port = (server.server.address() as AddressInfo).port;
    });
    afterEach(async () => {
      await server?.close();
    });

    it('while the bot holds embedded storage, a dry run asks the bot (read token) and prints the same', async () => {
      expect(await locked().run(['--dry-run'], io({ PORT: String(port), API_TOKEN: READ, API_WRITE_TOKEN: WRITE }))).toBe(0);
      expect(out).toContain('  audit entries: 2 would go (recorded before 2025-03-01T12:00:00.000Z; RETAIN_AUDIT=365d)');
      expect(await rows()).toMatchObject({ audit: 3 });
    });

    it('while the bot holds embedded storage, a purge asks the bot to run its purge job now (write token, audited)', async () => {
      expect(await locked().run([], io({ PORT: String(port), API_TOKEN: READ, API_WRITE_TOKEN: WRITE }))).toBe(0);
      expect(out.at(-1)).toMatch(/The running bot is purging these now/);
      const jobs = await prisma().job.findMany({ where: { kind: RETENTION_PURGE_JOB } });
      expect(jobs.map((job) => job.payload)).toEqual([{ occurrence: NOW.toISOString() }]);
      expect(await prisma().auditEntry.count({ where: { action: 'api.retention.purge' } })).toBe(1);
    });

    it('the purge route refuses the read token and no token before anything is read or queued', async () => {
      for (const headers of [{}, { authorization: `Bearer ${READ}` }] as Record<string, string>[]) {
        const response = await fetch(`http://127.0.0.1:${port}/api/retention/purge`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"x":1}' });
        expect([401, 403]).toContain(response.status);
      }
      expect(await (await fetch(`http://127.0.0.1:${port}/api/retention`)).status).toBe(401);
      expect(await prisma().job.count()).toBe(0);
      expect(await locked().run([], io({ PORT: String(port), API_TOKEN: READ, API_WRITE_TOKEN: 'not-the-write-token-at-all' }))).toBe(1);
      expect(err.join('\n')).toMatch(/The bot refused \(401\)/);
      expect(await prisma().job.count()).toBe(0);
    });
  }
});

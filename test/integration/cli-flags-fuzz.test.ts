import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { auditCliCommand } from '../../src/access/audit-cli-command.js';
import { simulateCommand } from '../../src/alerts/simulate-cli-command.js';
import { storedAlertFacts } from '../../src/alerts/stored-alert-facts.js';
import { runCommand, type CliCommand, type CliIo } from '../../src/cli-command.js';
import { syncDirectory } from '../../src/oncall/directory-sync.js';
import { oncallCliCommands } from '../../src/oncall/oncall-cli-command.js';
import { loadOncallFile } from '../../src/oncall/oncall-file.js';
import { overridesBetween } from '../../src/oncall/stored-overrides.js';
import { projectRoot } from '../../src/project-root.js';
import { samplePath } from '../support/fixtures.js';
import { describeEachDatabase } from '../support/test-database.js';

/** Runs per command; FUZZ_RUNS=500 for a long local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 40);

const oncall = loadOncallFile(join(projectRoot(), 'oncall.yaml')).config;

/** Flag values at and past every bound: whole numbers, durations and instants at the ends of the calendar. */
const EDGE_VALUES = [
  '1', '0', '-1', '+1', '1.5', '1e3', '1e9', '0x10', ' 7', 'NaN', 'Infinity', '14', '366', '367', '100000', '100001',
  '2147483648', '9'.repeat(30), '1'.repeat(400),
  '7d', '24h', '0s', '99999999w', '999999999999999999999w', '9'.repeat(400) + 'ms', '105000w', '106000w',
  '2026-11-24', '2026-11-29T03:00:00+01:00', '2026-11-30T03:00:00Z', '2027-11-24T00:00:00Z', '0001-01-01T00:00:00Z', '0000-01-01', '9999-12-31T23:59:59Z',
  '+010000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '-000001-01-01T00:00:00Z', '-271821-04-20', '2026-13-45', 'P1D', 'now',
  'alertmanager', 'grafana', 'pagerduty', 'generic', 'nagios', 'command.', 'Alice', '', ' ', '%', "'; DROP TABLE audit_entries; --", '\u00ff', '🔥',
];
const POSITIONALS = [
  ...Object.keys(oncall.teams), ...Object.keys(oncall.schedules), 'checkout', 'billing', 'nobody', '__proto__', 'constructor',
  samplePath('alertmanager/firing.json'), samplePath('pagerduty/trigger.json'), samplePath('grafana/firing.json'), '/nonexistent/alert.json', projectRoot(),
];

/** A valid invocation of each command, which the fuzzer mutates token by token. */
const VALID: Record<string, string[]> = {
  audit: ['--since', '7d', '--limit', '10', '--actor', 'Alice', '--action', 'command.', '--json'],
  'oncall who': ['payments', '--at', '2026-11-29T03:00:00+01:00', '--json'],
  'oncall shifts': ['payments-weekly', '--from', '2026-11-24T00:00:00Z', '--to', '2026-12-08T00:00:00Z', '--json'],
  'oncall gaps': ['--days', '14', '--json'],
  'oncall preview': ['payments', '--at', '2026-11-24T10:00:00Z', '--json'],
  simulate: [samplePath('alertmanager/firing.json'), '--source', 'alertmanager', '--json'],
};

function argv(command: CliCommand) {
  const flags = [...command.usage.matchAll(/--[a-z]+/g)].map(([flag]) => flag);
  const token = fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom(...flags) },
    { weight: 5, arbitrary: fc.constantFrom(...EDGE_VALUES) },
    { weight: 1, arbitrary: fc.constantFrom('--bogus', '-x', '--', '-', '--json=1', ...flags.map((flag) => `${flag}=`), ...flags.map((flag) => `${flag}=7d`)) },
    { weight: 2, arbitrary: fc.constantFrom(...POSITIONALS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((text) => text.replace(/\u0000/g, '')) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => `${n}w`) },
  );
  const valid = VALID[command.name.join(' ')]!;
  const edit = fc.record({ at: fc.nat(), insert: fc.boolean(), token });
  const mutated = fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    const args = [...valid];
    for (const { at, insert, token: t } of edits) args.splice(at % (args.length + 1), insert ? 0 : 1, t);
    return args;
  });
  return fc.oneof(fc.array(token, { maxLength: 6 }), mutated, fc.constant(valid));
}

describeEachDatabase('CLI flags under random arguments', (db) => {
  let commands: CliCommand[];
  const now = new Date('2026-11-24T10:00:00Z');

  beforeAll(async () => {
    const { prisma } = db().database;
    await syncDirectory(prisma, oncall);
    // Wired as src/cli.ts wires them, over the test's own database.
    const openPrisma = async () => ({ prisma, close: async () => {} });
    const loadOncall = async () => oncall;
    commands = [
      auditCliCommand(openPrisma, { now: () => now }),
      ...oncallCliCommands(loadOncall, async (_io, from, to) => ({ overrides: await overridesBetween(prisma, from, to) }), async () => ({ value: new Set() })),
      simulateCommand({
        loadOncall,
        openLookup: async () => ({
          openIncidentOfGroup: async (groupKey) => (await prisma.incident.findUnique({ where: { openGroupKey: groupKey }, select: { id: true, title: true } })) ?? undefined,
          storedAlert: (key) => storedAlertFacts(prisma, key, 30 * 60_000, { withContentHash: true }),
          close: async () => {},
        }),
      }),
    ];
  });

  const run = async (command: CliCommand, args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { out: (line) => out.push(line), err: (line) => err.push(line), env: {} };
    const code = await runCommand(command, args, io);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  };

  for (const name of ['audit', 'oncall who', 'oncall shifts', 'oncall gaps', 'oncall preview', 'simulate']) {
    it(`${name}: exit 0, 1 or 2, never a stack trace; a usage error names the flag or argument`, async () => {
      const command = commands.find((c) => c.name.join(' ') === name)!;
      await fc.assert(
        fc.asyncProperty(argv(command), async (args) => {
          const context = `incident-bot ${name} ${args.map((a) => JSON.stringify(a)).join(' ')}`;
          let result: Awaited<ReturnType<typeof run>>;
          try {
            result = await run(command, args);
          } catch (error) {
            throw new Error(`${context} threw ${(error as Error).stack}`);
          }
          const { code, stderr } = result;
          expect([0, 1, 2], `${context} → ${code}: ${stderr}`).toContain(code);
          expect(stderr, context).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
          if (code === 2) {
            expect(stderr, context).toContain(`Usage: incident-bot ${command.usage.split(' ').slice(0, command.name.length).join(' ')}`);
            expect(stderr, context).toMatch(/--[a-z]+|argument/);
          }
        }),
        { numRuns: RUNS },
      );
    }, 180_000);
  }

  it('refuses out-of-range flag values with exit 2, naming the flag and its bounds', async () => {
    const cases: [string, string[], RegExp][] = [
      ['audit', ['--since', '99999999w'], /^--since is longer than any span of dates the bot keeps \(years 0001 to 9999\) \(got "99999999w"\)/],
      ['audit', ['--since', '106000w'], /^--since reaches back before 0001-01-01/],
      ['audit', ['--since', '+275760-09-13T00:00:00Z'], /^--since must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z/],
      ['audit', ['--limit', '1e9'], /^--limit must be a whole number from 1 to 100000 \(got "1e9"\)/],
      ['audit', ['--bogus'], /Unknown option '--bogus'/],
      ['oncall who', ['--at', '+275760-09-13T00:00:00Z'], /^--at must be from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z/],
      ['oncall gaps', ['--days', '1e9'], /^--days must be a whole number from 1 to 366 \(got "1e9"\)/],
      ['oncall gaps', ['--days', 'abc'], /^--days must be a whole number/],
      ['oncall shifts', ['payments-weekly', '--from', '0001-01-01', '--to', '9999-12-31'], /^--to must be after --from, and at most 366 days later/],
      ['oncall preview', ['payments', '--at'], /Option '--at <value>' argument missing/],
      ['simulate', [samplePath('alertmanager/firing.json'), '--source', 'nagios'], /^--source must be one of alertmanager, grafana, pagerduty, opsgenie, datadog, cloudwatch, generic \(got "nagios"\)/],
      ['simulate', [samplePath('alertmanager/firing.json'), '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [name, args, message] of cases) {
      const command = commands.find((c) => c.name.join(' ') === name)!;
      const result = await run(command, args);
      expect(result, `${name} ${args.join(' ')}`).toMatchObject({ code: 2, stderr: expect.stringMatching(message) });
      expect(result.stderr).toContain(`Usage: incident-bot ${command.usage}`);
    }
  });
});

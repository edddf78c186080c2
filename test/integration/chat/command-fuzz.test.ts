import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { commanderReminderEffects } from '../../../src/delivery/reminders.js';
import { dispatchCommand, type CommandContext, type CommandHandlers, type CommandReply } from '../../../src/chat/commands/command-dispatch.js';
import { COMMAND_SPECS, type CommandSpec } from '../../../src/chat/commands/command-spec.js';
import { parseCommandText } from '../../../src/chat/commands/parse-command-text.js';
import { parseStructuredCommand } from '../../../src/chat/commands/parse-structured-command.js';
import { renderDiscordMessage } from '../../../src/chat/discord/embed.js';
import { maintenanceCommandHandlers } from '../../../src/chat/maintenance-command-handlers.js';
import { webLinkCommandHandler } from '../../../src/web/web-link-command.js';
import { contactCommandHandlers } from '../../../src/chat/contact-command-handlers.js';
import { incidentCommandHandlers } from '../../../src/chat/incident-command-handlers.js';
import { oncallCommandHandlers } from '../../../src/chat/oncall-command-handlers.js';
import { PeopleDirectory } from '../../../src/chat/people-directory.js';
import { renderSlackMessage } from '../../../src/chat/slack/block-kit.js';
import type { ClaimedJob } from '../../../src/engine/job.js';
import { escalationEffects } from '../../../src/engine/escalation-jobs.js';
import { combineEffects } from '../../../src/incidents/incident-effects.js';
import { IncidentService } from '../../../src/incidents/incident-service.js';
import { createLogger } from '../../../src/logging.js';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { loadOncallFile } from '../../../src/oncall/oncall-file.js';
import { formatPlaybookProblem } from '../../../src/playbooks/playbook-file.js';
import { PlaybookLibrary } from '../../../src/playbooks/playbook-library.js';
import { loadRunView, stepCard } from '../../../src/playbooks/playbook-messages.js';
import { playbookEffects, PlaybookRunner } from '../../../src/playbooks/playbook-runner.js';
import { projectRoot } from '../../../src/project-root.js';
import { invariantViolations } from '../../support/database-invariants.js';
import { describeEachDatabase } from '../../support/test-database.js';

/** Runs per command and parser; FUZZ_RUNS=300 for a long local run. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 12);

const oncall = loadOncallFile(join(projectRoot(), 'oncall.yaml')).config;
const slackIds = Object.values(oncall.people).map((person) => person.slackId).filter((id): id is string => Boolean(id));

// Words people (and fuzzers) type: every option kind's good and bad values, mentions, times, tags, hostile text.
const word = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ...COMMAND_SPECS.map((spec) => spec.name), ...Object.keys(oncall.teams), ...slackIds.map((id) => `<@${id}>`), '<@U0NOBODY>', '<@U1|name with space>', '<@>', '<#C1>', '@alice',
      'sev1', 'sev4', 'sev0', 'sev9', '1', '2', '4', '0', '-1', '5', '99999999999999999999', '1e3', '0x10', 'NaN',
      '--private', '--team', '--team=', 'INC-1', 'inc-2', '#inc-3-x', '<#C1|inc-1-x>', '<#C-incident|>', '--', '-', 'commander', 'comms', 'scribe', 'done', 'skip', 'back', 'show',
      'now', '+2h', '+90m', '-1h', 'tomorrow', '09:00', '25:00', '2026-03-29', '02:30', '2026-13-45', 'next', 'monday', '7d', '52', '53',
      'rootcause:', 'impact:', 'action:', 'root cause:', '"quoted', "'", '`code`', '*bold*', '\u0000', '\uD800', '🔥', "'; DROP TABLE incidents; --", '%', '\\',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 600, max: 6_000 }).map((n) => 'w'.repeat(n)) },
);
const gap = fc.constantFrom(' ', '  ', '\t', '\n', '\u00a0', '\u3000');
const argumentText = fc.array(fc.tuple(word, gap), { maxLength: 8 }).map((parts) => parts.map(([w, g]) => w + g).join(''));

const optionValue = fc.oneof(
  word,
  fc.integer({ min: -5, max: 100 }),
  fc.double(),
  fc.boolean(),
  fc.constant(undefined),
);

function optionMap(spec: CommandSpec) {
  const names = [...spec.options.map((option) => option.name), 'team', 'user', 'title', '__proto__', 'constructor'];
  return fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })), optionValue, { maxKeys: 6 });
}

const log = createLogger('silent');

describeEachDatabase('every command under random arguments', (db) => {
  let handlers: CommandHandlers;
  const incidentNumbers: number[] = [];
  const unexpected: { what: string; error: unknown }[] = [];

  beforeAll(async () => {
    const { database } = db();
    await syncDirectory(database.prisma, oncall);
    const people = new PeopleDirectory(database.prisma, {});
    const playbooks = new PlaybookLibrary(join(projectRoot(), 'playbooks'), log);
    const effects = combineEffects(escalationEffects, commanderReminderEffects, playbookEffects(playbooks));
    const runner = new PlaybookRunner(database, playbooks);
    const incidents = new IncidentService(database, effects);
    // Wired as src/main.ts wires them, chat platforms aside.
    handlers = {
      ...oncallCommandHandlers({ database, oncall: () => oncall, people }),
      ...contactCommandHandlers({ database, oncall: () => oncall, people, canSend: () => true }),
      ...maintenanceCommandHandlers({ database, oncall: () => oncall, people }),
      ...webLinkCommandHandler({ database, oncall: () => oncall, people, publicUrl: () => 'http://127.0.0.1:3000' }),
      ...incidentCommandHandlers({
        prisma: database.prisma,
        database,
        reportTimeZone: 'UTC',
        incidents,
        people,
        oncall: () => oncall,
        playbooks: {
          card: async (incidentId) => {
            const view = await loadRunView(database.prisma, incidentId);
            return view ? stepCard(view) : undefined;
          },
          act: (id, action, actor, expected) => runner.act(id, action, actor, expected),
        },
        brokenPlaybooks: () => playbooks.problems().map(formatPlaybookProblem),
        uploadFile: async () => {},
        tellPrivately: async () => {},
      }),
    };
    // Incidents to act on: a plain one, a private one, and one running a playbook.
    for (const title of ['Checkout is slow', 'Database failover', 'Suspicious logins']) {
      const { id } = await incidents.declare({ title, severity: 2, private: title.startsWith('Suspicious'), service: title.startsWith('Database') ? 'postgres' : undefined }, { kind: 'bot' });
      incidentNumbers.push(id);
    }
    await runner.startHandler()({ subject: `incident:${incidentNumbers[1]}` } as ClaimedJob);
  });

  const context = fc.record({
    platform: fc.constantFrom('slack' as const, 'discord' as const),
    actor: fc.record({ platformId: fc.oneof(fc.constantFrom(...slackIds, 'U0NOBODY'), fc.string({ maxLength: 12 })) }),
    channelId: fc.constantFrom('C1', 'C-incident'),
    incidentNumber: fc.oneof(fc.constant(undefined), fc.constantFrom(1, 2, 3), fc.constant(999_999)),
    timeZone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/St_Johns', 'Pacific/Kiritimati'),
  });

  async function run(parsed: ReturnType<typeof parseCommandText>, ctx: CommandContext, what: string): Promise<void> {
    let reply: CommandReply;
    unexpected.length = 0;
    try {
      reply = await dispatchCommand(parsed, ctx, handlers, { onUnexpectedError: (error) => unexpected.push({ what, error }) });
    } catch (error) {
      throw new Error(`${what} threw: ${(error as Error).stack}`);
    }
    expect(unexpected.map((u) => `${u.what}: ${String((u.error as Error)?.stack ?? u.error)}`), what).toEqual([]);
    expect(['ephemeral', 'in_channel'], what).toContain(reply.visibility);
    expect(typeof reply.message.summary, what).toBe('string');
    expect(Array.isArray(reply.message.sections), what).toBe(true);
    const text = reply.message.sections.map((section) => section.text ?? '').join('\n');
    expect(text, what).not.toContain('Something went wrong');
    // Well-formed means both platforms can show it.
    expect(() => renderSlackMessage(reply.message), what).not.toThrow();
    expect(() => renderDiscordMessage(reply.message), what).not.toThrow();
  }

  for (const spec of COMMAND_SPECS) {
    it(`/${spec.command} ${spec.name}: random text and random option maps get a proper reply, never an internal error`, async () => {
      await fc.assert(
        fc.asyncProperty(argumentText, context, async (args, ctx) => {
          const line = `${spec.bare && args.length % 2 ? '' : `${spec.name} `}${args}`;
          await run(parseCommandText(spec.command, line), ctx, `text /${spec.command} ${JSON.stringify(line).slice(0, 300)} in ${JSON.stringify(ctx)}`);
        }),
        { numRuns: RUNS },
      );
      await fc.assert(
        fc.asyncProperty(fc.oneof({ weight: 5, arbitrary: fc.constant(spec.name) }, fc.string({ maxLength: 10 })), optionMap(spec), context, async (subcommand, options, ctx) => {
          await run(parseStructuredCommand(spec.command, { subcommand, options: options as Record<string, string | number | boolean | undefined> }), ctx, `structured /${spec.command} ${subcommand} ${JSON.stringify(options).slice(0, 300)} in ${JSON.stringify(ctx)}`);
        }),
        { numRuns: RUNS },
      );
    }, 120_000);
  }

  it('random text at each command name as a whole', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('incident' as const, 'oncall' as const), fc.oneof(argumentText, fc.string({ maxLength: 200 })), context, async (command, line, ctx) => {
        await run(parseCommandText(command, line), ctx, `text /${command} ${JSON.stringify(line).slice(0, 300)}`);
      }),
      { numRuns: RUNS * 4 },
    );
  }, 120_000);

  it('leaves no half-written incident behind', async () => {
    expect(await invariantViolations(db().database.prisma)).toEqual({});
  });
});

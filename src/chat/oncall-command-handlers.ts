import { DateTime } from 'luxon';
import type { Database } from '../db/database.js';
import { writePage } from '../delivery/page-request.js';
import { enqueueJobs } from '../engine/job-store.js';
import { AppError } from '../errors.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { overridesFromDatabase } from '../oncall/level-target-resolver.js';
import { shiftsBetween } from '../oncall/on-call-at.js';
import { ONCALL_HORIZON_MS, onCallNow, policyFor, previewEscalation, schedulesFor } from '../oncall/oncall-queries.js';
import { allOverridesBetween, plannedOverlapping } from '../oncall/stored-overrides.js';
import type { CommandContext, CommandHandlers, CommandReply } from './commands/command-dispatch.js';
import type { CommandOf } from './commands/parsed-command.js';
import { resolveWhen } from './commands/resolve-when.js';
import { mention } from './neutral-message.js';
import type { PeopleDirectory } from './people-directory.js';
import { systemClock, type Clock } from '../time/clock.js';
import { describeHeartbeats, readHeartbeats } from '../heartbeats/heartbeat-list.js';

type OncallHandlers = Pick<CommandHandlers, 'oncall.who' | 'oncall.schedule' | 'oncall.override' | 'oncall.page' | 'oncall.preview' | 'oncall.heartbeats'>;

export interface OncallCommandDeps {
  database: Database;
  oncall: () => OncallConfig;
  people: PeopleDirectory;
  onCommitted?: () => void;
  clock?: Clock;
}

const privately = (title: string, lines: string[]): CommandReply => ({
  visibility: 'ephemeral',
  message: { summary: title, title, sections: [{ text: lines.join('\n') || '—' }] },
});

/** `/oncall ...`: answered from oncall.yaml and the overrides in the database, times in the asker's zone. */
export function oncallCommandHandlers(deps: OncallCommandDeps): OncallHandlers {
  const clock = deps.clock ?? systemClock;
  const overridesAt = async (at: Date) => [...plannedOverlapping(deps.oncall(), at, new Date(at.getTime() + 1)), ...(await deps.database.transaction((tx) => overridesFromDatabase(at, tx)))];
  /** Overrides from `at` on, far enough to say until when and who is next. */
  const overridesAhead = (at: Date) => allOverridesBetween(deps.database.prisma, deps.oncall(), at, new Date(at.getTime() + ONCALL_HORIZON_MS));
  const nameOf = (key: string | undefined) => (key ? (deps.oncall().people[key]?.name ?? key) : 'nobody (a gap)');
  const when = (date: Date, ctx: CommandContext) => DateTime.fromJSDate(date, { zone: ctx.timeZone }).toFormat('ccc d MMM HH:mm');

  return {
    async 'oncall.who'(command, ctx) {
      const config = deps.oncall();
      const names = command.team ? [command.team] : Object.keys(config.teams);
      const now = clock.now();
      const overrides = await overridesAhead(now);
      const lines = names.flatMap((name) =>
        schedulesFor(config, name).map((schedule) => {
          const current = onCallNow(schedule, overrides, now);
          const until = current.until ? ` until ${when(current.until, ctx)}, then ${nameOf(current.next)}` : '';
          return `**${name}** (${schedule.name}): ${nameOf(current.personKey)}${until}`;
        }),
      );
      return privately(`On call now (times in ${ctx.timeZone})`, lines.length ? lines : ['No schedules are configured in oncall.yaml.']);
    },

    async 'oncall.schedule'(command, ctx) {
      const config = deps.oncall();
      const days = Math.min(Math.max(command.days ?? 7, 1), 31);
      const from = clock.now();
      const to = new Date(from.getTime() + days * 86_400_000);
      const overrides = await allOverridesBetween(deps.database.prisma, config, from, to);
      const lines = schedulesFor(config, command.team).flatMap((schedule) => [
        `**${schedule.name}**`,
        ...shiftsBetween(schedule, overrides, from, to).map((s) => `${when(s.start, ctx)} → ${when(s.end, ctx)}  ${nameOf(s.personKey)}${s.via === 'override' ? ' (override)' : ''}`),
      ]);
      return privately(`${command.team}: the next ${days} day(s) (times in ${ctx.timeZone})`, lines);
    },

    async 'oncall.override'(command: CommandOf<'oncall.override'>, ctx) {
      const config = deps.oncall();
      const [schedule] = schedulesFor(config, command.team);
      if (!schedule) throw new AppError('not_found', `"${command.team}" has no schedule to override`);
      const now = clock.now();
      const from = resolveWhen(command.from, ctx.timeZone, now);
      const to = resolveWhen(command.to, ctx.timeZone, now);
      if (!from.ok) throw new AppError('bad_request', `From: ${from.message}`);
      if (!to.ok) throw new AppError('bad_request', `To: ${to.message}`);
      if (to.at <= from.at) throw new AppError('bad_request', 'The override must end after it starts');
      const covering = await deps.people.personFor(ctx.platform, command.user.platformId, command.user.name);
      if (!covering.handle) throw new AppError('bad_request', `${covering.name} is not in oncall.yaml; add them under people first`);
      const { person: asker } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      await deps.database.prisma.oncallOverride.create({ data: { scheduleKey: schedule.key, personId: covering.id, startsAt: from.at, endsAt: to.at, createdById: asker.id } });
      return {
        visibility: 'in_channel',
        message: {
          summary: `${covering.name} covers ${schedule.name}`,
          sections: [{ text: `${mention(command.user.platformId)} is on call for **${schedule.name}** from ${when(from.at, ctx)} to ${when(to.at, ctx)} (${ctx.timeZone}), set by ${mention(ctx.actor.platformId)}.` }],
          mentions: [command.user.platformId, ctx.actor.platformId],
        },
        // The instants the typed times resolved to, since "tomorrow 9:00" means nothing in a month.
        audit: { schedule: schedule.key, person: covering.handle, startsAt: from.at.toISOString(), endsAt: to.at.toISOString() },
      };
    },

    async 'oncall.preview'(command, ctx) {
      const config = deps.oncall();
      let at = clock.now();
      if (command.at) {
        const resolved = resolveWhen(command.at, ctx.timeZone, at);
        if (!resolved.ok) throw new AppError('bad_request', resolved.message);
        at = resolved.at;
      }
      const policy = policyFor(config, command.team);
      const steps = previewEscalation(config, policy, await overridesAhead(at), at);
      return privately(
        `Who is paged for ${command.team} if an incident opens ${when(at, ctx)} (${ctx.timeZone})`,
        steps.map((s) => {
          const again = s.alreadyPaged?.length ? `(${s.alreadyPaged.map((p) => nameOf(p)).join(', ')} already paged in this pass)` : '';
          const who = [s.people.map((p) => nameOf(p)).join(', '), again].filter(Boolean).join(' ') || 'nobody';
          return `${when(s.at, ctx)} level ${s.level}${s.round ? ` (repeat ${s.round})` : ''}: ${who}`;
        }),
      );
    },

    async 'oncall.heartbeats'(_command, ctx) {
      const views = await readHeartbeats(deps.database.prisma, deps.oncall());
      return privately(`Heartbeats (times in ${ctx.timeZone})`, describeHeartbeats(views, clock.now(), ctx.timeZone));
    },

    async 'oncall.page'(command, ctx) {
      const config = deps.oncall();
      const { person: asker } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      let people: { id: number; name: string }[];
      if (command.target.type === 'user') {
        people = [await deps.people.personFor(ctx.platform, command.target.user.platformId, command.target.user.name)];
      } else {
        const now = clock.now();
        const overrides = await overridesAt(now);
        const handles = schedulesFor(config, command.target.team).map((s) => onCallNow(s, overrides, now).personKey).filter((h): h is string => Boolean(h));
        const team = config.teams[command.target.team];
        const targets = handles.length ? handles : (team?.members ?? []);
        people = await deps.database.prisma.person.findMany({ where: { handle: { in: targets } }, select: { id: true, name: true } });
        if (people.length === 0) throw new AppError('not_found', `Nobody to page for "${command.target.team}"`);
      }
      await deps.database.transaction(async (tx) => {
        for (const person of people) {
          const { delivery } = await writePage(tx, { personId: person.id, message: `${asker.name}: ${command.message}` });
          await enqueueJobs(tx, [delivery]);
        }
      });
      deps.onCommitted?.();
      return {
        visibility: 'in_channel',
        message: { summary: `Paging ${people.map((p) => p.name).join(', ')}`, sections: [{ text: `Paging ${people.map((p) => p.name).join(', ')}: ${command.message}` }] },
      };
    },
  };
}

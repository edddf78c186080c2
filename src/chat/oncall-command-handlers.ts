import { PLATFORM_DISPLAY_NAME, chatIdOf, type ChatIdentities } from './chat-identity.js';
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
import { findOverride, listOverrides, outsiderWarning, removeOverride, type OverrideView } from '../oncall/override-store.js';
import { CALENDAR_DAYS, type FeedSubject } from '../calendar/calendar-feed.js';
import { loadBetween, loadLines } from '../oncall/oncall-load.js';
import { assertCanTake, coverChannel, coverFollowUpJob, coverMessage, findCoverRequest, takeCoverRequest } from '../oncall/cover-requests.js';
import type { Delivery } from '../delivery/delivery.js';
import type { ChatPlatformName } from './chat-port.js';
import { sql } from '../db/sql.js';
import { stretchAt } from '../oncall/shift-starts.js';
import { acceptSwap, declineSwap, findSwapRequest } from '../oncall/swap-requests.js';
import { calendarUrl, feedToken, resetFeed } from '../calendar/calendar-store.js';
import type { CommandContext, CommandHandlers, CommandReply } from './commands/command-dispatch.js';
import type { CommandOf } from './commands/parsed-command.js';
import { resolveWhen } from './commands/resolve-when.js';
import { mention } from './neutral-message.js';
import type { PeopleDirectory } from './people-directory.js';
import { systemClock, type Clock } from '../time/clock.js';
import { describeHeartbeats, readHeartbeats } from '../heartbeats/heartbeat-list.js';

type OncallHandlers = Pick<CommandHandlers, 'oncall.who' | 'oncall.schedule' | 'oncall.override' | 'oncall.overrides' | 'oncall.unoverride' | 'oncall.calendar' | 'oncall.load' | 'oncall.cover' | 'oncall.take' | 'oncall.swap' | 'oncall.answer' | 'oncall.page' | 'oncall.preview' | 'oncall.heartbeats'>;

/** At most this many overrides in one list: Slack and Discord both cap a message's buttons at 25. */
const LISTED_OVERRIDES = 20;

export interface OncallCommandDeps {
  database: Database;
  oncall: () => OncallConfig;
  people: PeopleDirectory;
  onCommitted?: () => void;
  clock?: Clock;
  /** The bot's public address, for the calendar links. */
  publicUrl?: () => string;
  /** Posts and updates cover requests, and tells people of them. */
  delivery?: Delivery;
  incidentsChannel?: string;
  /** COVER_TIMEOUT: a request nobody took is reminded then, and its team's lead told after twice as long. */
  coverTimeoutMs?: number;
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
  /** For a message to someone else: in their own time zone (oncall.yaml), not the asker's. */
  const zoneOf = (person: { handle: string | null } | null, ctx: CommandContext) => (person?.handle ? deps.oncall().people[person.handle]?.timeZone : undefined) ?? ctx.timeZone;
  const span = (from: Date, to: Date, timeZone: string) => `${DateTime.fromJSDate(from, { zone: timeZone }).toFormat('ccc d MMM HH:mm')} to ${DateTime.fromJSDate(to, { zone: timeZone }).toFormat('ccc d MMM HH:mm')} (${timeZone})`;

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
      if (to.at <= now) throw new AppError('bad_request', 'That override is over already: it would change nothing');
      const covering = await deps.people.personFor(ctx.platform, command.user.platformId, command.user.name);
      if (!covering.handle) throw new AppError('bad_request', `${covering.name} is not in oncall.yaml; add them under people first`);
      const warning = outsiderWarning(config, schedule.key, covering.handle);
      const { person: asker } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      await deps.database.prisma.oncallOverride.create({ data: { scheduleKey: schedule.key, personId: covering.id, startsAt: from.at, endsAt: to.at, createdById: asker.id } });
      return {
        visibility: 'in_channel',
        message: {
          summary: `${covering.name} covers ${schedule.name}`,
          sections: [{ text: `${mention(command.user.platformId)} is on call for **${schedule.name}** from ${when(from.at, ctx)} to ${when(to.at, ctx)} (${ctx.timeZone}), set by ${mention(ctx.actor.platformId)}.${warning ? ` Note: ${warning}.` : ''}` }],
          mentions: [command.user.platformId, ctx.actor.platformId],
        },
        // The instants the typed times resolved to, since "tomorrow 9:00" means nothing in a month.
        audit: { schedule: schedule.key, person: covering.handle, startsAt: from.at.toISOString(), endsAt: to.at.toISOString() },
      };
    },

    async 'oncall.overrides'(command, ctx) {
      const config = deps.oncall();
      const now = clock.now();
      const all = await listOverrides(deps.database.prisma, config, now, command.team);
      const shown = all.slice(0, LISTED_OVERRIDES);
      const line = (o: OverrideView) =>
        `${o.id === null ? 'oncall.yaml' : `#${o.id}`}  **${o.scheduleName}**: ${o.personName} from ${when(o.startsAt, ctx)} to ${when(o.endsAt, ctx)}${o.startsAt <= now ? ' (now)' : ''}${o.reason ? ` · ${o.reason}` : ''}${o.createdBy ? ` · set by ${o.createdBy}` : ''}`;
      const title = `Overrides${command.team ? ` of ${command.team}` : ''} now and coming (times in ${ctx.timeZone})`;
      const lines = shown.length ? shown.map(line) : ['None.'];
      if (all.length > shown.length) lines.push(`… and ${all.length - shown.length} more: \`incident-bot oncall overrides\` lists them all.`);
      if (shown.some((o) => o.id === null)) lines.push('_Planned leave from oncall.yaml is removed by editing the file._');
      return {
        visibility: 'ephemeral',
        message: {
          summary: title,
          title,
          sections: [{ text: lines.join('\n') }],
          buttons: shown.filter((o) => o.id !== null).map((o) => ({ action: 'override.remove', label: `Remove #${o.id}`, value: String(o.id), style: 'danger' as const })),
        },
      };
    },

    async 'oncall.unoverride'(command, ctx) {
      const config = deps.oncall();
      const now = clock.now();
      const found = await findOverride(deps.database.prisma, config, command.id, now);
      if (!found) throw new AppError('not_found', `There is no override #${command.id}`);
      const { person: asker } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      const handle = asker.handle ?? undefined;
      const isAdmin = handle !== undefined && (config.people[handle]?.roles ?? []).includes('admin');
      const onTeam = handle !== undefined && found.teams.some((team) => config.teams[team]?.members.includes(handle));
      const open = Object.keys(config.people).length === 0;
      if (!(open || isAdmin || onTeam || found.person === handle)) {
        throw new AppError('forbidden', `Only ${found.personName}, members of ${found.teams.map((t) => config.teams[t]?.name ?? t).join(' or ') || 'its team'} or an admin may remove override #${found.id}.`);
      }
      if (!(await removeOverride(deps.database.prisma, command.id, now))) throw new AppError('conflict', `Override #${command.id} has already ended`);
      return {
        visibility: 'in_channel',
        message: {
          summary: `Override #${found.id} removed`,
          sections: [{ text: `${mention(ctx.actor.platformId)} removed override #${found.id}: ${found.personName} on call for **${found.scheduleName}** from ${when(found.startsAt, ctx)} to ${when(found.endsAt, ctx)} (${ctx.timeZone}). ${found.startsAt <= now ? 'It ended now.' : 'It will not happen.'}` }],
          mentions: [ctx.actor.platformId],
        },
        audit: { override: found.id, schedule: found.schedule, person: found.person, startsAt: found.startsAt.toISOString(), endsAt: found.endsAt.toISOString() },
      };
    },

    async 'oncall.calendar'(command, ctx) {
      const config = deps.oncall();
      const { person: asker } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      const handle = asker.handle && config.people[asker.handle] ? asker.handle : undefined;
      if (!handle) throw new AppError('bad_request', `${asker.name} is not listed in oncall.yaml (under people:, with their chat id), so the bot has no shifts to put in a calendar.`);
      const base = deps.publicUrl?.() ?? 'http://localhost:3000';
      const myTeams = Object.values(config.teams).filter((team) => team.members.includes(handle));
      if (command.reset) {
        let subject: FeedSubject = { kind: 'person', handle };
        let what = 'your calendar';
        if (command.schedule !== undefined) {
          const schedule = config.schedules[command.schedule];
          if (!schedule) throw new AppError('not_found', `No schedule "${command.schedule}" in oncall.yaml`);
          const allowed = (config.people[handle]!.roles ?? []).includes('admin') || myTeams.some((team) => team.schedules.includes(schedule.key));
          if (!allowed) throw new AppError('forbidden', `Only members of the teams of ${schedule.name} or an admin may reset its calendar address.`);
          subject = { kind: 'schedule', key: schedule.key };
          what = `the calendar of ${schedule.name}`;
        }
        const token = await resetFeed(deps.database.prisma, subject, asker.id, clock.now());
        return {
          ...privately(`New address for ${what}`, [`The old address no longer works; subscribe again with:`, calendarUrl(base, token)]),
          audit: { reset: subject.kind === 'person' ? 'person' : subject.key },
        };
      }
      const mine = calendarUrl(base, await feedToken(deps.database.prisma, { kind: 'person', handle }, asker.id));
      const scheduleKeys = [...new Set(myTeams.flatMap((team) => team.schedules))].filter((key) => config.schedules[key]);
      const lines = [`**Your shifts:** ${mine}`];
      for (const key of scheduleKeys) lines.push(`**${config.schedules[key]!.name}:** ${calendarUrl(base, await feedToken(deps.database.prisma, { kind: 'schedule', key }, asker.id))}`);
      lines.push(`_Subscribe by URL in your calendar app (the next ${CALENDAR_DAYS} days of shifts, overrides included). These addresses are secret: anyone with one sees those shifts. \`/oncall calendar reset\` gives yours a new one._`);
      return privately('Your on-call calendars', lines);
    },

    async 'oncall.load'(command, ctx) {
      const config = deps.oncall();
      const weeks = command.weeks ?? 4;
      const to = clock.now();
      const from = new Date(to.getTime() - weeks * 7 * 86_400_000);
      let people: string[] | undefined;
      if (command.team !== undefined) {
        const team = config.teams[command.team] ?? Object.values(config.teams).find((t) => t.name.toLowerCase() === command.team!.toLowerCase());
        if (!team) throw new AppError('not_found', `No team "${command.team}" in oncall.yaml (known: ${Object.keys(config.teams).join(', ') || 'none'})`);
        people = team.members;
      }
      const loads = await loadBetween(deps.database.prisma, config, from, to, people);
      return privately(`On-call load, the last ${weeks} week(s)${command.team ? ` of ${command.team}` : ''}`, loadLines(loads));
    },

    async 'oncall.cover'(command, ctx) {
      const config = deps.oncall();
      const now = clock.now();
      const from = resolveWhen(command.from, ctx.timeZone, now);
      const to = resolveWhen(command.to, ctx.timeZone, now);
      if (!from.ok) throw new AppError('bad_request', `From: ${from.message}`);
      if (!to.ok) throw new AppError('bad_request', `To: ${to.message}`);
      if (to.at <= from.at) throw new AppError('bad_request', 'The stretch to cover must end after it starts');
      if (to.at <= now) throw new AppError('bad_request', 'That stretch is over already');
      const { person: asker } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      const handle = asker.handle && config.people[asker.handle] ? asker.handle : undefined;
      if (!handle) throw new AppError('bad_request', `${asker.name} is not listed in oncall.yaml (under people:, with their chat id), so the bot cannot tell which shifts are theirs.`);
      const overrides = await allOverridesBetween(deps.database.prisma, config, from.at, to.at);
      // Every schedule of the asker's teams that has them on call then: a dentist's appointment
      // is covered on each, each asked in its own team's channel.
      const seen = new Set<string>();
      const mine = Object.values(config.teams)
        .filter((team) => team.members.includes(handle))
        .flatMap((team) => team.schedules.map((key) => ({ team, schedule: config.schedules[key]! })))
        .filter(({ schedule }) => schedule && !seen.has(schedule.key) && seen.add(schedule.key) && shiftsBetween(schedule, overrides, from.at, to.at).some((shift) => shift.personKey === handle));
      if (mine.length === 0) throw new AppError('bad_request', `You are not on call in your teams' schedules between ${when(from.at, ctx)} and ${when(to.at, ctx)} (${ctx.timeZone}): there is nothing to cover.`);
      const port = deps.delivery?.ports.find((p) => p.platform === ctx.platform);
      const asked: string[] = [];
      const titles: string[] = [];
      const notAsked: string[] = [];
      for (const { team, schedule } of mine) {
        const channel = coverChannel(config, team.key, deps.incidentsChannel);
        const channelId = channel && port ? await port.resolveChannel(channel.name) : undefined;
        if (!channel) {
          notAsked.push(`${schedule.name} (${team.name}): the team has no channel to ask in; set teams.${team.key}.channel in oncall.yaml (or INCIDENTS_CHANNEL).`);
          continue;
        }
        if (!channelId) {
          notAsked.push(`${schedule.name} (${team.name}): the bot could not find ${channel.name} (${channel.setting}) in ${PLATFORM_DISPLAY_NAME[ctx.platform]}; invite it there, or name another channel.`);
          continue;
        }
        const timeout = deps.coverTimeoutMs ?? 2 * 3_600_000;
        const id = await deps.database.transaction(async (tx) => {
          const [row] = await tx.query<{ id: number }>(sql`
            INSERT INTO cover_requests (team_key, schedule_key, requester_id, starts_at, ends_at, reason, platform)
            VALUES (${team.key}, ${schedule.key}, ${asker.id}::int, ${from.at}::timestamptz, ${to.at}::timestamptz, ${command.reason ?? null}, ${ctx.platform})
            RETURNING id`);
          const created = Number(row!.id);
          await enqueueJobs(tx, [coverFollowUpJob(created, 'reminder', timeout), coverFollowUpJob(created, 'lead', 2 * timeout)]);
          return created;
        });
        deps.onCommitted?.();
        const request = (await findCoverRequest(deps.database, id))!;
        await deps.delivery!.upsert(`cover:${id}`, { kind: 'channel', via: ctx.platform, channelId }, coverMessage(config, request, { requester: { name: asker.name, chatId: ctx.actor.platformId } }, ctx.timeZone));
        titles.push(`Cover #${id} asked in ${channel.name}`);
        asked.push(`Cover #${id} asked in ${channel.name}: the first member of ${team.name} to take it is on call for ${schedule.name} from ${when(from.at, ctx)} to ${when(to.at, ctx)} (${ctx.timeZone}).`);
      }
      if (asked.length === 0) throw new AppError('bad_request', `Nowhere to ask for cover. ${notAsked.join(' ')}`);
      const lines = [...asked, ...(notAsked.length ? ['', 'Not asked, so you stay on call there:', ...notAsked] : []), '', 'You will be told when someone takes it.'];
      return privately(titles.length === 1 ? titles[0]! : `Cover asked for ${titles.length} schedules`, lines);
    },

    async 'oncall.take'(command, ctx) {
      const config = deps.oncall();
      const request = await findCoverRequest(deps.database, command.id);
      if (!request) throw new AppError('not_found', `There is no cover request #${command.id}`);
      const { person: taker } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      assertCanTake(config, request, taker.handle ?? undefined, taker.id);
      const result = await takeCoverRequest(deps.database, command.id, taker.id, clock.now());
      if (result === 'gone') throw new AppError('conflict', `Cover #${command.id} has been taken already, or is over`);
      const requester = await deps.database.prisma.person.findUnique({ where: { id: request.requesterId } });
      const platform = request.platform as ChatPlatformName;
      const chatId = (person: ChatIdentities | null) => (person ? (chatIdOf(person, platform) ?? undefined) : undefined);
      const takerRow = await deps.database.prisma.person.findUnique({ where: { id: taker.id } });
      const people = { requester: { name: requester?.name ?? 'someone', chatId: chatId(requester) }, taker: { name: taker.name, chatId: chatId(takerRow) } };
      const taken = { ...request, status: 'taken', takenById: taker.id };
      const channel = coverChannel(config, request.teamKey, deps.incidentsChannel);
      const port = deps.delivery?.ports.find((p) => p.platform === platform);
      const channelId = channel && port ? await port.resolveChannel(channel.name) : undefined;
      if (channelId) await deps.delivery!.upsert(`cover:${request.id}`, { kind: 'channel', via: platform, channelId }, coverMessage(config, taken, people, ctx.timeZone));
      const schedule = config.schedules[request.scheduleKey]?.name ?? request.scheduleKey;
      const stretch = `${schedule} from ${when(request.startsAt, ctx)} to ${when(request.endsAt, ctx)} (${ctx.timeZone})`;
      const theirStretch = `${schedule} from ${span(request.startsAt, request.endsAt, zoneOf(requester, ctx))}`;
      for (const [person, text] of [
        [people.requester, `${taker.name} took cover #${request.id}: they are on call for ${theirStretch} instead of you.`],
        [people.taker, `You took cover #${request.id}: you are on call for ${stretch} (override #${result.overrideId}; \`/oncall unoverride ${result.overrideId}\` undoes it).`],
      ] as const) {
        if (person.chatId && deps.delivery) await deps.delivery.deliverOnce(`cover:${request.id}:taken:${person.chatId}`, { kind: 'person', via: platform, userId: person.chatId }, { summary: text, sections: [{ text }] }).catch(() => {});
      }
      return {
        visibility: 'in_channel',
        message: { summary: `Cover #${request.id} taken by ${taker.name}`, sections: [{ text: `${mention(ctx.actor.platformId)} takes cover #${request.id}: on call for ${stretch}.` }], mentions: [ctx.actor.platformId] },
        audit: { cover: request.id, override: result.overrideId, schedule: request.scheduleKey, startsAt: request.startsAt.toISOString(), endsAt: request.endsAt.toISOString() },
      };
    },

    async 'oncall.swap'(command, ctx) {
      const config = deps.oncall();
      const now = clock.now();
      const mineAt = resolveWhen(command.mine, ctx.timeZone, now);
      const theirsAt = resolveWhen(command.theirs, ctx.timeZone, now);
      if (!mineAt.ok) throw new AppError('bad_request', `My shift: ${mineAt.message}`);
      if (!theirsAt.ok) throw new AppError('bad_request', `Their shift: ${theirsAt.message}`);
      const { person: asker } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      const other = await deps.people.personFor(ctx.platform, command.user.platformId, command.user.name);
      if (!asker.handle || !config.people[asker.handle]) throw new AppError('bad_request', `${asker.name} is not listed in oncall.yaml, so the bot cannot tell which shifts are theirs.`);
      if (!other.handle || !config.people[other.handle]) throw new AppError('bad_request', `${other.name} is not in oncall.yaml; add them under people first`);
      if (other.id === asker.id) throw new AppError('bad_request', 'A swap needs someone else');
      const span = [Math.min(mineAt.at.getTime(), theirsAt.at.getTime()) - 32 * 86_400_000, Math.max(mineAt.at.getTime(), theirsAt.at.getTime()) + 32 * 86_400_000];
      const overrides = await allOverridesBetween(deps.database.prisma, config, new Date(span[0]!), new Date(span[1]!));
      const found = Object.values(config.schedules)
        .map((schedule) => ({ schedule, mine: stretchAt(schedule, overrides, mineAt.at), theirs: stretchAt(schedule, overrides, theirsAt.at) }))
        .find(({ mine, theirs }) => mine?.personKey === asker.handle && theirs?.personKey === other.handle);
      if (!found) throw new AppError('bad_request', `No schedule has you on call at ${when(mineAt.at, ctx)} and ${other.name} at ${when(theirsAt.at, ctx)} (${ctx.timeZone}): name a time within each shift.`);
      if (found.mine!.end <= now || found.theirs!.end <= now) throw new AppError('bad_request', 'One of those shifts is over already');
      const [row] = await deps.database.sql.query<{ id: number }>(sql`
        INSERT INTO swap_requests (schedule_key, requester_id, other_id, mine_from, mine_to, theirs_from, theirs_to, platform)
        VALUES (${found.schedule.key}, ${asker.id}::int, ${other.id}::int, ${found.mine!.start}::timestamptz, ${found.mine!.end}::timestamptz, ${found.theirs!.start}::timestamptz, ${found.theirs!.end}::timestamptz, ${ctx.platform})
        RETURNING id`);
      const id = Number(row!.id);
      const otherZone = zoneOf(other, ctx);
      const inOthers = (date: Date) => DateTime.fromJSDate(date, { zone: otherZone }).toFormat('ccc d MMM HH:mm');
      const offer = `${asker.name} offers a swap on **${found.schedule.name}**: you take their shift ${inOthers(found.mine!.start)} → ${inOthers(found.mine!.end)}, they take yours ${inOthers(found.theirs!.start)} → ${inOthers(found.theirs!.end)} (${otherZone}).`;
      if (!deps.delivery) throw new AppError('unavailable', 'No chat platform to ask them on');
      await deps.delivery.deliverOnce(`swap:${id}:offer`, { kind: 'person', via: ctx.platform, userId: command.user.platformId }, {
        summary: `Swap #${id} offered by ${asker.name}`,
        title: `🔁 Swap #${id}`,
        sections: [{ text: offer }],
        buttons: [
          { action: 'swap.accept', label: 'Accept', value: String(id), style: 'primary' },
          { action: 'swap.decline', label: 'Decline', value: String(id) },
        ],
      });
      return privately(`Swap #${id} offered to ${other.name}`, [`They are asked in a direct message; nothing changes until they accept.`]);
    },

    async 'oncall.answer'(command, ctx) {
      const swap = await findSwapRequest(deps.database, command.id);
      if (!swap) throw new AppError('not_found', `There is no swap request #${command.id}`);
      const { person: answerer } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      if (answerer.id !== swap.otherId) throw new AppError('forbidden', `Swap #${swap.id} was offered to someone else; only they may answer it.`);
      if (swap.status !== 'pending') throw new AppError('conflict', `Swap #${swap.id} was ${swap.status} already`);
      const now = clock.now();
      const requester = await deps.database.prisma.person.findUnique({ where: { id: swap.requesterId } });
      const requesterChat = requester ? (chatIdOf(requester, ctx.platform) ?? undefined) : undefined;
      const tell = async (text: string) => {
        if (requesterChat && deps.delivery) await deps.delivery.deliverOnce(`swap:${swap.id}:answer`, { kind: 'person', via: ctx.platform, userId: requesterChat }, { summary: text, sections: [{ text }] }).catch(() => {});
      };
      if (!command.accept) {
        if (!(await declineSwap(deps.database, swap.id, now))) throw new AppError('conflict', `Swap #${swap.id} was answered already`);
        await tell(`${answerer.name} declined swap #${swap.id}; nothing changed.`);
        return { visibility: 'ephemeral', message: { summary: `Swap #${swap.id} declined`, sections: [{ text: `You declined swap #${swap.id}; ${requester?.name ?? 'they'} will be told.` }] }, audit: { swap: swap.id, answer: 'decline' } };
      }
      const written = await acceptSwap(deps.database, swap.id, now);
      if (written === 'gone') throw new AppError('conflict', `Swap #${swap.id} was answered already, or a shift is over`);
      const schedule = deps.oncall().schedules[swap.scheduleKey]?.name ?? swap.scheduleKey;
      const zone = zoneOf(requester, ctx);
      const inTheirs = (date: Date) => DateTime.fromJSDate(date, { zone }).toFormat('ccc d MMM HH:mm');
      await tell(`${answerer.name} accepted swap #${swap.id} on ${schedule}: they take ${inTheirs(swap.mineFrom)} → ${inTheirs(swap.mineTo)}, you take ${inTheirs(swap.theirsFrom)} → ${inTheirs(swap.theirsTo)} (${zone}).`);
      return {
        visibility: 'ephemeral',
        message: { summary: `Swap #${swap.id} accepted`, sections: [{ text: `Done: you are on call for ${schedule} ${when(swap.mineFrom, ctx)} → ${when(swap.mineTo, ctx)}, and ${requester?.name ?? 'they'} ${when(swap.theirsFrom, ctx)} → ${when(swap.theirsTo, ctx)} (${ctx.timeZone}). Overrides #${written[0]} and #${written[1]}.` }] },
        audit: { swap: swap.id, answer: 'accept', overrides: written },
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

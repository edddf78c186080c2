import { DateTime } from 'luxon';
import type { Database, PrismaClient } from '../db/database.js';
import { buildWeeklyReport } from '../reports/weekly-report.js';
import { renderReportMessage } from '../reports/weekly-report-render.js';
import { AppError } from '../errors.js';
import { getTimeline, listIncidents } from '../incidents/incident-queries.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import type { Actor } from '../incidents/actor.js';
import type { IncidentService } from '../incidents/incident-service.js';
import { oneLine } from '../incidents/one-line.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { teamNamed } from '../oncall/team-named.js';
import { generatePostmortem } from '../reports/postmortem.js';
import type { ChatPlatformName } from './chat-port.js';
import { incidentChannelsOn } from './incident-channels.js';
import type { CommandContext, CommandHandlers, CommandReply, IncidentCommandContext } from './commands/command-dispatch.js';
import { helpMessage } from './commands/command-usage.js';
import type { CommandOf } from './commands/parsed-command.js';
import { mention, type NeutralMessage } from './neutral-message.js';
import type { PeopleDirectory } from './people-directory.js';
import { systemClock, type Clock } from '../time/clock.js';

const TIMELINE_PAGE = 15;

/** What a role asks of the person who takes it, told to them privately when assigned. */
export const ROLE_BRIEFS: Record<string, string> = {
  commander:
    'You are the **incident commander**: you coordinate, you do not fix. Keep a list of who does what, decide on severity and escalation, ' +
    'ask for status every 15-30 minutes, and call the incident mitigated and resolved. Hand over explicitly if you step away.',
  comms:
    'You are **communications lead**: post regular status updates (`/incident status ...`) for stakeholders and customers, ' +
    'so responders are not interrupted. Agree the wording of anything public with the commander.',
  scribe:
    'You are the **scribe**: record decisions, findings and actions as they happen (`/incident note ...`; start notes with ' +
    '`rootcause:`, `impact:` or `action:` for the postmortem).',
};

function reply(visibility: CommandReply['visibility'], text: string, extra: Partial<NeutralMessage> = {}): CommandReply {
  return { visibility, message: { summary: text.replace(/[*_`]/g, ''), sections: [{ text }], ...extra } };
}

function notYet(feature: string): never {
  throw new AppError('unavailable', `${feature} is not configured yet in this version of the bot.`);
}

export interface IncidentCommandDeps {
  prisma: PrismaClient;
  database: Database;
  reportTimeZone?: string;
  /** CHANGE_EVENT_WINDOW, for the postmortem's "What changed". */
  changeWindowMs?: number;
  clock?: Clock;
  incidents: IncidentService;
  people: PeopleDirectory;
  /** oncall.yaml as loaded now: the teams `declare --team` may name, and their escalation policies. */
  oncall: () => OncallConfig;
  /** The playbook runner, when playbooks are loaded. */
  playbooks?: {
    card(incidentId: number): Promise<NeutralMessage | undefined>;
    act(incidentId: number, action: { kind: 'done' | 'skip' | 'back' } | { kind: 'choose'; choiceId: string }, actor: Actor, expectedStepId?: string): Promise<{ text: string }>;
  };
  /** Uploads a file to a channel on the asker's platform. */
  uploadFile?(platform: ChatPlatformName, channelId: string, file: { filename: string; title: string; content: Buffer; comment?: string }): Promise<void>;
  /** Problems of playbook files that were skipped, as "file:line:col path: message". */
  brokenPlaybooks?: () => string[];
  /** Tells a person something privately (a DM), best effort. */
  tellPrivately?(platform: ChatPlatformName, userId: string, message: NeutralMessage): Promise<void>;
}

/**
 * The commands of both platforms, implemented once over the core. Each resolves the asker to a
 * person first, so the timeline names people; state changes are answered in the channel,
 * everything else privately.
 */
export type IncidentHandlers = Omit<CommandHandlers, `oncall.${string}` | 'incident.maintenance' | 'incident.web'>;

export function incidentCommandHandlers(deps: IncidentCommandDeps): IncidentHandlers {
  const actorOf = (ctx: CommandContext) => deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
  const who = (ctx: CommandContext) => mention(ctx.actor.platformId);
  // Replies name the asker (and whoever they named) live; the rest, typed titles and summaries, stays text.
  const naming = (ctx: CommandContext, ...others: string[]) => ({ mentions: [ctx.actor.platformId, ...others] });

  const change = async (ctx: IncidentCommandContext, text: string, work: (actor: Awaited<ReturnType<typeof actorOf>>['actor']) => Promise<void>) => {
    const { actor } = await actorOf(ctx);
    await work(actor);
    return reply('in_channel', text, naming(ctx));
  };

  return {
    async 'incident.declare'(command: CommandOf<'incident.declare'>, ctx) {
      const config = deps.oncall();
      const team = command.team === undefined ? undefined : teamNamed(config, command.team);
      const policy = team?.escalationPolicy ? config.escalationPolicies[team.escalationPolicy] : undefined;
      const { actor } = await actorOf(ctx);
      const { id } = await deps.incidents.declare(
        { title: command.title, severity: command.severity, private: command.private, team: team?.key, escalationPolicy: policy ? structuredClone(policy) : null },
        actor,
      );
      const privacy = command.private ? ' (private: a private channel with only the people invited)' : '';
      const paging = !team
        ? ' Nobody is paged: add `--team <key>` to page a team.'
        : policy
          ? ` Paging ${team.name} (escalation policy ${policy.name}).`
          : ` ${team.name} has no escalation policy in oncall.yaml: nobody is paged.`;
      return reply(
        'in_channel',
        `${who(ctx)} declared **${incidentLabel(id)}** ${severityLabel(command.severity ?? 3)}: ${oneLine(command.title)}${privacy}. Its channel is being opened, with you in it.${paging}`,
        naming(ctx),
      );
    },
    async 'incident.ack'(command, ctx) {
      const pageId = command.pageId !== undefined && /^\d+$/.test(command.pageId) ? Number(command.pageId) : undefined;
      return change(ctx, `${who(ctx)} acknowledged ${incidentLabel(ctx.incidentNumber)}. Escalation stops here.`, (actor) =>
        deps.incidents.acknowledge(ctx.incidentNumber, actor, pageId),
      );
    },
    async 'incident.mitigate'(_command, ctx) {
      return change(ctx, `${who(ctx)} marked ${incidentLabel(ctx.incidentNumber)} mitigated: the impact has stopped.`, (actor) =>
        deps.incidents.mitigate(ctx.incidentNumber, actor),
      );
    },
    async 'incident.resolve'(command, ctx) {
      const summary = command.summary ? `: ${command.summary}` : '';
      return change(ctx, `${who(ctx)} resolved ${incidentLabel(ctx.incidentNumber)}${summary}`, (actor) =>
        deps.incidents.resolve(ctx.incidentNumber, actor, command.summary),
      );
    },
    async 'incident.reopen'(command, ctx) {
      const reason = command.reason ? `: ${command.reason}` : '';
      return change(ctx, `${who(ctx)} re-opened ${incidentLabel(ctx.incidentNumber)}${reason}. Escalation starts again from its first level.`, (actor) =>
        deps.incidents.reopen(ctx.incidentNumber, actor, command.reason),
      );
    },
    async 'incident.sev'(command, ctx) {
      return change(ctx, `${who(ctx)} set ${incidentLabel(ctx.incidentNumber)} to ${severityLabel(command.severity)}.`, (actor) =>
        deps.incidents.setSeverity(ctx.incidentNumber, command.severity, actor),
      );
    },
    async 'incident.status'(command, ctx) {
      return change(ctx, `**Status update** on ${incidentLabel(ctx.incidentNumber)} from ${who(ctx)}: ${command.update}`, (actor) =>
        deps.incidents.postStatusUpdate(ctx.incidentNumber, command.update, actor),
      );
    },
    async 'incident.note'(command, ctx) {
      const { actor } = await actorOf(ctx);
      const { tag } = await deps.incidents.addNote(ctx.incidentNumber, command.text, actor, command.tag);
      return reply('ephemeral', `Noted on the timeline of ${incidentLabel(ctx.incidentNumber)}${tag ? ` (tagged ${tag} for the postmortem)` : ''}.`);
    },
    async 'incident.noise'(command, ctx) {
      const { actor } = await actorOf(ctx);
      if (actor.kind !== 'person') throw new AppError('bad_request', 'Only a person can say an incident was noise');
      const { again } = await deps.incidents.markNoisy(ctx.incidentNumber, actor, command.reason);
      return reply('ephemeral', `${again ? 'Updated: ' : ''}${incidentLabel(ctx.incidentNumber)} counted as noise${command.reason ? ` (${command.reason.trim()})` : ''}. The weekly report ranks its alerts and names the route to tune.`);
    },
    async 'incident.role'(command, ctx) {
      const { actor } = await actorOf(ctx);
      const person = await deps.people.personFor(ctx.platform, command.user.platformId, command.user.name);
      await deps.incidents.assignRole(ctx.incidentNumber, command.role, { id: person.id, name: person.name }, actor);
      await deps.tellPrivately?.(ctx.platform, command.user.platformId, {
        summary: `You are ${command.role} of ${incidentLabel(ctx.incidentNumber)}`,
        title: `You are ${command.role} of ${incidentLabel(ctx.incidentNumber)}`,
        color: 'blue',
        sections: [{ text: ROLE_BRIEFS[command.role] ?? '' }],
      });
      const text = `${who(ctx)} made ${mention(command.user.platformId)} **${command.role}** of ${incidentLabel(ctx.incidentNumber)}.`;
      // Named from elsewhere: the asker learns it worked; the incident's card shows the role, and its channel gains the person.
      if (command.incidentNumber !== undefined || command.incidentChannel !== undefined) return reply('ephemeral', `${text} They are invited to its channel.`, naming(ctx, command.user.platformId));
      return reply('in_channel', text, naming(ctx, command.user.platformId));
    },
    async 'incident.timeline'(command, ctx) {
      const events = await getTimeline(deps.prisma, ctx.incidentNumber, { limit: 10_000 });
      const pages = Math.max(1, Math.ceil(events.length / TIMELINE_PAGE));
      const page = Math.min(Math.max(1, command.page), pages);
      // Newest last, and the last page first: what a responder joining late wants to read.
      const end = events.length - (page - 1) * TIMELINE_PAGE;
      const slice = events.slice(Math.max(0, end - TIMELINE_PAGE), end);
      const lines = slice.map((event) => {
        const at = DateTime.fromISO(event.at, { zone: ctx.timeZone }).toFormat('MMM d HH:mm');
        return `\`${at}\` **${event.actor.name}** ${event.text}`;
      });
      return reply('ephemeral', lines.join('\n') || 'Nothing on the timeline yet.', {
        title: `Timeline of ${incidentLabel(ctx.incidentNumber)} (page ${page} of ${pages}, times in ${ctx.timeZone})`,
        footer: page < pages ? `Older entries: /incident timeline ${page + 1}` : undefined,
      });
    },
    async 'incident.list'() {
      const open = await listIncidents(deps.prisma, 'open', 20);
      if (open.length === 0) return reply('ephemeral', 'No open incidents. 🎉');
      const lines = open.map((incident) => `**${incident.id}** ${incident.severity} · ${incident.status} · ${incident.private ? '_(private)_' : oneLine(incident.title)}`);
      return reply('ephemeral', lines.join('\n'), { title: `${open.length} open incident(s)` });
    },
    async 'incident.help'() {
      const help = helpMessage();
      const broken = deps.brokenPlaybooks?.() ?? [];
      if (broken.length === 0) return { visibility: 'ephemeral', message: help };
      // People find out here that a playbook they wrote is not in use, and why.
      const lines = broken.slice(0, 10).map((problem) => `- \`${problem}\``);
      return { visibility: 'ephemeral', message: { ...help, sections: [...help.sections, { text: `⚠️ **Playbooks skipped because of problems:**\n${lines.join('\n')}` }] } };
    },
    async 'incident.step'(command, ctx) {
      if (!deps.playbooks) return notYet('Playbook steps');
      if (command.action === 'show' || command.action === 'next') {
        const card = await deps.playbooks.card(ctx.incidentNumber);
        if (!card) throw new AppError('not_found', `${incidentLabel(ctx.incidentNumber)} has no playbook`);
        return { visibility: 'ephemeral', message: card };
      }
      const { actor } = await actorOf(ctx);
      const action =
        command.action === 'choose' ? { kind: 'choose' as const, choiceId: command.choiceId! } : ({ kind: command.action } as { kind: 'done' | 'skip' | 'back' });
      const { text } = await deps.playbooks.act(ctx.incidentNumber, action, actor, command.stepId);
      return reply('in_channel', `${who(ctx)}: ${text}`, naming(ctx));
    },
    async 'incident.postmortem'(_command, ctx) {
      const markdown = await generatePostmortem(deps.prisma, ctx.incidentNumber, (deps.clock ?? systemClock).now(), deps.changeWindowMs);
      if (!markdown) throw new AppError('not_found', `There is no incident ${incidentLabel(ctx.incidentNumber)}`);
      await deps.uploadFile?.(ctx.platform, ctx.channelId, {
        filename: `${incidentLabel(ctx.incidentNumber)}-postmortem.md`,
        title: `Postmortem draft: ${incidentLabel(ctx.incidentNumber)}`,
        content: Buffer.from(markdown, 'utf8'),
        comment: `Postmortem draft for ${incidentLabel(ctx.incidentNumber)}, written from the timeline. Fill in the placeholders.`,
      });
      return reply('in_channel', `${who(ctx)} generated the postmortem draft of ${incidentLabel(ctx.incidentNumber)} (uploaded here as a file).`, naming(ctx));
    },
    async 'incident.report'(command, ctx) {
      const report = await buildWeeklyReport(deps.database.sql, { weeks: command.weeks ?? 4, team: command.team, timeZone: deps.reportTimeZone ?? 'UTC', now: (deps.clock ?? systemClock).now() });
      const channels = await incidentChannelsOn(deps.prisma, ctx.platform, report.longest.map((incident) => incident.number));
      return { visibility: 'ephemeral', message: renderReportMessage(report, { channels }) };
    },
  };
}

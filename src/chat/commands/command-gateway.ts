import type { TokenBuckets } from '../../abuse/token-buckets.js';
import { decideAccess, needsIncidentFacts, type Requester } from '../../access/permissions.js';
import type { AuditLog } from '../../access/audit-log.js';
import { incidentAccessFacts } from '../../access/incident-access-facts.js';
import type { PrismaClient } from '../../db/database.js';
import type { Person } from '../../db/generated/client.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logging.js';
import type { OncallConfig } from '../../oncall/oncall-config.js';
import type { PeopleDirectory } from '../people-directory.js';
import { dispatchCommand, errorReply, type CommandContext, type CommandHandlers, type CommandOutcome, type CommandReply } from './command-dispatch.js';
import { CommandUsageError } from './command-usage-error.js';
import type { CommandParseResult } from './parse-command-text.js';
import type { ParsedCommand } from './parsed-command.js';
import { systemClock, type Clock } from '../../time/clock.js';

/** A command as a chat adapter received it: who, in which channel, typed or clicked. */
export type ReceivedCommand = Omit<CommandContext, 'timeZone' | 'incidentNumber'>;

export interface CommandGatewayDeps {
  handlers: CommandHandlers;
  prisma: PrismaClient;
  people: PeopleDirectory;
  oncall: () => OncallConfig;
  audit: AuditLog;
  log: Logger;
  /** Commands per person; unset means unlimited. */
  limiter?: TokenBuckets;
  clock?: Clock;
}

/**
 * The one way in for chat input, on every platform: throttles each person, checks the asker's
 * role for the command, runs it, and writes the audit row of what happened, refusals included.
 */
export class CommandGateway {
  constructor(private readonly deps: CommandGatewayDeps) {}

  /**
   * Runs what a chat adapter received. The adapter says only who typed or clicked what, where:
   * the incident of the channel and the asker's time zone are found here, once for every platform.
   */
  async run(parsed: CommandParseResult, received: ReceivedCommand): Promise<CommandReply> {
    const { platform, actor } = received;
    const input: Omit<CommandContext, 'timeZone'> = { ...received, incidentNumber: await this.incidentOfChannel(platform, received.channelId) };
    const incidentNumber = incidentNumberOf(parsed, input);
    let outcome: CommandOutcome = { result: 'error' };
    let reply: CommandReply;
    let person: Person | undefined;
    // Throttled first: a flood costs one database read per command, never a platform call.
    const taken = this.deps.limiter?.take(`${platform}:${actor.platformId}`, (this.deps.clock ?? systemClock).now().getTime());
    if (taken && !taken.ok) {
      person = await this.deps.people.knownPerson(platform, actor.platformId).catch(() => undefined);
      const seconds = Math.ceil(taken.retryAfterMs / 1000);
      outcome = { result: 'rate_limited', detail: `retry after ${seconds}s` };
      reply = errorReply(`You are sending commands faster than the bot takes them from one person. Try again in ${seconds}s.`);
    } else {
      person = await this.deps.people.personFor(platform, actor.platformId, actor.name).catch((error: unknown) => {
        this.deps.log.warn({ err: error, platform }, 'could not look up the person behind a command');
        return undefined;
      });
      const context: CommandContext = { ...input, timeZone: person?.timeZone ?? 'UTC' };
      const requester: Requester | undefined = person ? { personId: person.id, name: person.name, handle: person.handle ?? undefined } : undefined;
      reply = await dispatchCommand(await withNamedIncident(this.deps.prisma, parsed, platform), context, this.guarded(requester), {
        onUnexpectedError: (error, command) => this.deps.log.error({ err: error, command: command.kind, platform }, 'chat command failed'),
        onOutcome: (reported) => (outcome = reported),
      });
    }
    await this.deps.audit.record({
      actorId: person?.id ?? null,
      actorName: person?.name ?? actor.name ?? actor.platformId,
      platform,
      action: parsed instanceof CommandUsageError ? 'usage_error' : parsed.kind,
      args: { ...argumentsOf(parsed), ...(incidentNumber !== undefined ? { incident: incidentNumber } : {}), via: input.input ?? 'typed', ...(reply.audit ?? {}) },
      result: outcome.result,
      detail: outcome.detail,
    });
    return reply;
  }

  private async incidentOfChannel(platform: CommandContext['platform'], channelId: string): Promise<number | undefined> {
    if (!channelId) return undefined;
    const channel = await this.deps.prisma.chatChannel.findUnique({ where: { platform_channelId: { platform, channelId } }, select: { incidentId: true } });
    return channel?.incidentId;
  }

  /** The handlers, each behind the access check for its command. */
  private guarded(requester: Requester | undefined): CommandHandlers {
    const guarded: Record<string, unknown> = {};
    for (const [kind, handler] of Object.entries(this.deps.handlers) as [string, (command: ParsedCommand, ctx: CommandContext) => Promise<CommandReply>][]) {
      guarded[kind] = async (command: ParsedCommand, ctx: CommandContext) => {
        if (!requester) throw new AppError('unavailable', 'The bot could not look you up just now; try again in a moment.');
        const incident = ctx.incidentNumber !== undefined && needsIncidentFacts(command.kind) ? await incidentAccessFacts(this.deps.prisma, ctx.incidentNumber, requester.personId) : undefined;
        const decision = decideAccess(command, requester, this.deps.oncall(), incident);
        if (!decision.allowed) throw new AppError('forbidden', decision.reason);
        return handler.call(this.deps.handlers, command, ctx);
      };
    }
    return guarded as unknown as CommandHandlers;
  }
}

/** A command that named its incident by a channel mention acts on the incident of that channel (on the asker's platform). */
async function withNamedIncident(prisma: PrismaClient, parsed: CommandParseResult, platform: CommandContext['platform']): Promise<CommandParseResult> {
  if (parsed instanceof CommandUsageError || !('incidentChannel' in parsed) || parsed.incidentChannel === undefined || parsed.incidentNumber !== undefined) return parsed;
  const channel = await prisma.chatChannel.findUnique({ where: { platform_channelId: { platform, channelId: parsed.incidentChannel } }, select: { incidentId: true } });
  return channel ? { ...parsed, incidentNumber: channel.incidentId } : parsed;
}

function incidentNumberOf(parsed: CommandParseResult, context: Omit<CommandContext, 'timeZone'>): number | undefined {
  if (parsed instanceof CommandUsageError) return context.incidentNumber;
  return ('incidentNumber' in parsed ? parsed.incidentNumber : undefined) ?? context.incidentNumber;
}

function argumentsOf(parsed: CommandParseResult): Record<string, unknown> {
  if (parsed instanceof CommandUsageError) return { error: parsed.message, usage: parsed.usage };
  const { kind: _kind, ...args } = parsed as ParsedCommand & Record<string, unknown>;
  return args;
}

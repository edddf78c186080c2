import type { ChatPlatformName } from '../chat-port.js';
import type { NeutralMessage } from '../neutral-message.js';
import { isAppError, type AppError } from '../../errors.js';
import { specFor } from './command-spec.js';
import { CommandUsageError } from './command-usage-error.js';
import { usageLine } from './command-usage.js';
import type { CommandParseResult } from './parse-command-text.js';
import type { CommandKind, CommandOf, ParsedCommand } from './parsed-command.js';

export interface CommandContext {
  platform: ChatPlatformName;
  actor: { platformId: string; name?: string };
  channelId: string;
  /** The incident whose channel the command was typed in, resolved by the caller. */
  incidentNumber?: number;
  /** IANA zone of the asker, for times they type and times we show them. */
  timeZone: string;
  /** Typed as a command, or clicked on a card (for the audit trail). */
  input?: 'typed' | 'button';
}

/** What handlers of incident commands get: the incident is known. */
export interface IncidentCommandContext extends CommandContext {
  incidentNumber: number;
}

export interface CommandReply {
  visibility: 'ephemeral' | 'in_channel';
  message: NeutralMessage;
  /** What the handler resolved (e.g. an override's exact times), kept in the audit trail beside the typed arguments. */
  audit?: Record<string, unknown>;
}

/** How a command ended, for the audit trail: done, refused, throttled, malformed, failed for a reason the asker can act on, or broken. */
export type CommandOutcome = { result: 'ok' | 'refused' | 'rate_limited' | 'invalid' | 'failed' | 'error'; detail?: string };

/** Kinds whose spec says `needsIncident`; a unit test holds this list to the spec table. */
export type IncidentCommandKind =
  | 'incident.ack'
  | 'incident.mitigate'
  | 'incident.resolve'
  | 'incident.reopen'
  | 'incident.sev'
  | 'incident.status'
  | 'incident.role'
  | 'incident.note'
  | 'incident.timeline'
  | 'incident.step'
  | 'incident.postmortem'
  | 'incident.noise';

type ContextFor<K extends CommandKind> = K extends IncidentCommandKind ? IncidentCommandContext : CommandContext;

type HandlerTable = {
  [K in CommandKind]: (command: CommandOf<K>, context: ContextFor<K>) => Promise<CommandReply>;
};

/**
 * One method per command kind, keyed by the kind ("incident.ack"), implemented once over the
 * core and shared by Slack and Discord. Handlers throw AppError or CommandUsageError for the
 * asker's mistakes; dispatchCommand turns those into replies.
 */
export interface CommandHandlers extends HandlerTable {}

export interface DispatchOptions {
  /** Told of errors that are not the asker's fault (logged by the caller); the asker gets a plain apology. */
  onUnexpectedError?(error: unknown, command: ParsedCommand, context: CommandContext): void;
  onOutcome?(outcome: CommandOutcome): void;
}

function outcomeOf(error: AppError): CommandOutcome['result'] {
  switch (error.code) {
    case 'forbidden':
      return 'refused';
    case 'rate_limited':
      return 'rate_limited';
    case 'bad_request':
    case 'validation_failed':
      return 'invalid';
    case 'internal':
      return 'error';
    default:
      return 'failed';
  }
}

export function errorReply(text: string, usage?: string): CommandReply {
  return {
    visibility: 'ephemeral',
    message: {
      summary: text,
      color: 'orange',
      sections: [{ text: usage ? `${text}\nUsage: \`${usage}\`` : text }],
    },
  };
}

function appErrorText(error: AppError, commandLine: string): string {
  if (error.code === 'internal') return `Something went wrong running \`${commandLine}\`. It has been logged.`;
  const problems = (error.details.problems ?? []).map((problem) => `- ${problem.path}: ${problem.message}`);
  const retry = error.code === 'rate_limited' && error.details.retryAfterSeconds ? ` Try again in ${error.details.retryAfterSeconds}s.` : '';
  return [`${error.message}${retry}`, ...problems].join('\n');
}

/**
 * Runs a parsed command (typed or clicked) through its handler. Refuses incident commands
 * outside an incident, and answers every failure with an ephemeral reply: usage errors and
 * AppErrors with their message and the usage line, anything else with an apology, never a stack.
 */
export async function dispatchCommand(
  parsed: CommandParseResult,
  context: CommandContext,
  handlers: CommandHandlers,
  options: DispatchOptions = {},
): Promise<CommandReply> {
  const report = options.onOutcome ?? (() => {});
  if (parsed instanceof CommandUsageError) {
    report({ result: 'invalid', detail: parsed.message });
    return errorReply(parsed.message, parsed.usage);
  }
  const spec = specFor(parsed.kind);
  const usage = usageLine(spec);
  let effective: CommandContext = context;
  if (spec.needsIncident) {
    if ('incidentChannel' in parsed && parsed.incidentChannel !== undefined && parsed.incidentNumber === undefined) {
      // Named by a channel that nobody turned into an incident number: never fall back to this channel's incident.
      report({ result: 'invalid', detail: 'incident channel not resolved' });
      return errorReply('The channel you named is not an incident channel the bot knows; name the incident as INC-<number>.', usage);
    }
    const incidentNumber = ('incidentNumber' in parsed ? parsed.incidentNumber : undefined) ?? context.incidentNumber;
    if (incidentNumber === undefined) {
      report({ result: 'invalid', detail: 'not in an incident channel' });
      const naming = spec.options.some((option) => option.kind === 'incident') ? ', or name the incident (INC-12)' : '';
      return errorReply(`Run this in an incident channel (inc-…)${naming}: \`/${spec.command} ${spec.name}\` acts on one incident.`, usage);
    }
    effective = { ...context, incidentNumber };
  }
  const handler = handlers[parsed.kind] as (command: ParsedCommand, context: CommandContext) => Promise<CommandReply>;
  try {
    const reply = await handler.call(handlers, parsed, effective);
    report({ result: 'ok' });
    return reply;
  } catch (error) {
    if (error instanceof CommandUsageError) {
      report({ result: 'invalid', detail: error.message });
      return errorReply(error.message, error.usage || usage);
    }
    if (isAppError(error)) {
      if (error.code === 'internal') options.onUnexpectedError?.(error, parsed, effective);
      report({ result: outcomeOf(error), detail: error.message });
      // A refusal says why; the usage line would only suggest trying again.
      const showUsage = error.code !== 'internal' && error.code !== 'forbidden' && error.code !== 'rate_limited';
      return errorReply(appErrorText(error, `/${spec.command} ${spec.name}`), showUsage ? usage : undefined);
    }
    options.onUnexpectedError?.(error, parsed, effective);
    report({ result: 'error', detail: (error as Error)?.message ?? String(error) });
    return errorReply(`Something went wrong running \`/${spec.command} ${spec.name}\`. It has been logged.`);
  }
}

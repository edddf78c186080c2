import { GiveUpError, RetryLaterError, type ClaimedJob, type JobHandler } from '../engine/job.js';
import type { PrismaClient } from '../db/database.js';
import type { IncidentEffects } from '../incidents/incident-effects.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import type { Logger } from '../logging.js';
import { ChatApiError, type ChatPort } from './chat-port.js';
import type { IncidentSync } from './incident-sync.js';

export const COMMANDER_REMINDER_JOB = 'incident.commander-reminder';
export const COMMANDER_REMINDER_DELAY_MS = 10 * 60_000;

/** Chat's part in a new incident: remind the channel if nobody takes command within 10 minutes. */
export const commanderReminderEffects: IncidentEffects = {
  opened: async (_tx, incident) => [
    { kind: COMMANDER_REMINDER_JOB, subject: `incident:${incident.id}`, delayMs: COMMANDER_REMINDER_DELAY_MS, coalesceKey: `${COMMANDER_REMINDER_JOB}:${incident.id}` },
  ],
  escalationChanged: async () => [],
};

export function incidentIdOf(job: ClaimedJob): number {
  const match = /^incident:(\d+)$/.exec(job.subject ?? '');
  if (!match) throw new GiveUpError(`job ${job.kind} has no incident subject (${job.subject})`);
  return Number(match[1]);
}

/**
 * Turns a platform failure into what the engine should do: wait out a rate limit, retry a
 * server error with back-off, give up (and keep the record) when the platform refused.
 */
export function asJobError(error: unknown, log: Logger): unknown {
  if (!(error instanceof ChatApiError)) return error;
  const fields = { platform: error.platform, method: error.method, code: error.platformCode };
  if (error.options.retryAfterMs !== undefined) {
    log.warn({ ...fields, retryAfterMs: error.options.retryAfterMs }, 'chat platform rate limit; waiting as told');
    return new RetryLaterError(error.message, error.options.retryAfterMs);
  }
  if (error.retryable) return error;
  log.error(fields, 'chat platform refused a call');
  return new GiveUpError(error.message, { cause: error });
}

export function chatJobHandlers(deps: { sync: IncidentSync; ports: ChatPort[]; prisma: PrismaClient; log: Logger }): Map<string, JobHandler> {
  const wrap = (handler: JobHandler): JobHandler => async (job) => {
    try {
      await handler(job);
    } catch (error) {
      throw asJobError(error, deps.log);
    }
  };
  return new Map<string, JobHandler>([
    ['incident.sync', wrap(async (job) => deps.sync.sync(incidentIdOf(job)))],
    [
      COMMANDER_REMINDER_JOB,
      wrap(async (job) => {
        const id = incidentIdOf(job);
        const incident = await deps.prisma.incident.findUnique({ where: { id }, include: { roles: true, channels: true } });
        if (!incident || incident.status === 'resolved' || incident.roles.some((role) => role.role === 'commander')) return;
        for (const port of deps.ports) {
          const channel = incident.channels.find((c) => c.platform === port.platform);
          if (!channel) continue;
          await port.postMessage(channel.channelId, {
            summary: `${incidentLabel(id)} has no incident commander`,
            color: 'orange',
            sections: [{ text: `**${incidentLabel(id)} still has no incident commander.** Someone take it: \`/incident role commander @you\`` }],
          });
        }
      }),
    ],
  ]);
}

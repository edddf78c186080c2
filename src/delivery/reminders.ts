import type { PrismaClient } from '../db/database.js';
import { COMMANDER_REMINDER_JOB } from '../engine/job-kinds.js';
import type { ClaimedJob, JobHandler } from '../engine/job.js';
import type { IncidentEffects } from '../incidents/incident-effects.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import type { StepReminder } from '../playbooks/playbook-runner.js';
import type { Delivery } from './delivery.js';
import { forEachPlatform } from './failures.js';
import { incidentIdOf } from './incident-subject.js';

export const COMMANDER_REMINDER_DELAY_MS = 10 * 60_000;

/** Remind the channel if nobody takes command of a new incident within 10 minutes. */
export const commanderReminderEffects: IncidentEffects = {
  opened: async (_tx, incident) => [
    { kind: COMMANDER_REMINDER_JOB, subject: `incident:${incident.id}`, delayMs: COMMANDER_REMINDER_DELAY_MS, coalesceKey: `${COMMANDER_REMINDER_JOB}:${incident.id}` },
  ],
  escalationChanged: async () => [],
};

export function commanderReminderHandler(deps: { prisma: PrismaClient; delivery: Delivery }): JobHandler {
  return async (job: ClaimedJob) => {
    const id = incidentIdOf(job);
    const incident = await deps.prisma.incident.findUnique({ where: { id }, include: { roles: true, channels: true } });
    if (!incident || incident.status === 'resolved' || incident.roles.some((role) => role.role === 'commander')) return;
    const message = {
      summary: `${incidentLabel(id)} has no incident commander`,
      color: 'orange' as const,
      sections: [{ text: `**${incidentLabel(id)} still has no incident commander.** Someone take it: \`/incident role commander @you\`` }],
    };
    // Keyed: a retry after one platform failed does not remind the other twice.
    await forEachPlatform(incident.channels.filter((channel) => deps.delivery.port(channel.platform)), (channel) =>
      deps.delivery.deliverOnce(`incident:${id}:commander-reminder`, { kind: 'channel', via: channel.platform, channelId: channel.channelId }, message).then(() => {}),
    );
  };
}

/** Sends the reminder the playbook asks for, once per incident channel. */
export function playbookReminderHandler(deps: { delivery: Delivery; reminder(payload: Record<string, unknown>): Promise<StepReminder | undefined> }): JobHandler {
  return async (job: ClaimedJob) => {
    const reminder = await deps.reminder(job.payload);
    if (!reminder) return;
    const configured = reminder.channels.filter((channel) => deps.delivery.port(channel.platform));
    await forEachPlatform(configured, (channel) =>
      deps.delivery.deliverOnce(reminder.key, { kind: 'channel', via: channel.platform, channelId: channel.channelId }, reminder.message).then(() => {}),
    );
  };
}

import { CronExpressionParser } from 'cron-parser';
import type { ChatPlatformName, ChatPort } from '../chat/chat-port.js';
import type { NeutralMessage } from '../chat/neutral-message.js';
import { firstDelivery } from '../chat/processed-requests.js';
import type { Database, PrismaClient } from '../db/database.js';
import type { Logger } from '../logging.js';
import { enqueueJobs } from './job-store.js';
import { GiveUpError, type ClaimedJob, type JobHandler, type JobSpec } from './job.js';

export const WEEKLY_REPORT_JOB = 'report.weekly';
export const REPORT_DELIVERY_JOB = 'report.deliver';

/** The next time the cron expression fires after `after`, read in the report's time zone. */
export function nextOccurrence(cron: string, timeZone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: after, tz: timeZone }).next().toDate();
}

function occurrenceJob(occurrence: Date): JobSpec {
  const key = `${WEEKLY_REPORT_JOB}:${occurrence.toISOString()}`;
  return { kind: WEEKLY_REPORT_JOB, subject: 'report:weekly', coalesceKey: key, dueAt: occurrence, payload: { occurrence: occurrence.toISOString() } };
}

/** At start: make sure the next occurrence is scheduled. Replicas that all do this write one job. */
export async function scheduleWeeklyReport(database: Database, cron: string, timeZone: string, now: Date): Promise<Date> {
  const occurrence = nextOccurrence(cron, timeZone, now);
  await database.transaction((tx) => enqueueJobs(tx, [occurrenceJob(occurrence)]));
  return occurrence;
}

/**
 * When an occurrence is due: claim it once for all replicas and restarts (a processed key in
 * the same transaction), queue the delivery, and schedule the next occurrence.
 */
export function weeklyReportHandler(deps: { database: Database; cron: string; timeZone: string }): JobHandler {
  return async (job: ClaimedJob) => {
    const occurrence = new Date(String(job.payload.occurrence));
    await deps.database.transaction(async (tx) => {
      const next = occurrenceJob(nextOccurrence(deps.cron, deps.timeZone, occurrence));
      if (!(await firstDelivery(tx, `${WEEKLY_REPORT_JOB}:${occurrence.toISOString()}`))) {
        await enqueueJobs(tx, [next]);
        return;
      }
      await enqueueJobs(tx, [{ kind: REPORT_DELIVERY_JOB, subject: 'report:weekly', payload: { occurrence: occurrence.toISOString() } }, next]);
    });
  };
}

export interface WeeklyReportContent {
  /** The message for one platform: its links point at that platform's incident channels. */
  message(platform: ChatPlatformName): Promise<NeutralMessage>;
  chart?: { filename: string; png: Buffer };
}

/** Posts the report to REPORT_CHANNEL on every platform; retried until it lands. */
export function reportDeliveryHandler(deps: {
  prisma: PrismaClient;
  ports: ChatPort[];
  channel?: string;
  render(occurrence: Date): Promise<WeeklyReportContent>;
  log: Logger;
}): JobHandler {
  return async (job: ClaimedJob) => {
    if (!deps.channel || deps.ports.length === 0) {
      deps.log.info('weekly report due, but REPORT_CHANNEL or a chat platform is not configured; skipped');
      return;
    }
    const content = await deps.render(new Date(String(job.payload.occurrence)));
    const key = `report:weekly:${String(job.payload.occurrence)}`;
    for (const port of deps.ports) {
      // A retry after one platform failed must not post twice on the one that succeeded.
      const where = { platform_idempotencyKey: { platform: port.platform, idempotencyKey: key } };
      if (await deps.prisma.chatMessage.findUnique({ where })) continue;
      const channelId = await port.resolveChannel(deps.channel);
      if (!channelId) throw new GiveUpError(`REPORT_CHANNEL ${deps.channel} not found on ${port.platform}`);
      const posted = await port.postMessage(channelId, await content.message(port.platform));
      if (content.chart && port.capabilities.fileUploads) {
        await port.uploadFile(channelId, { filename: content.chart.filename, title: 'MTTA and MTTR per week', content: content.chart.png });
      }
      await deps.prisma.chatMessage.create({ data: { platform: port.platform, idempotencyKey: key, channelId, messageId: posted.messageId } });
    }
  };
}

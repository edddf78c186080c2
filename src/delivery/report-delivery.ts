import type { ChatPlatformName } from '../chat/chat-port.js';
import type { NeutralMessage } from '../chat/neutral-message.js';
import type { ClaimedJob, JobHandler } from '../engine/job.js';
import type { Logger } from '../logging.js';
import type { Delivery } from './delivery.js';
import { forEachPlatform } from './failures.js';

export interface WeeklyReportContent {
  /** The message for one platform: its links point at that platform's incident channels. */
  message(platform: ChatPlatformName): Promise<NeutralMessage>;
  chart?: { filename: string; png: Buffer };
}

/**
 * Posts the report to REPORT_CHANNEL on every platform, then its chart; retried until it lands.
 * The message and the chart are each sent once per platform, so a retry after one platform (or
 * the upload) failed does not post twice where it already landed.
 */
export function reportDeliveryHandler(deps: { delivery: Delivery; channel?: string; render(occurrence: Date): Promise<WeeklyReportContent>; log: Logger }): JobHandler {
  return async (job: ClaimedJob) => {
    const ports = deps.delivery.ports;
    const channel = deps.channel;
    if (!channel || ports.length === 0) {
      deps.log.info('weekly report due, but REPORT_CHANNEL or a chat platform is not configured; skipped');
      return;
    }
    const content = await deps.render(new Date(String(job.payload.occurrence)));
    const key = `report:weekly:${String(job.payload.occurrence)}`;
    await forEachPlatform(ports, async (port) => {
      const sent = await deps.delivery.deliverOnce(key, { kind: 'named-channel', via: port.platform, name: channel, setting: 'REPORT_CHANNEL' }, await content.message(port.platform));
      if (content.chart && port.capabilities.fileUploads) {
        const file = { filename: content.chart.filename, title: 'MTTA and MTTR per week', content: content.chart.png };
        await deps.delivery.deliverFileOnce(`${key}:chart`, { kind: 'channel', via: port.platform, channelId: sent.channelId }, file);
      }
    });
  };
}

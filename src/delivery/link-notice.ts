import type { ChatPlatformName } from '../chat/chat-port.js';
import { linkNoticeMessage } from '../chat/identity-link-notice.js';
import type { ClaimedJob, JobHandler } from '../engine/job.js';
import type { Delivery } from './delivery.js';

/** Tells a person, by DM, that a chat account was linked to their profile by its email. */
export function identityLinkNoticeHandler(deps: { delivery: Delivery }): JobHandler {
  return async (job: ClaimedJob) => {
    const { platform, userId, linkedPlatform, linkedUserId, name, handle } = job.payload as {
      platform: ChatPlatformName;
      userId: string;
      linkedPlatform: ChatPlatformName;
      linkedUserId: string;
      name: string;
      handle: string | null;
    };
    // One notice per job: a link made again later is told again.
    await deps.delivery.deliverOnce(`identity-link-notice:${job.id}`, { kind: 'person', via: platform, userId }, linkNoticeMessage({ linkedPlatform, linkedUserId, name, handle }));
  };
}

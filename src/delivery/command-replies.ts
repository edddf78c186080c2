import type { ChatPlatformName } from '../chat/chat-port.js';
import type { NeutralMessage } from '../chat/neutral-message.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging.js';
import type { Delivery, FileToSend } from './delivery.js';

/**
 * What a command sends besides its reply: a file to the channel it was typed in (the postmortem)
 * and a private word to the person who typed it. Both answer a request the person just made, so
 * they are not keyed (see Delivery.reply).
 */
export function commandReplies(delivery: Delivery, log: Logger) {
  return {
    uploadFile: async (platform: ChatPlatformName, channelId: string, file: FileToSend): Promise<void> => {
      if (!delivery.port(platform)) throw new AppError('unavailable', `No ${platform} connection to upload to`);
      await delivery.uploadFile({ kind: 'channel', via: platform, channelId }, file).catch((error: unknown) => {
        log.error({ err: error, platform }, 'postmortem upload failed');
        throw new AppError('unavailable', `${platform} did not take the file; the draft is at /api/incidents/<number>/postmortem.md`);
      });
    },
    tellPrivately: async (platform: ChatPlatformName, userId: string, message: NeutralMessage): Promise<void> => {
      if (!delivery.port(platform)) return;
      await delivery.reply({ kind: 'person', via: platform, userId }, message).catch((error: Error) => log.warn({ err: error, platform }, 'could not send a direct message'));
    },
  };
}

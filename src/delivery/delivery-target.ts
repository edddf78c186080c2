import type { ChatPlatformName } from '../chat/chat-port.js';

/**
 * Where a message goes, on which way out. A phone number, an email address or a webhook URL
 * joins these as one more kind: the key, the table of sent messages and the retry rules stay
 * the same.
 */
export type DeliveryTarget =
  /** A channel by its platform id (an incident channel). */
  | { kind: 'channel'; via: ChatPlatformName; channelId: string }
  /** A channel by the name a setting gives ("#incidents", REPORT_CHANNEL), found at send time. */
  | {
      kind: 'named-channel';
      via: ChatPlatformName;
      name: string;
      /** The setting that names it, for the error when it is missing. */
      setting?: string;
    }
  /** A person, directly (a page, a notice). */
  | { kind: 'person'; via: ChatPlatformName; userId: string };


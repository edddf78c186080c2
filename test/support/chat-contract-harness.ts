import type { ChatPort } from '../../src/chat/chat-port.js';

/** What the contract needs from each platform's fake: its port, a user, and a view of what the platform now holds. */
export interface Harness {
  port: ChatPort;
  user: string;
  messageText(channelId: string, messageId: string): string;
  edits(channelId: string, messageId: string): number;
  isPrivate(channelId: string): boolean;
  uploaded(channelId: string, filename: string): Buffer | undefined;
  /** Everything in a channel that every member sees. */
  channelText(channelId: string): string;
  /** What only `userId` was shown: an ephemeral message in the channel, or a DM where the platform has none. */
  seenOnlyBy(userId: string, channelId: string): string;
  failPostsWithRateLimit(seconds: number): void;
  failPostsWithRefusal(): void;
  close(): Promise<void>;
}

/** What the asker was shown: in the channel for everyone, or only to them. */
export interface Answer {
  visibility: 'in_channel' | 'ephemeral';
  text: string;
}

/**
 * One platform as its users reach the bot: a typed slash command and a click on a card button,
 * by a responder (Alice, in oncall.yaml) or a stranger (Bob, not in it), in a channel.
 */
export interface InboundHarness {
  responder: string;
  stranger: string;
  /** A channel that belongs to no incident. */
  otherChannel: string;
  /** The incident's channel, once its card is posted, and the card's message id. */
  incidentChannel(number: number): Promise<{ channelId: string; cardId: string }>;
  typed(user: string, channelId: string, subcommand: string, argument?: { name: string; value: string }): Promise<Answer>;
  click(user: string, channelId: string, cardId: string, action: string, incidentNumber: number): Promise<Answer>;
}

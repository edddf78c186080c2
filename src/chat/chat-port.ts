import type { HintedError, RetryHint } from '../engine/retry-hint.js';
import type { NeutralMessage } from './neutral-message.js';

export type ChatPlatformName = 'slack' | 'discord' | 'mattermost' | 'teams';

/**
 * What a platform can do. The core asks before using a feature a platform lacks, instead of
 * an adapter growing methods only it has.
 */
export interface ChatCapabilities {
  privateChannels: boolean;
  channelTopics: boolean;
  /** Replies only the asker sees. */
  ephemeralReplies: boolean;
  fileUploads: boolean;
  /** Bytes, the largest upload the platform takes. */
  maxUploadBytes: number;
}

export interface CreatedChannel {
  channelId: string;
  /** The name actually used (a suffix is added when the wanted name is taken). */
  name: string;
}

export interface PostedMessage {
  channelId: string;
  messageId: string;
}

export interface ChatUserProfile {
  userId: string;
  name: string;
  email?: string;
  /** The platform says the user proved they own `email` (Slack's is_email_confirmed); never set where a platform cannot say. */
  emailConfirmed?: boolean;
  timeZone?: string;
}

/**
 * The one port between the core and a chat platform. Every method may throw a ChatApiError;
 * the engine retries those that are retryable (rate limits, 5xx, network).
 */
export interface ChatPort {
  readonly platform: ChatPlatformName;
  readonly capabilities: ChatCapabilities;
  /** Creates a channel, adding a suffix if `name` is taken. Topic and purpose are plain text, shown as written. */
  createChannel(input: { name: string; private: boolean; topic?: string; purpose?: string }): Promise<CreatedChannel>;
  /** Invites users (platform ids); users already in the channel are not an error. */
  invite(channelId: string, userIds: string[]): Promise<void>;
  /** Plain text, shown as written: nothing in it mentions anyone. */
  setTopic(channelId: string, topic: string): Promise<void>;
  /** Resolves a channel given as a name ("#incidents") or id to its id; undefined if not found. */
  resolveChannel(nameOrId: string): Promise<string | undefined>;
  postMessage(channelId: string, message: NeutralMessage): Promise<PostedMessage>;
  updateMessage(channelId: string, messageId: string, message: NeutralMessage): Promise<void>;
  /** A message only `userId` sees, in a channel (capability ephemeralReplies; else a DM). */
  postEphemeral(channelId: string, userId: string, message: NeutralMessage): Promise<void>;
  sendDirectMessage(userId: string, message: NeutralMessage): Promise<PostedMessage>;
  /** The comment is plain text, shown as written: nothing in it mentions anyone. */
  uploadFile(channelId: string, file: { filename: string; title: string; content: Buffer; comment?: string }): Promise<void>;
  getUser(userId: string): Promise<ChatUserProfile>;
  /** Where the platform has user groups (Slack): makes `userIds` the members of the group `handle` (no @). */
  setUserGroupMembers?(handle: string, userIds: string[]): Promise<void>;
}

/** A platform call that failed, with the platform's own error code ("name_taken", "50001", ...). */
export class ChatApiError extends Error implements HintedError {
  constructor(
    readonly platform: ChatPlatformName,
    readonly method: string,
    readonly platformCode: string,
    readonly options: { retryable: boolean; retryAfterMs?: number; status?: number } = { retryable: false },
  ) {
    super(`${platform} ${method} failed: ${platformCode}`);
    this.name = 'ChatApiError';
  }
  get retryable(): boolean {
    return this.options.retryable;
  }
  get retryHint(): RetryHint {
    return { retryable: this.options.retryable, ...(this.options.retryAfterMs !== undefined ? { retryAfterMs: this.options.retryAfterMs } : {}) };
  }
}

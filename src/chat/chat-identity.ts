import type { ChatPlatformName } from './chat-port.js';

/** The column that holds a person's id on each platform. */
export const CHAT_ID_FIELD = { slack: 'slackId', discord: 'discordId' } as const satisfies Record<ChatPlatformName, string>;

export interface ChatIdentities {
  slackId: string | null;
  discordId: string | null;
}

/** A person's user id on a platform, if they have one there. */
export function chatIdOf(person: ChatIdentities, platform: ChatPlatformName): string | null {
  return person[CHAT_ID_FIELD[platform]];
}

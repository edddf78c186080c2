import type { ChatPlatformName } from './chat-port.js';

/** The column that holds a person's id on each platform. */
export const CHAT_ID_FIELD = { slack: 'slackId', discord: 'discordId', mattermost: 'mattermostId', teams: 'teamsId' } as const satisfies Record<ChatPlatformName, string>;

export const CHAT_PLATFORMS = Object.keys(CHAT_ID_FIELD) as ChatPlatformName[];

/** How each platform is named to people. */
export const PLATFORM_DISPLAY_NAME: Record<ChatPlatformName, string> = { slack: 'Slack', discord: 'Discord', mattermost: 'Mattermost', teams: 'Microsoft Teams' };

export type ChatIdField = (typeof CHAT_ID_FIELD)[ChatPlatformName];

/** A person's ids on the chat platforms, as stored (null) or as oncall.yaml gives them (absent). */
export type ChatIdentities = { [F in ChatIdField]: string | null };
export type MaybeChatIdentities = { [F in ChatIdField]?: string | null };

/** A person's user id on a platform, if they have one there. */
export function chatIdOf(person: MaybeChatIdentities, platform: ChatPlatformName): string | null {
  return person[CHAT_ID_FIELD[platform]] ?? null;
}

/** The person's ids on every platform where they have one. */
export function chatIdsOf(person: MaybeChatIdentities): string[] {
  return CHAT_PLATFORMS.map((platform) => chatIdOf(person, platform)).filter((id): id is string => id !== null);
}

/** Whether the person can be reached by chat on any platform. */
export function hasChatIdentity(person: MaybeChatIdentities): boolean {
  return chatIdsOf(person).length > 0;
}

export { startFakeDiscord, type DiscordCall, type FakeDiscord, type FakeDiscordOptions, type SentInteraction } from './server.js';
export type { DiscordFailure } from './discord-failures.js';
export type { DropOptions, GatewayCounters } from './gateway.js';
export type { ButtonClickInput, InteractionInput, SlashCommandInput } from './interactions.js';
export { EMBED_LIMITS, commandProblems, messageProblems } from './limits.js';
export { allowedMentionsProblems, pingsOf, type DiscordPings } from './discord-mentions.js';
export type { DiscordChannel, DiscordInteraction, DiscordMessage, DiscordStateView, DiscordUser } from './discord-state.js';

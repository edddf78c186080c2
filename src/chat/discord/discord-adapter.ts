import { firstDelivery } from '../../db/processed-requests.js';
import type { ChatAdapter, ChatAdapterDeps } from '../chat-adapter.js';
import { DiscordApp } from './discord-app.js';
import { AdvisoryLeaderLock } from './leader-lock.js';

export function discordAdapter({ config, database, log, commands }: ChatAdapterDeps): ChatAdapter {
  const app = new DiscordApp({
    token: config.DISCORD_BOT_TOKEN!,
    applicationId: config.DISCORD_APPLICATION_ID!,
    guildId: config.DISCORD_GUILD_ID!,
    apiUrl: config.DISCORD_API_URL,
    log,
    commands,
    leader: new AdvisoryLeaderLock(database, log),
    firstDelivery: (key, keep) => firstDelivery(database.sql, key, keep),
  });
  // Discord reaches the bot over its gateway connection: no HTTP routes.
  return { port: app.port, routes: () => [], start: () => app.start(), stop: () => app.stop() };
}

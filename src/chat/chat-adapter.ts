import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { RouteModule } from '../http/server.js';
import type { Logger } from '../logging.js';
import type { AuditLog } from '../access/audit-log.js';
import type { ChatPort } from './chat-port.js';
import type { CommandGateway } from './commands/command-gateway.js';
import type { Clock } from '../time/clock.js';

/**
 * A chat platform as a plug-in: the port the bot sends through, the HTTP routes it receives on
 * (none for a gateway connection), and its start and stop. The composition root loops over the
 * configured adapters; a new platform is one more entry in `CHAT_ADAPTERS`, not a new block there.
 */
export interface ChatAdapter {
  readonly port: ChatPort;
  routes(): RouteModule[];
  /** Called once the HTTP server listens (Slack's checks and Socket Mode, Discord's gateway). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ChatAdapterDeps {
  config: Config;
  database: Database;
  log: Logger;
  commands: CommandGateway;
  audit: AuditLog;
  clock: Clock;
}

interface ChatAdapterEntry {
  enabled(config: Config): boolean;
  create(deps: ChatAdapterDeps): Promise<ChatAdapter>;
}

// Slack's and Discord's libraries are loaded only by the configurations that use them: together
// they cost about 50 MB of resident memory and half a second of start-up.
const CHAT_ADAPTERS: ChatAdapterEntry[] = [
  { enabled: (config) => config.slackEnabled, create: async (deps) => (await import('./slack/slack-adapter.js')).slackAdapter(deps) },
  { enabled: (config) => config.discordEnabled, create: async (deps) => (await import('./discord/discord-adapter.js')).discordAdapter(deps) },
  { enabled: (config) => config.mattermostEnabled, create: async (deps) => (await import('./mattermost/mattermost-adapter.js')).mattermostAdapter(deps) },
  { enabled: (config) => config.teamsEnabled, create: async (deps) => (await import('./teams/teams-adapter.js')).teamsAdapter(deps) },
];

/** The adapters the settings turn on, created (not started). */
export async function createChatAdapters(deps: ChatAdapterDeps): Promise<ChatAdapter[]> {
  const adapters: ChatAdapter[] = [];
  for (const entry of CHAT_ADAPTERS) if (entry.enabled(deps.config)) adapters.push(await entry.create(deps));
  return adapters;
}

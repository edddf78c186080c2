import { commandTokens } from '../../config.js';
import { firstDelivery } from '../../db/processed-requests.js';
import type { ChatAdapter, ChatAdapterDeps } from '../chat-adapter.js';
import { MattermostApp } from './mattermost-app.js';

export function mattermostAdapter({ config, database, log, commands }: ChatAdapterDeps): ChatAdapter {
  return new MattermostApp({
    url: config.MATTERMOST_URL!,
    botToken: config.MATTERMOST_BOT_TOKEN!,
    team: config.MATTERMOST_TEAM!,
    commandTokens: commandTokens(config.MATTERMOST_COMMAND_TOKENS!),
    publicUrl: config.PUBLIC_URL!,
    log,
    commands,
    firstDelivery: (key, keep) => firstDelivery(database.sql, key, keep),
  });
}

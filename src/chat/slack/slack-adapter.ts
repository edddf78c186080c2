import { firstDelivery } from '../../db/processed-requests.js';
import type { ChatAdapter, ChatAdapterDeps } from '../chat-adapter.js';
import { SlackApp } from './slack-app.js';

export function slackAdapter({ config, database, log, commands, audit, clock }: ChatAdapterDeps): ChatAdapter {
  return new SlackApp({
    botToken: config.SLACK_BOT_TOKEN!,
    signingSecret: config.SLACK_SIGNING_SECRET,
    appToken: config.SLACK_APP_TOKEN,
    apiUrl: config.SLACK_API_URL,
    log,
    commands,
    audit,
    clock,
    firstDelivery: (key, keep) => firstDelivery(database.sql, key, keep),
  });
}

import { firstDelivery } from '../../db/processed-requests.js';
import type { ChatAdapter, ChatAdapterDeps } from '../chat-adapter.js';
import { TeamsApp } from './teams-app.js';

export function teamsAdapter({ config, database, log, commands, clock }: ChatAdapterDeps): ChatAdapter {
  return new TeamsApp({
    appId: config.TEAMS_APP_ID!,
    appPassword: config.TEAMS_APP_PASSWORD!,
    tenantId: config.TEAMS_TENANT_ID!,
    teamId: config.TEAMS_TEAM_ID!,
    incidentsChannel: config.INCIDENTS_CHANNEL,
    apiUrl: config.TEAMS_API_URL,
    ...(config.TEAMS_GRAPH === 'on' && config.TEAMS_GROUP_ID ? { graph: { groupId: config.TEAMS_GROUP_ID, ...(config.TEAMS_GRAPH_URL ? { url: config.TEAMS_GRAPH_URL } : {}) } } : {}),
    incidentConversations: async (teamChannel) =>
      (
        await database.prisma.chatChannel.findMany({
          where: { platform: 'teams', OR: [{ channelId: teamChannel }, { channelId: { startsWith: `${teamChannel};messageid=` } }] },
          select: { channelId: true },
          take: 2,
        })
      ).map((row) => row.channelId),
    log,
    clock,
    commands,
    firstDelivery: (key, keep) => firstDelivery(database.sql, key, keep),
  });
}

import type { ChatPlatformName } from './chat-port.js';
import type { PrismaClient } from '../db/database.js';

/** The channel of each of these incidents on one platform (incidents without one there are left out). */
export async function incidentChannelsOn(prisma: PrismaClient, platform: ChatPlatformName, incidentIds: readonly number[]): Promise<Map<number, string>> {
  if (incidentIds.length === 0) return new Map();
  const rows = await prisma.chatChannel.findMany({ where: { platform, incidentId: { in: [...incidentIds] } }, select: { incidentId: true, channelId: true } });
  return new Map(rows.map((row) => [row.incidentId, row.channelId]));
}

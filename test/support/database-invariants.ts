import type { PrismaClient } from '../../src/db/database.js';

/**
 * What a half-written incident would break: each query lists the rows that violate one rule,
 * so a failure names the rows. Every write path (alert ingestion, chat commands, the engine)
 * commits these together or not at all.
 */
export async function invariantViolations(prisma: PrismaClient): Promise<Record<string, unknown[]>> {
  const checks: Record<string, Promise<unknown[]>> = {
    'incident without exactly one opened/declared event': prisma.$queryRaw`
      SELECT i.id, count(e.id)::int AS events FROM incidents i
      LEFT JOIN timeline_events e ON e.incident_id = i.id AND e.kind IN ('incident.opened', 'incident.declared')
      GROUP BY i.id HAVING count(e.id) <> 1`,
    'declared event on an alert incident, or opened event on a declared one': prisma.$queryRaw`
      SELECT i.id, i.source, e.kind FROM incidents i JOIN timeline_events e ON e.incident_id = i.id
      WHERE (e.kind = 'incident.declared' AND i.source <> 'manual') OR (e.kind = 'incident.opened' AND i.source = 'manual')`,
    'alert incident without any alert': prisma.$queryRaw`
      SELECT i.id FROM incidents i WHERE i.source <> 'manual'
        AND NOT EXISTS (SELECT 1 FROM incident_alerts l WHERE l.incident_id = i.id)`,
    'alert pointing at an incident without the link': prisma.$queryRaw`
      SELECT a.id, a.incident_id FROM alerts a WHERE a.incident_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM incident_alerts l WHERE l.incident_id = a.incident_id AND l.alert_id = a.id)`,
    'linked alert without its firing event': prisma.$queryRaw`
      SELECT l.incident_id, l.alert_id FROM incident_alerts l
      WHERE NOT EXISTS (SELECT 1 FROM timeline_events e WHERE e.incident_id = l.incident_id AND e.kind = 'alert.firing'
                        AND (e.data->>'alertId')::int = l.alert_id)`,
    'resolved without resolved_at, or open with it': prisma.$queryRaw`
      SELECT id, status FROM incidents WHERE (status = 'resolved') <> (resolved_at IS NOT NULL)`,
    'resolved incident still holding its group open': prisma.$queryRaw`
      SELECT id FROM incidents WHERE status = 'resolved' AND open_group_key IS NOT NULL`,
    'open alert incident not holding its group': prisma.$queryRaw`
      SELECT id FROM incidents WHERE status <> 'resolved' AND group_key IS NOT NULL AND open_group_key IS DISTINCT FROM group_key`,
    'acknowledged or mitigated without its times': prisma.$queryRaw`
      SELECT id, status FROM incidents
      WHERE (status IN ('acknowledged', 'mitigated') AND acknowledged_at IS NULL) OR (status = 'mitigated' AND mitigated_at IS NULL)`,
    'alert with an empty fingerprint': prisma.$queryRaw`SELECT id FROM alerts WHERE fingerprint = ''`,
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, rows] of Object.entries(checks)) {
    const found = await rows;
    if (found.length > 0) out[name] = found.slice(0, 5);
  }
  return out;
}

import type pg from 'pg';

/**
 * Incidents as a busy organisation has them, written by the database itself: `count` incidents
 * over the last 20 weeks across 8 teams (team1..team8) and 40 people, most acknowledged and
 * resolved, one in fifty open, one in a hundred private, and a page for every fifth.
 */
export async function seedIncidents(client: pg.Client, count: number): Promise<void> {
  await client.query(`INSERT INTO teams (key, name) SELECT 'team' || g, 'Team ' || g FROM generate_series(1, 8) g`);
  await client.query(`INSERT INTO people (name, time_zone, updated_at) SELECT 'Person ' || g, (ARRAY['UTC','Europe/Berlin','America/New_York'])[1 + g % 3], now() FROM generate_series(1, 40) g`);
  await client.query(`
    INSERT INTO incidents (title, severity, team_id, private, source, status, opened_at, acknowledged_at, mitigated_at, resolved_at, updated_at)
    SELECT 'incident ' || g, 1 + g % 4, 1 + g % 8, g % 100 = 7, 'generic',
           (CASE WHEN g % 50 = 0 THEN 'triggered' ELSE 'resolved' END)::"IncidentStatus",
           now() - (g % 140) * interval '1 day' - (g % 1440) * interval '1 minute',
           CASE WHEN g % 10 = 0 THEN NULL ELSE now() - (g % 140) * interval '1 day' - (g % 1440) * interval '1 minute' + (30 + g % 900) * interval '1 second' END,
           CASE WHEN g % 3 = 0 THEN now() - (g % 140) * interval '1 day' - (g % 1440) * interval '1 minute' + (300 + g % 1800) * interval '1 second' END,
           CASE WHEN g % 50 = 0 THEN NULL ELSE now() - (g % 140) * interval '1 day' - (g % 1440) * interval '1 minute' + (600 + g % 7200) * interval '1 second' END,
           now()
    FROM generate_series(1, ${count}) g`);
  await client.query(`INSERT INTO pages (incident_id, person_id, message, status, created_at) SELECT g, 1 + g % 40, 'page', 'sent', now() - (g % 140) * interval '1 day' FROM generate_series(1, ${Math.floor(count / 5)}) g`);
}

import { DateTime } from 'luxon';
import { sql, type Sql } from '../db/sql.js';
import { describeMatcher, type MaintenanceMatcher } from '../maintenance/maintenance-window.js';

/** mean, p50 and p90 of one measure, in seconds; null when no incident in the group has it. */
export interface Stat {
  n: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
}

export interface WeekRow {
  /** Monday 00:00 of the week in the report's zone, as yyyy-MM-dd. */
  week: string;
  group: 'all' | 'severity' | 'team';
  key: string;
  count: number;
  mtta: Stat;
  ttm: Stat;
  mttr: Stat;
}

export interface WeeklyReport {
  timeZone: string;
  team: string | null;
  weeks: string[];
  rows: WeekRow[];
  /** The week before the first, for the change shown against it. */
  previous: WeekRow | undefined;
  /** Resolved incidents of the window, longest first; a private one's title is for its members only. */
  longest: { number: number; title: string; severity: number; seconds: number; private: boolean }[];
  missingPostmortem: { number: number; title: string; resolvedAt: string; private: boolean }[];
  /** Alerts ranked by noise votes, then by how often they fired, with what they cost responders and the route that opened them. */
  noisiest: NoisyAlert[];
  /** Pages per person, at night, and how many reached them (the chat message or a notification went out). */
  oncallLoad: { person: string; pages: number; atNight: number; reached: number }[];
  /** Maintenance windows of the window, with the alerts each held (stored, no incident, nobody paged). */
  maintenance: { id: number; what: string; startsAt: string; endsAt: string; reason: string; held: number; alerts: string[] }[];
}

export interface NoisyAlert {
  source: string;
  fingerprint: string;
  title: string;
  firings: number;
  incidents: number;
  /** Votes (`/incident noise`, the Noisy button) on the incidents it opened or joined. */
  noiseVotes: number;
  /** The route most of its incidents came through: the rule to tune. */
  route: string | null;
  /** Summed over its incidents: first page to acknowledgement, and acknowledgement to resolution, in seconds. */
  pageToAckSeconds: number;
  ackToResolveSeconds: number;
  /** It was flapping (FLAP_DETECTION) at some point of the window. */
  flapping: boolean;
  /** Every incident it opened or joined is private: its title is then for their members only. */
  privateOnly: boolean;
}

export const DEFINITIONS = [
  "Opened at: when the bot received the incident's first alert, or the declare time.",
  'MTTA: acknowledged at minus opened at (unacknowledged incidents have none).',
  'Time to mitigate: mitigated at minus opened at, where recorded.',
  'MTTR: resolved at minus opened at (open incidents have none).',
  'A time recorded before the opening counts as 0, never as negative.',
  "Weeks start Monday 00:00 in the report's time zone; p50/p90 are continuous percentiles.",
  "At night: a page between 22:00 and 07:00 in the paged person's own time zone. Reached: its chat message, email, SMS, call or push went out.",
  'Noisiest alerts: ranked by noise votes on their incidents, then by how often they fired; responder time is first page to acknowledgement plus acknowledgement to resolution, summed over their incidents.',
];

interface StatRow {
  bucket: number;
  severity: number | null;
  team: string | null;
  grouping: number;
  count: number;
  tta_mean: number | null;
  tta_p: (number | null)[] | null;
  tta_n: number;
  ttm_mean: number | null;
  ttm_p: (number | null)[] | null;
  ttm_n: number;
  ttr_mean: number | null;
  ttr_p: (number | null)[] | null;
  ttr_n: number;
}

const order = (row: WeekRow) => (row.group === 'all' ? 0 : row.group === 'severity' ? 1 : 2);
const num = (value: unknown) => (value === null || value === undefined ? null : Number(value));
const stat = (n: unknown, mean: unknown, p50: unknown, p90: unknown): Stat => ({ n: Number(n ?? 0), mean: num(mean), p50: num(p50), p90: num(p90) });

/**
 * The last `weeks` full and current weeks, aggregated by the database: counts, MTTA, time to
 * mitigate and MTTR (mean, p50, p90) for all incidents, by severity and by team.
 */
export async function buildWeeklyReport(db: Sql, options: { weeks: number; team?: string; timeZone: string; now: Date }): Promise<WeeklyReport> {
  const { timeZone, now } = options;
  const weeks = Math.min(Math.max(Math.trunc(options.weeks), 1), 104);
  const team = options.team ?? null;
  const thisWeek = DateTime.fromJSDate(now, { zone: timeZone }).startOf('week');
  const first = thisWeek.minus({ weeks });
  const from = first.toJSDate();
  const to = thisWeek.plus({ weeks: 1 }).toJSDate();
  // The weeks as instants, Monday 00:00 in the report's zone (luxon keeps it right across DST):
  // the database puts each incident in its week by binary search, not by converting every row.
  const starts = Array.from({ length: weeks + 2 }, (_, k) => first.plus({ weeks: k }));
  const weekKeys = starts.slice(0, weeks + 1).map((start) => start.toFormat('yyyy-LL-dd'));
  const bounds = starts.map((start) => start.toJSDate().toISOString());
  // All three groupings in one pass over the incidents (GROUPING SETS), durations as float8
  // (date_part; EXTRACT's numeric costs more than the sorts), both percentiles from one sort.
  const statsQuery = db.query<StatRow>(sql`
    SELECT p.bucket, p.severity, p.team, GROUPING(p.severity, p.team)::int AS grouping, count(*)::int AS count,
           avg(p.tta) AS tta_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY p.tta) AS tta_p, count(p.tta)::int AS tta_n,
           avg(p.ttm) AS ttm_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY p.ttm) AS ttm_p, count(p.ttm)::int AS ttm_n,
           avg(p.ttr) AS ttr_mean, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY p.ttr) AS ttr_p, count(p.ttr)::int AS ttr_n
    FROM (
      SELECT width_bucket(i.opened_at, ${bounds}::timestamptz[]) AS bucket, i.severity, t.key AS team,
             -- LEAST skips NULL: a time recorded before the opening counts as 0, a missing one stays NULL.
             date_part('epoch', i.acknowledged_at - LEAST(i.opened_at, i.acknowledged_at)) AS tta,
             date_part('epoch', i.mitigated_at - LEAST(i.opened_at, i.mitigated_at)) AS ttm,
             date_part('epoch', i.resolved_at - LEAST(i.opened_at, i.resolved_at)) AS ttr
      FROM incidents i LEFT JOIN teams t ON t.id = i.team_id
      WHERE i.opened_at >= ${from}::timestamptz AND i.opened_at < ${to}::timestamptz AND (${team}::text IS NULL OR t.key = ${team}::text)
    ) p
    GROUP BY GROUPING SETS ((p.bucket), (p.bucket, p.severity), (p.bucket, p.team))
    ORDER BY p.bucket, p.severity NULLS FIRST, p.team NULLS FIRST`);

  const window = { from: first.plus({ weeks: 1 }).toJSDate(), to };
  // Every query of the report at once: on PostgreSQL each gets a connection of its own.
  const [statRows, longest, missing, noisy, load, windows] = await Promise.all([
    statsQuery,
    db.query<{ id: number; title: string; severity: number; private: boolean; seconds: number }>(sql`
      SELECT i.id, i.title, i.severity, i.private, top.seconds FROM (
        -- Ranked from the report's index alone; the five rows are then read for their titles.
        SELECT id, date_part('epoch', resolved_at - LEAST(opened_at, resolved_at)) AS seconds FROM incidents
        WHERE resolved_at IS NOT NULL AND opened_at >= ${window.from}::timestamptz AND opened_at < ${window.to}::timestamptz
          AND (${team}::text IS NULL OR team_id = (SELECT id FROM teams WHERE key = ${team}::text))
        ORDER BY seconds DESC, id LIMIT 5
      ) top JOIN incidents i ON i.id = top.id
      ORDER BY top.seconds DESC, i.id`),
    db.query<{ id: number; title: string; resolved_at: Date; private: boolean }>(sql`
      SELECT i.id, i.title, i.resolved_at, i.private FROM incidents i LEFT JOIN postmortems p ON p.incident_id = i.id
      WHERE i.status = 'resolved' AND i.resolved_at IS NOT NULL AND p.incident_id IS NULL AND i.opened_at >= ${window.from}::timestamptz AND i.opened_at < ${window.to}::timestamptz
        AND (${team}::text IS NULL OR i.team_id = (SELECT id FROM teams WHERE key = ${team}::text))
      ORDER BY i.resolved_at DESC LIMIT 20`),
    db.query<{ source: string; fingerprint: string; title: string; firings: number; incidents: number; flapping: boolean; private_only: boolean; noise_votes: number; route: string | null; page_to_ack: number; ack_to_resolve: number }>(sql`
      WITH fired AS (
        SELECT a.id, a.source, a.fingerprint, max(a.title) AS title, count(*)::int AS firings
        FROM timeline_events e JOIN alerts a ON a.id = (e.data->>'alertId')::int
        WHERE e.kind = 'alert.firing' AND e.at >= ${window.from}::timestamptz AND e.at < ${window.to}::timestamptz
        GROUP BY a.id, a.source, a.fingerprint
      ), theirs AS (
        SELECT ia.alert_id, i.id AS incident_id, i.route_id, i.private, i.acknowledged_at, i.resolved_at,
               (SELECT min(p.created_at) FROM pages p WHERE p.incident_id = i.id) AS first_page,
               (SELECT count(*) FROM noise_votes v WHERE v.incident_id = i.id)::int AS votes
        FROM incident_alerts ia JOIN incidents i ON i.id = ia.incident_id
        WHERE ia.alert_id IN (SELECT id FROM fired) AND (${team}::text IS NULL OR i.team_id = (SELECT id FROM teams WHERE key = ${team}::text))
      )
      SELECT f.source, f.fingerprint, f.title, f.firings, count(t.incident_id)::int AS incidents,
             EXISTS (SELECT 1 FROM timeline_events e WHERE e.kind = 'alert.flapping' AND e.data->>'alertId' = f.id::text
                       AND e.at >= ${window.from}::timestamptz AND e.at < ${window.to}::timestamptz) AS flapping, COALESCE(sum(t.votes), 0)::int AS noise_votes,
             mode() WITHIN GROUP (ORDER BY t.route_id) AS route, COALESCE(bool_and(t.private), false) AS private_only,
             COALESCE(sum(EXTRACT(EPOCH FROM t.acknowledged_at - LEAST(COALESCE(t.first_page, t.acknowledged_at), t.acknowledged_at))), 0)::float8 AS page_to_ack,
             COALESCE(sum(EXTRACT(EPOCH FROM t.resolved_at - LEAST(t.acknowledged_at, t.resolved_at))), 0)::float8 AS ack_to_resolve
      FROM fired f LEFT JOIN theirs t ON t.alert_id = f.id
      GROUP BY f.id, f.source, f.fingerprint, f.title, f.firings
      HAVING ${team}::text IS NULL OR count(t.incident_id) > 0
      ORDER BY noise_votes DESC, f.firings DESC, f.fingerprint LIMIT 10`),
    db.query<{ person: string; pages: number; at_night: number; reached: number }>(sql`
      SELECT pe.name AS person, count(*)::int AS pages,
             count(*) FILTER (WHERE EXTRACT(HOUR FROM p.created_at AT TIME ZONE pe.time_zone) >= 22
                                 OR EXTRACT(HOUR FROM p.created_at AT TIME ZONE pe.time_zone) < 7)::int AS at_night,
             -- Reached: its chat message went out, or an email, SMS, call or push did (folded: carried by another).
             count(*) FILTER (WHERE p.status IN ('sent', 'acknowledged')
                                 OR EXISTS (SELECT 1 FROM notifications n WHERE n.page_id = p.id AND n.status IN ('sent', 'delivered', 'folded')))::int AS reached
      FROM pages p JOIN people pe ON pe.id = p.person_id
      WHERE p.created_at >= ${window.from}::timestamptz AND p.created_at < ${window.to}::timestamptz
      GROUP BY pe.name ORDER BY pages DESC, pe.name LIMIT 20`),
    db.query<{ id: number; matcher: MaintenanceMatcher; team_key: string | null; starts_at: Date; ends_at: Date; reason: string; held: number; alerts: string[] }>(sql`
      SELECT w.id, w.matcher, w.team_key, w.starts_at, LEAST(w.ends_at, COALESCE(w.ended_at, w.ends_at)) AS ends_at, w.reason,
             (SELECT count(*) FROM alerts a WHERE a.held_by_window = w.id)::int AS held,
             (SELECT COALESCE(array_agg(t.title ORDER BY t.n DESC, t.title), ARRAY[]::text[]) FROM (
                SELECT a.title, count(*) AS n FROM alerts a WHERE a.held_by_window = w.id GROUP BY a.title ORDER BY n DESC, a.title LIMIT 5) t) AS alerts
      FROM maintenance_windows w
      WHERE w.starts_at < ${window.to}::timestamptz AND LEAST(w.ends_at, COALESCE(w.ended_at, w.ends_at)) > ${window.from}::timestamptz
        -- Cancelled before it started (see wasCancelled): it never ran.
        AND (w.ended_at IS NULL OR w.ended_at > w.starts_at)
        AND (${team}::text IS NULL OR w.team_key = ${team}::text)
      ORDER BY w.starts_at, w.id LIMIT 50`),
  ]);

  const byKey = new Map<string, WeekRow>();
  const rows: WeekRow[] = statRows.map((row) => {
    // Which grouping the row comes from: 3 all, 1 by severity, 2 by team.
    const grouping = Number(row.grouping);
    const group: WeekRow['group'] = grouping === 3 ? 'all' : grouping === 1 ? 'severity' : 'team';
    const week = weekKeys[Number(row.bucket) - 1]!;
    const made: WeekRow = {
      week,
      group,
      key: group === 'all' ? 'all' : group === 'severity' ? `SEV${row.severity}` : (row.team ?? 'no team'),
      count: Number(row.count),
      mtta: stat(row.tta_n, row.tta_mean, row.tta_p?.[0], row.tta_p?.[1]),
      ttm: stat(row.ttm_n, row.ttm_mean, row.ttm_p?.[0], row.ttm_p?.[1]),
      mttr: stat(row.ttr_n, row.ttr_mean, row.ttr_p?.[0], row.ttr_p?.[1]),
    };
    if (group === 'all') byKey.set(week, made);
    return made;
  });
  // A week without incidents still has its row: zero, and no figures.
  const empty: Stat = { n: 0, mean: null, p50: null, p90: null };
  for (const week of weekKeys) if (!byKey.has(week)) rows.push({ week, group: 'all', key: 'all', count: 0, mtta: empty, ttm: empty, mttr: empty });
  const all = rows.sort((a, b) => (a.week < b.week ? -1 : a.week > b.week ? 1 : order(a) - order(b)));
  const previousWeek = weekKeys[0];
  const shown = weekKeys.slice(1);
  return {
    timeZone,
    team,
    weeks: shown,
    rows: all.filter((r) => r.week !== previousWeek),
    previous: all.find((r) => r.week === previousWeek && r.group === 'all'),
    longest: longest.map((r) => ({ number: Number(r.id), title: r.title, severity: Number(r.severity), seconds: Number(r.seconds), private: r.private === true })),
    missingPostmortem: missing.map((r) => ({ number: Number(r.id), title: r.title, resolvedAt: new Date(r.resolved_at).toISOString(), private: r.private === true })),
    noisiest: noisy.map((r) => ({
      source: r.source,
      fingerprint: r.fingerprint,
      title: r.title,
      firings: Number(r.firings),
      incidents: Number(r.incidents),
      noiseVotes: Number(r.noise_votes),
      route: r.route,
      pageToAckSeconds: Number(r.page_to_ack),
      ackToResolveSeconds: Number(r.ack_to_resolve),
      flapping: r.flapping === true,
      privateOnly: r.private_only === true,
    })),
    oncallLoad: load.map((r) => ({ person: r.person, pages: Number(r.pages), atNight: Number(r.at_night), reached: Number(r.reached) })),
    maintenance: windows.map((w) => ({ id: Number(w.id), what: describeMatcher(w.matcher), startsAt: new Date(w.starts_at).toISOString(), endsAt: new Date(w.ends_at).toISOString(), reason: w.reason, held: Number(w.held), alerts: w.alerts ?? [] })),
  };
}

import { sql, type Sql } from '../db/sql.js';
import { AppError } from '../errors.js';

/** How many team keys a refusal lists before it says how many more there are. */
const LISTED = 30;

/**
 * A report narrowed to a team must name one the bot knows (oncall.yaml's teams, kept in the
 * database with the incidents they own): a typo would otherwise read as a team with no incidents.
 */
export async function requireKnownTeam(db: Sql, team: string, field = 'team'): Promise<void> {
  const teams = (await db.query<{ key: string }>(sql`SELECT key FROM teams ORDER BY key`)).map((row) => row.key);
  if (teams.includes(team)) return;
  const known = teams.length === 0
    ? 'no teams are defined yet (teams: in oncall.yaml)'
    : `known teams: ${teams.slice(0, LISTED).join(', ')}${teams.length > LISTED ? ` and ${teams.length - LISTED} more` : ''}`;
  const typed = JSON.stringify(team.length > 100 ? `${team.slice(0, 100)}…` : team);
  throw new AppError('validation_failed', `There is no team ${typed}; ${known}`, { problems: [{ path: field, message: `no team ${typed}; ${known}` }] });
}

import type pg from 'pg';
import type { Sql, SqlFragment } from '../../src/db/sql.js';
import { eventually } from './eventually.js';

/** Resolves once a session of the client's database waits for a lock: the other side of a race got where the test wants it. */
export async function lockWaitSeen(client: pg.Client, what: string): Promise<void> {
  await eventually(what, async () => {
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    return rows[0].n > 0;
  });
}

/** A client of its own as the bot's Sql: the bot's statements, in a transaction the test holds open. */
export function sqlOn(client: pg.Client): Sql {
  return {
    async query<Row>(fragment: SqlFragment) {
      const { text, params } = fragment.toQuery();
      return (await client.query({ name: fragment.statementName, text, values: params })).rows as Row[];
    },
  };
}

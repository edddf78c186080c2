import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Sql } from '../../../src/db/sql.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

/** The plan PostgreSQL keeps for a prepared update of alerts by a list of ids, made now (alerts empty). */
async function cachedPlanOfUpdateById(tx: Sql): Promise<string> {
  await tx.query(sql`SET LOCAL plan_cache_mode = force_generic_plan`);
  await tx.query(sql`PREPARE probe(json, int[]) AS UPDATE alerts a SET title = r.title FROM json_to_recordset($1) AS r(id int, title text) WHERE a.id = r.id AND a.id = ANY ($2)`);
  const rows = await tx.query<{ 'QUERY PLAN': string }>(sql`EXPLAIN EXECUTE probe('[]', '{1}')`);
  await tx.query(sql`DEALLOCATE probe`);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('the intake`s own PostgreSQL connections', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('keep plans that reach alerts by index though the table was empty when they were made', async () => {
    // On another connection, the plan made on the empty table scans it whole, and would for every
    // batch once a storm had filled it, until autovacuum analyzed it.
    expect(await db.database.transaction(cachedPlanOfUpdateById)).toContain('Seq Scan on alerts');
    const intake = await db.database.intake.transaction(cachedPlanOfUpdateById);
    expect(intake).toMatch(/Index Scan using alerts_pkey on alerts|Bitmap Index Scan on alerts_pkey/);
    expect(intake).not.toContain('Seq Scan on alerts');
  });
});

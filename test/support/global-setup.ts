import pg from 'pg';

const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * Decides once whether the PostgreSQL suite runs. In CI it must: an unreachable server fails
 * the run instead of silently testing PGlite alone.
 */
export default async function setup(): Promise<void> {
  const explicit = process.env.TEST_DATABASE_URL;
  const url = explicit || DEFAULT_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.TEST_DATABASE_URL = url;
  } catch (error) {
    if (explicit || process.env.CI === 'true') {
      throw new Error(`PostgreSQL for the test suite is not reachable at TEST_DATABASE_URL (${(error as Error).message}).`);
    }
    console.warn(`PostgreSQL not reachable at ${DEFAULT_URL}: running the suite on embedded PGlite only.`);
    delete process.env.TEST_DATABASE_URL;
  } finally {
    await client.end().catch(() => {});
  }
}

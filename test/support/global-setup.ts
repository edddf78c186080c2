import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LEFT_BY } from './left-by.js';
import { BROWSER_CACHE_FILES } from './browser-cache-files.js';

const DEFAULT_URL = 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * Decides once whether the PostgreSQL suite runs. In CI it must: an unreachable server fails
 * the run instead of silently testing PGlite alone.
 */
export default async function setup(): Promise<() => void> {
  const cleanUp = ownTempFolder();
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
  return cleanUp;
}

/**
 * Every temp folder the suite makes (the test bots' DATA_DIRs, the CLI's, PGlite's, the stand-ins')
 * goes in one folder of its own: workers and the processes they start inherit TMPDIR. At the end
 * it is deleted, whatever a crashed test left, and what was left is named, so a test that
 * forgets to clean up is seen and fixed rather than filling /tmp.
 */
function ownTempFolder(): () => void {
  const folder = mkdtempSync(join(tmpdir(), 'incident-bot-suite-'));
  // Others may pass through, as in /tmp: a private PostgreSQL runs as the postgres user in a folder here.
  chmodSync(folder, 0o755);
  process.env.TMPDIR = folder;
  return () => {
    const left = readdirSync(folder).filter((name) => !BROWSER_CACHE_FILES.has(name)).map((name) => {
      const marker = join(folder, name, LEFT_BY);
      return existsSync(marker) ? `${name} (${readFileSync(marker, 'utf8')})` : name;
    });
    if (left.length > 0) console.warn(`Left in the suite's temp folder by tests that did not clean up (deleted now): ${left.join(', ')}`);
    rmSync(folder, { recursive: true, force: true });
  };
}

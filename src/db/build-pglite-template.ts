import { PGlite } from '@electric-sql/pglite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openPGlite } from './database.js';
import { migrate } from './migrator.js';
import { pgliteStartParams } from './pglite-settings.js';
import { writePGliteTemplate } from './pglite-template.js';

/**
 * Run at install (postinstall, after the build): makes the embedded-database template that a
 * first start loads. A failure only costs that first start its speed, so it warns and exits 0.
 */
export async function buildPGliteTemplate(): Promise<{ path: string; bytes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pglite-template-'));
  try {
    const dataDir = join(dir, 'pglite');
    const database = await openPGlite(dataDir);
    await migrate(database);
    await database.close();
    const startParams = pgliteStartParams();
    const pglite = await PGlite.create({ dataDir, startParams });
    const archive = Buffer.from(await (await pglite.dumpDataDir('gzip')).arrayBuffer());
    await pglite.close();
    return { path: writePGliteTemplate(startParams, archive), bytes: archive.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  buildPGliteTemplate().then(
    ({ path, bytes }) => console.log(`embedded database template written (${(bytes / 1048576).toFixed(1)} MiB): ${path}`),
    (error: unknown) => console.warn(`could not build the embedded database template (first starts will create the database instead): ${(error as Error).message}`),
  );
}

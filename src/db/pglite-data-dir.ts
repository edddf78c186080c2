import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pgliteTemplatePath } from './pglite-template.js';

// Plain CommonJS for `node --eval`: PGlite's own CJS build, found by absolute path, so nothing
// depends on the child's working directory or on how the bot itself was loaded (tsx, dist).
const INIT_SCRIPT = `
const [dataDir, pglitePath, startParams, tarPath, template] = process.argv.slice(1);
const created = template
  ? Promise.resolve().then(() => { require('node:fs').mkdirSync(dataDir, { recursive: true }); require(tarPath).x({ file: template, cwd: dataDir, sync: true }); })
  : require(pglitePath).PGlite.create({ dataDir, startParams: JSON.parse(startParams) }).then((db) => db.close());
created.then(() => process.exit(0), (error) => { console.error(error && error.message); process.exit(1); });
`;

/**
 * Creates a new embedded database cluster in a short-lived child process: by unpacking the
 * install-time template when there is one for this build (a ready, migrated cluster, about three
 * times quicker), else by initdb. PGlite's WebAssembly memory only grows: run in the bot's own
 * process, initdb leaves about 600 MB resident for the life of the process (and a worker thread
 * still leaves about 100 MB in the allocator); unpacking leaves its buffers behind too. A child's
 * memory goes back to the OS when it exits.
 */
export async function initializePGliteDataDir(dataDir: string, startParams: string[]): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const require = createRequire(import.meta.url);
  const template = pgliteTemplatePath(startParams);
  const args = [dataDir, require.resolve('@electric-sql/pglite'), JSON.stringify(startParams), require.resolve('tar'), existsSync(template) ? template : ''];
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--eval', INIT_SCRIPT, ...args], { env: {} }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`creating the embedded database in ${dataDir} failed: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

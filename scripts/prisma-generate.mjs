// Generates the Prisma client on install, offline. `prisma generate` never runs the schema
// engine, but it tries to download it unless PRISMA_SCHEMA_ENGINE_BINARY names an existing
// file; pointing it at any executable lets generate work on machines that cannot reach
// Prisma's binary host, and changes nothing where the download would work.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const env = { ...process.env };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) {
  env.PRISMA_SCHEMA_ENGINE_BINARY = existsSync('/bin/false') ? '/bin/false' : process.execPath;
}
env.PRISMA_HIDE_UPDATE_MESSAGE = '1';
const prismaCli = require.resolve('prisma/build/index.js');
const result = spawnSync(process.execPath, [prismaCli, 'generate'], { env, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('prisma generate failed: the database client could not be generated (see above).');
  process.exit(result.status ?? 1);
}

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectRoot } from '../project-root.js';
import { readMigrations } from './migrator.js';

/**
 * A new embedded database made at install time (initdb plus every migration), so that a first
 * start copies it in instead of spending seconds creating the cluster. The file name is a hash
 * of everything the result depends on (PGlite's version, the server settings, each migration),
 * so a stale template is never used: the bot falls back to creating the cluster itself.
 */
export function pgliteTemplateKey(startParams: string[]): string {
  const hash = createHash('sha256').update(`pglite ${pgliteVersion()}\n${startParams.join(' ')}\n`);
  for (const migration of readMigrations()) hash.update(`${migration.name} ${migration.checksum}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** PGlite does not export its package.json: found from its entry point. */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

export function pgliteTemplatePath(startParams: string[]): string {
  return join(projectRoot(), 'dist', 'pglite-template', `${pgliteTemplateKey(startParams)}.tar.gz`);
}

/** Writes the template (atomically, so a half-written file is never loaded). */
export function writePGliteTemplate(startParams: string[], archive: Buffer): string {
  const path = pgliteTemplatePath(startParams);
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.partial`;
  writeFileSync(temporary, archive);
  renameSync(temporary, path);
  return path;
}

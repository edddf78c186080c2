import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root.js';

/** The team's captured payload samples live beside the repository, in shared/fixtures. */
export function sharedFixture(path: string): unknown {
  return JSON.parse(readFileSync(join(projectRoot(), '..', 'shared', 'fixtures', path), 'utf8'));
}

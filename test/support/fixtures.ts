import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/project-root.js';

/** Real payload samples of the tools we integrate with (see test/fixtures/samples/SOURCES.md). */
export function sharedFixture(path: string): unknown {
  return JSON.parse(readFileSync(samplePath(path), 'utf8'));
}

export function samplePath(path: string): string {
  return join(projectRoot(), 'test', 'fixtures', 'samples', path);
}

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../src/project-root.js';

/** The PostgreSQL server the benchmarks make their own databases on. */
export const ADMIN_URL = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * BENCH_QUICK=1 shrinks every benchmark to a few seconds: figures meaningless, but each code
 * path runs and each result file is written (the harness test uses it).
 */
export const QUICK = process.env.BENCH_QUICK === '1';

/** What `npm run bench` runs, in this order; each is bench/<name>.ts with a bench:<name> script. */
export const BENCHMARKS = ['ingest', 'storm', 'timers', 'paging', 'reports', 'web-console', 'idle-memory', 'startup', 'body-flood', 'storage'] as const;

export function resultsDir(): string {
  return process.env.BENCH_RESULTS_DIR ?? join(projectRoot(), 'bench', 'results');
}

/** Run from bench/*.ts (tsx) the benchmarks measure src/; run from dist/bench/*.js, the build. */
export const FROM_SOURCE = fileURLToPath(import.meta.url).endsWith('.ts');

/** node arguments that start `script` (a path under the project without extension) the same way. */
export function nodeArgs(script: string): string[] {
  const root = projectRoot();
  return FROM_SOURCE ? ['--import', 'tsx', join(root, `${script}.ts`)] : [join(root, 'dist', `${script}.js`)];
}

import { PGlite } from '@electric-sql/pglite';

/**
 * Server settings for the embedded PostgreSQL. PGlite runs one backend in one process, so the
 * server defaults sized for 100 connections and a 128 MB buffer pool mostly cost resident
 * memory (about 120 MB of the bot's idle RSS) and buy nothing: the bot's working set is small,
 * and pages outside the pool still come from the OS page cache.
 */
export const PGLITE_SERVER_SETTINGS: Record<string, string> = {
  shared_buffers: '16MB',
  max_connections: '5',
};

export function pgliteStartParams(): string[] {
  return [...PGlite.defaultStartParams, ...Object.entries(PGLITE_SERVER_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
}

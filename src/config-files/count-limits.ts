import { asRecord } from './plain-data.js';

export interface CountOverLimit {
  /** Where the first entry past the limit is. */
  path: (string | number)[];
  count: number;
  max: number;
}

/**
 * Checks the size of a top-level list or map before the schema walks it: a file within the size
 * limit can still hold tens of thousands of steps or people, and everything downstream (checks,
 * chat cards, rotation math) would pay for each.
 */
export function countOverLimit(value: unknown, key: string, max: number): CountOverLimit | undefined {
  const entries = asRecord(value)[key];
  if (Array.isArray(entries)) return entries.length > max ? { path: [key, max], count: entries.length, max } : undefined;
  if (typeof entries !== 'object' || entries === null) return undefined;
  const keys = Object.keys(entries);
  return keys.length > max ? { path: [key, keys[max]!], count: keys.length, max } : undefined;
}

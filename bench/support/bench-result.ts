import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resultsDir } from './bench-settings.js';

/** One headline figure, shown in the table of `npm run bench`. */
export interface Headline {
  label: string;
  value: number;
  unit: string;
}

/** A limit the project promises (issue 9): idle memory, start-up time; (issue 20) ingest rates. */
export interface Target {
  name: string;
  limit: number;
  unit: string;
  value: number;
  met: boolean;
  /** A floor (the value must reach the limit) rather than a ceiling (it must stay under it). */
  atLeast?: boolean;
}

export function target(name: string, value: number, limit: number, unit: string): Target {
  return { name, limit, unit, value, met: value < limit };
}

/** A rate the project promises to reach: met when value >= limit. */
export function floorTarget(name: string, value: number, limit: number, unit: string): Target {
  return { name, limit, unit, value, met: value >= limit, atLeast: true };
}

export function describeTarget(t: Target): string {
  return `target ${t.name} ${t.atLeast ? '>=' : '<'} ${t.limit} ${t.unit}: ${t.value} ${t.unit}, ${t.met ? 'met' : 'MISSED'}`;
}

/**
 * Writes bench/results/<name>.json: the benchmark's own figures, plus the headlines and targets
 * that `npm run bench` gathers into latest.json.
 */
export function writeResult(name: string, figures: Record<string, unknown> & { headlines: Headline[]; targets?: Target[] }): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ benchmark: name, at: new Date().toISOString(), targets: [], ...figures }, null, 2) + '\n');
  return file;
}

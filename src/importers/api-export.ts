import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** A problem with the exported files, said with the file and what was expected. */
export class ImportInputError extends Error {
  override name = 'ImportInputError';
}

const MAX_FILE_BYTES = 50 * 1024 * 1024;

function readJson(file: string): unknown {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) throw new ImportInputError(`${file} is ${size} bytes; an export file may be at most 50 MiB`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ImportInputError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

/**
 * The items of one API listing, as saved from the tool's REST API: `<name>.json`, and the further
 * pages `<name>-2.json`, `<name>-3.json` ... (or every file in a `<name>/` folder, one object each).
 * `field` is where the list is in each answer ("data" for Opsgenie, "users" for PagerDuty's /users);
 * a file holding one object under `single` ("schedule" for GET /schedules/{id}) counts as one item.
 */
export function readListing(dir: string, name: string, field: string, single?: string): { items: Record<string, unknown>[]; files: string[] } {
  const files = readdirSync(dir)
    .filter((file) => file === `${name}.json` || new RegExp(`^${name}-\\d+\\.json$`).test(file))
    .sort((a, b) => a.length - b.length || a.localeCompare(b))
    .map((file) => join(dir, file));
  const folder = join(dir, name);
  if (existsSync(folder) && statSync(folder).isDirectory()) {
    files.push(...readdirSync(folder).filter((file) => file.endsWith('.json')).sort().map((file) => join(folder, file)));
  }
  const items: Record<string, unknown>[] = [];
  for (const file of files) {
    const body = readJson(file) as Record<string, unknown> | null;
    const list = body?.[field];
    const one = single ? body?.[single] : undefined;
    if (Array.isArray(list)) items.push(...list.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object'));
    else if (list && typeof list === 'object') items.push(list as Record<string, unknown>);
    else if (one && typeof one === 'object') items.push(one as Record<string, unknown>);
    else throw new ImportInputError(`${file} has no "${field}"${single ? ` or "${single}"` : ''}: save the body of the API answer as it came`);
  }
  return { items, files };
}

/** Per-object calls saved in a folder (e.g. schedule-overrides/<schedule id>.json): file name without .json, and its list. */
export function readPerObject(dir: string, folderName: string, field: string): Map<string, Record<string, unknown>[]> {
  const folder = join(dir, folderName);
  const out = new Map<string, Record<string, unknown>[]>();
  if (!existsSync(folder) || !statSync(folder).isDirectory()) return out;
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
    const body = readJson(join(folder, file)) as Record<string, unknown> | null;
    const list = body?.[field];
    if (!Array.isArray(list)) throw new ImportInputError(`${join(folder, file)} has no "${field}" list`);
    out.set(file.slice(0, -'.json'.length), list as Record<string, unknown>[]);
  }
  return out;
}

export const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
export const num = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) ? value : undefined);
export const obj = (value: unknown): Record<string, unknown> => (value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
export const arr = (value: unknown): Record<string, unknown>[] => (Array.isArray(value) ? value.map(obj) : []);

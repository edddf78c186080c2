import { storableJson } from '../db/storable-text.js';
import { AppError } from '../errors.js';

/** Far deeper than any monitoring tool nests; deeper only ever comes from a fuzzer or an attacker. */
export const MAX_JSON_DEPTH = 64;

/**
 * A webhook body as a value the rest of the bot can store: bodies sent without a JSON content
 * type (curl -d) arrive as text and are parsed the same way; nesting is bounded (JSON.stringify
 * and jsonb both recurse); text PostgreSQL cannot hold is replaced (see storable-text).
 */
export function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string') return body ?? {};
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new AppError('invalid_json', `The body is not valid JSON: ${(error as Error).message}`);
  }
  const tooDeep = nestsDeeperThan(value, MAX_JSON_DEPTH) ? pathBeyondDepth(value, MAX_JSON_DEPTH) : undefined;
  if (tooDeep !== undefined) {
    throw new AppError('invalid_json', `The body nests deeper than ${MAX_JSON_DEPTH} levels`, {
      problems: [{ path: tooDeep, message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
  }
  // Text PostgreSQL cannot hold reaches JSON.parse only as a \u escape: without one, nothing to walk.
  return ESCAPED_UNSTORABLE.test(body) ? storableJson(value) : value;
}

/** NUL or a surrogate (perhaps unpaired) written as a \u escape; other text decoded from UTF-8 is storable. */
const ESCAPED_UNSTORABLE = /\\u(?:0000|d[89a-f])/i;

/** Whether anything is nested deeper than `max`: the cheap walk every body takes, with no paths. */
function nestsDeeperThan(root: unknown, max: number): boolean {
  const stack: unknown[] = [root];
  const depths: number[] = [0];
  while (stack.length > 0) {
    const value = stack.pop();
    const depth = depths.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (child !== null && typeof child === 'object') {
        stack.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/** The path of the first value nested deeper than `max`, found without recursion. */
function pathBeyondDepth(root: unknown, max: number): string | undefined {
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: root, depth: 0, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth >= max) return path || '(root)';
    if (Array.isArray(value)) {
      value.forEach((item, index) => stack.push({ value: item, depth: depth + 1, path: `${path}[${index}]` }));
    } else {
      for (const key of Object.keys(value)) stack.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, path: path ? `${path}.${key}` : key });
    }
  }
  return undefined;
}

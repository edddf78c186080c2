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
  const tooDeep = pathBeyondDepth(value, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) {
    throw new AppError('invalid_json', `The body nests deeper than ${MAX_JSON_DEPTH} levels`, {
      problems: [{ path: tooDeep, message: `nested deeper than ${MAX_JSON_DEPTH} levels` }],
    });
  }
  return storableJson(value);
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

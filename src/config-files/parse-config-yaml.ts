import { isAlias, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { formatPath } from '../errors.js';
import type { ConfigFileProblem } from './config-file-problem.js';
import { yamlShapeProblem, type YamlShapeLimits } from './yaml-shape.js';

/**
 * How many values aliases may expand to, counted as the yaml library counts them (uses of an
 * anchor times the aliases inside it): a shared block reused a few dozen times passes, a
 * "billion laughs" file of aliases of aliases is refused.
 */
export const MAX_ALIAS_COUNT = 100;

export type ParsedConfigYaml =
  | {
      ok: true;
      doc: Document;
      lineCounter: LineCounter;
      /** The document as plain data, for the schema. */
      value: unknown;
      /** Keys set twice in one map: the file is refused, but every other check still runs. */
      problems: ConfigFileProblem[];
    }
  | { ok: false; problems: ConfigFileProblem[] };

/**
 * Parses a configuration file's text as untrusted YAML. Never throws: a text past `limits`
 * (refused before the parser sees it), syntax errors, alias bombs and anything the parser itself
 * throws all come back as problems with the file, line and column.
 */
export function parseConfigYaml(text: string, file: string, limits: YamlShapeLimits): ParsedConfigYaml {
  const lineCounter = new LineCounter();
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, column: col };
  };
  const tooLarge = yamlShapeProblem(text, limits);
  if (tooLarge) return { ok: false, problems: [{ ...lineAndColumn(text, tooLarge.offset, file), path: '(yaml)', message: tooLarge.message }] };
  let doc: Document;
  try {
    // Duplicate keys are found below, in one pass: the parser's own check compares every key
    // with every earlier one, which a map of a few thousand keys turns into minutes.
    doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  } catch (error) {
    return { ok: false, problems: [{ file, line: 1, column: 1, path: '(yaml)', message: `could not be parsed: ${(error as Error).message}` }] };
  }
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((error) => ({ ...position(error.pos[0]), path: '(yaml)', message: error.message.split('\n')[0]! })) };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    const alias = firstAlias(doc);
    const where = alias ? position(alias) : { file, line: 1, column: 1 };
    const message = /alias/i.test((error as Error).message)
      ? `aliases expand too often (more than ${MAX_ALIAS_COUNT} times, counting aliases inside aliases, as a "billion laughs" file does): not read`
      : `could not be read: ${(error as Error).message}`;
    return { ok: false, problems: [{ ...where, path: '(yaml)', message }] };
  }
  return { ok: true, doc, lineCounter, value, problems: duplicateKeys(doc, position) };
}

/** Finds the line and column of the deepest node of `path` that exists in the document. */
export function problemLocator(doc: Document, lineCounter: LineCounter, file: string, shownPath: (path: readonly PropertyKey[]) => readonly PropertyKey[] = (path) => path) {
  return (path: readonly PropertyKey[], message: string): ConfigFileProblem => {
    const keys = path.map((part) => (typeof part === 'number' ? part : String(part)));
    for (let depth = keys.length; depth >= 0; depth--) {
      const node = doc.getIn(keys.slice(0, depth), true);
      if (isNode(node) && node.range) {
        const { line, col } = lineCounter.linePos(node.range[0]);
        return { file, line, column: col, path: formatPath(shownPath(path)), message };
      }
    }
    return { file, line: 1, column: 1, path: formatPath(shownPath(path)), message };
  };
}

// The key itself is not repeated in the message: under pagerduty_routing_keys it is a credential.
function duplicateKeys(doc: Document, position: (offset: number) => Omit<ConfigFileProblem, 'path' | 'message'>): ConfigFileProblem[] {
  const problems: ConfigFileProblem[] = [];
  visit(doc, {
    Map(_, map) {
      const firstAt = new Map<string, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key) || !pair.key.range) continue;
        const key = String(pair.key.value);
        const first = firstAt.get(key);
        if (first === undefined) firstAt.set(key, pair.key.range[0]);
        else problems.push({ ...position(pair.key.range[0]), path: '(yaml)', message: `this key is already set on line ${position(first).line}` });
      }
    },
  });
  return problems;
}

function firstAlias(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Alias(_, alias) {
      if (isAlias(alias) && alias.range) {
        found = alias.range[0];
        return visit.BREAK;
      }
    },
  });
  return found;
}

function lineAndColumn(text: string, offset: number, file: string): Omit<ConfigFileProblem, 'path' | 'message'> {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { file, line, column: offset - lineStart + 1 };
}

/** A problem in a configuration file, located the way editors and CI annotate: file:line:col path: message. */
export interface ConfigFileProblem {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

/** Where a problem that concerns the whole file (its kind, its size) is shown. */
export const WHOLE_FILE = '(file)';

/**
 * Problems shown per file at most: a hostile file can hold thousands, and each one becomes a log
 * line and an audit detail. Fifty is more than anyone fixes before running the check again.
 */
export const MAX_PROBLEMS_PER_FILE = 50;

export function formatConfigFileProblem(problem: ConfigFileProblem): string {
  return `${problem.file}:${problem.line}:${problem.column} ${problem.path}: ${problem.message}`;
}

export function wholeFileProblem(file: string, message: string): ConfigFileProblem {
  return { file, line: 1, column: 1, path: WHOLE_FILE, message };
}

/** Top to bottom, as the reader fixes them; at most MAX_PROBLEMS_PER_FILE, then a count of the rest. */
export function inFileOrder(problems: readonly ConfigFileProblem[]): ConfigFileProblem[] {
  const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
  if (sorted.length <= MAX_PROBLEMS_PER_FILE) return sorted;
  const rest = sorted.length - MAX_PROBLEMS_PER_FILE;
  const next = sorted[MAX_PROBLEMS_PER_FILE]!;
  return [...sorted.slice(0, MAX_PROBLEMS_PER_FILE), { ...next, path: WHOLE_FILE, message: `and ${rest} more problem(s) from here on, not shown` }];
}

/**
 * Cross-reference problems where the schema already complained add nothing (a `next` that is not
 * even an id is not also "no such step"): the schema's says what to fix.
 */
export function besidesSchemaProblems(crossProblems: readonly ConfigFileProblem[], schemaProblems: readonly ConfigFileProblem[]): ConfigFileProblem[] {
  const taken = new Set(schemaProblems.map((problem) => problem.path));
  return crossProblems.filter((problem) => !taken.has(problem.path));
}

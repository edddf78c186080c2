import type { z } from 'zod';
import { besidesSchemaProblems, inFileOrder, type ConfigFileProblem } from './config-file-problem.js';
import { countOverLimit } from './count-limits.js';
import { parseConfigYaml, problemLocator } from './parse-config-yaml.js';
import type { YamlShapeLimits } from './yaml-shape.js';

/** What one kind of configuration file is checked against, besides YAML itself. */
export interface ConfigDocumentRules<T> {
  shape: YamlShapeLimits;
  /** Sections whose entries are counted before anything walks them, with the message for too many. */
  counts: { section: string; max: number; message(count: number): string }[];
  schema: z.ZodType<T>;
  /** Checks between entries, read leniently from the raw value so they run even where the schema failed. */
  crossChecks(raw: unknown): [(string | number)[], string][];
  /** How a path is shown in problems (a credential in a key is shortened). */
  shownPath?: (path: readonly PropertyKey[]) => readonly PropertyKey[];
}

/**
 * Parses a configuration file's text and checks it in one pass, so the reader meets every problem
 * at once: YAML and its limits, the counts, the schema and the cross references, top to bottom,
 * each as file:line:col. The same for oncall.yaml and every playbook.
 */
export function checkConfigDocument<T>(text: string, file: string, rules: ConfigDocumentRules<T>): { ok: true; data: T } | { ok: false; problems: ConfigFileProblem[] } {
  const yaml = parseConfigYaml(text, file, rules.shape);
  if (!yaml.ok) return { ok: false, problems: inFileOrder(yaml.problems) };
  const at = problemLocator(yaml.doc, yaml.lineCounter, file, rules.shownPath);
  const tooMany = rules.counts.flatMap(({ section, max, message }) => {
    const over = countOverLimit(yaml.value, section, max);
    return over ? [at(over.path, message(over.count))] : [];
  });
  if (tooMany.length) return { ok: false, problems: inFileOrder([...yaml.problems, ...tooMany]) };
  const parsed = rules.schema.safeParse(yaml.value);
  const schemaProblems = parsed.success
    ? []
    : parsed.error.issues.map((issue) =>
        // Point at the unknown key itself, not at the map that holds it.
        issue.code === 'unrecognized_keys' ? at([...issue.path, issue.keys[0]!], issue.message) : at(issue.path, issue.message),
      );
  const crossProblems = rules.crossChecks(yaml.value).map(([path, message]) => at(path, message));
  const problems = [...yaml.problems, ...schemaProblems, ...besidesSchemaProblems(crossProblems, schemaProblems)];
  if (!parsed.success || problems.length) return { ok: false, problems: inFileOrder(problems) };
  return { ok: true, data: parsed.data };
}

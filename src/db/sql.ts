import { isStorableText, storableJson, storableText } from './storable-text.js';

/**
 * Parameterized SQL built with a tagged template: every interpolated value becomes a $n
 * parameter, fragments nest, and nothing is ever spliced into the text. The hot paths
 * (ingestion, the job engine, incident transitions) use it on a native connection, where
 * Prisma would add about half a millisecond per statement. Text PostgreSQL cannot hold (NUL)
 * is replaced here, once for every caller, rather than failing the transaction.
 */
export class SqlFragment {
  /** Set by `prepared`: the server keeps the statement's plan, per connection, under this name. */
  statementName?: string;

  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  /** The text with $1..$n placeholders and the parameters in order. */
  toQuery(): { text: string; params: unknown[] } {
    const params: unknown[] = [];
    const text = this.render(params);
    return { text, params };
  }

  private render(params: unknown[]): string {
    let text = this.strings[0]!;
    for (let i = 0; i < this.values.length; i++) {
      const value = this.values[i];
      if (value instanceof SqlFragment) {
        text += value.render(params);
      } else {
        params.push(typeof value === 'string' && !isStorableText(value) ? storableText(value) : value);
        text += `$${params.length}`;
      }
      text += this.strings[i + 1]!;
    }
    return text;
  }
}

export function sql(strings: TemplateStringsArray, ...values: unknown[]): SqlFragment {
  return new SqlFragment(strings, values);
}

export function join(fragments: SqlFragment[], separator = ', '): SqlFragment {
  if (fragments.length === 0) return new SqlFragment([''], []);
  const strings = [''];
  const values: unknown[] = [];
  fragments.forEach((fragment, index) => {
    if (index > 0) strings[strings.length - 1] += separator;
    values.push(fragment);
    strings.push('');
  });
  return new SqlFragment(strings, values);
}

export const empty = new SqlFragment([''], []);

/**
 * A set of rows as one JSON parameter, read as table `r` with the given columns (constant text,
 * never input) and `e.ord`, each row's place in the list, for ORDER BY.
 */
export function jsonRecords(rows: readonly unknown[], columns: string): SqlFragment {
  return new SqlFragment(
    ['json_array_elements(', `::json) WITH ORDINALITY AS e(value, ord) CROSS JOIN LATERAL json_to_record(e.value) AS r(${columns})`],
    [json(rows)],
  );
}

/**
 * A statement whose text never changes (its values travel as parameters, sets of rows as one JSON
 * parameter): PostgreSQL parses and plans it once per connection instead of on every call. The
 * hot paths of ingestion use it; a name must always go with the same text.
 *
 * Not for a look-up of a list of keys (`= ANY (array)`) in a table whose size swings: after five
 * runs PostgreSQL keeps a generic plan, and one made while the table was small (the jobs table
 * between storms, every table of a new install) scans it whole for every key once it is large.
 * Auto-explain of an opens run showed most job completions and incident and alert locks doing
 * that. Those statements are sent unprepared and planned with their values each time. A
 * per-key look-up through LATERAL ... LIMIT 1 (readAlertStates) keeps its index scan, and so does
 * any statement on the intake's own connections, which prefer index paths (openPostgres).
 */
export function prepared(name: string, fragment: SqlFragment): SqlFragment {
  fragment.statementName = name;
  return fragment;
}

/** An escape jsonb refuses: \u0000, or a surrogate JSON.stringify wrote escaped because it was unpaired. */
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** JSON for a jsonb parameter (pg would send an array as a PostgreSQL array, not JSON). */
export function json(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(value);
  // Rare, so only then is the value copied and cleaned (see storable-text).
  return UNSTORABLE_ESCAPE.test(text) ? JSON.stringify(storableJson(structuredClone(value))) : text;
}

/** A connection inside a transaction (or outside one, for single statements). */
export interface Sql {
  query<Row = Record<string, unknown>>(fragment: SqlFragment): Promise<Row[]>;
}

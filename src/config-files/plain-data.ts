/**
 * Lenient reads of a parsed YAML document, for the checks that run even where the schema failed
 * (a reference to a missing step or person is reported in the same pass as a misspelt key).
 */
export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Own keys only: a person called "constructor" is not found on Object's prototype. */
export function hasKey(table: Record<string, unknown>, key: string | undefined): boolean {
  return key !== undefined && Object.hasOwn(table, key);
}

/**
 * PostgreSQL cannot store two things a JavaScript string can hold: NUL (text and jsonb refuse
 * U+0000) and unpaired UTF-16 surrogates (jsonb refuses the \uD800 escape JSON.stringify
 * writes for them). Senders do produce both (a C string's terminator, text cut mid-emoji), and
 * losing an alert over one character would be worse than showing U+FFFD in its place.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const REPLACEMENT = '\uFFFD';

export function storableText(text: string): string {
  return text.replace(UNSTORABLE, REPLACEMENT);
}

export function isStorableText(text: string): boolean {
  UNSTORABLE.lastIndex = 0;
  return !UNSTORABLE.test(text);
}

/**
 * The same for every string and key of parsed JSON, in place. Keys are redefined, never
 * assigned, so a "__proto__" key stays an ordinary property and cannot reach a prototype.
 */
export function storableJson<T>(value: T): T {
  return fix(value) as T;
}

/** Recursive: callers bound the nesting first (see maxJsonDepth). */
function fix(value: unknown): unknown {
  if (typeof value === 'string') return isStorableText(value) ? value : storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = fix(value[i]);
    return value;
  }
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    const fixed = fix(object[key]);
    const storableKey = isStorableText(key) ? key : storableText(key);
    if (storableKey !== key) delete object[key];
    if (storableKey !== key || fixed !== object[key]) {
      Object.defineProperty(object, storableKey, { value: fixed, writable: true, enumerable: true, configurable: true });
    }
  }
  return object;
}

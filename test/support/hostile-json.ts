import fc from 'fast-check';

/** Arbitraries for payloads a careless or hostile sender might post: mutated real samples, random JSON, broken bytes. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '', ' ', '\u0000', 'a\u0000b', '\uD800', 'x\uDFFFy', '\uD83D', '🔥', ...PROTOTYPE_KEYS,
      "'; DROP TABLE incidents; --", '%_', '\\', '$1',
      '0001-01-01T00:00:00Z', '-271821-04-20T00:00:00Z', '+275760-09-13T00:00:00Z', '9999-12-31T23:59:59Z', '2026-11-24T00:00:00Z', '1', 'yesterday',
      'firing', 'resolved', 'trigger', 'acknowledge', 'resolve', 'critical', 'warning', 'info', 'sev1', 'P1', '4', '0', '-1', '1e309', 'NaN',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'ж'.repeat(n)) },
);

/** Nesting far deeper than any sender's. */
function nested(depth: number, leaf: Json): Json {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1, 4, 5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2)) },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, true, false, [], {}) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }).map((text) => JSON.parse(text) as Json) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 1_000 }).map((depth) => nested(depth, 'deep')) },
);

type Mutation =
  | { op: 'delete'; at: number }
  | { op: 'duplicate'; at: number; times: number }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'addKey'; at: number; key: string; value: Json }
  | { op: 'wrap'; at: number; depth: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), times: fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 1_200 })) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('addKey' as const), at: fc.nat(), key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), hostileString), value: hostileValue }) },
  fc.record({ op: fc.constant('wrap' as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 100 }) }),
);

type Slot = { parent: Json[] | { [key: string]: Json } | undefined; key: string | number };

function slots(root: { value: Json }): Slot[] {
  const out: Slot[] = [{ parent: root as unknown as { [key: string]: Json }, key: 'value' }];
  // Mutations land in the first levels, where the schema is; deeper only holds earlier mutations' nesting.
  const walk = (value: Json, depth: number) => {
    if (depth > 8) return;
    if (Array.isArray(value)) value.forEach((item, index) => (out.push({ parent: value, key: index }), walk(item, depth + 1)));
    else if (value && typeof value === 'object') for (const key of Object.keys(value)) (out.push({ parent: value, key }), walk(value[key]!, depth + 1));
  };
  walk(root.value, 0);
  return out;
}

/** An own property even for "__proto__", as JSON.parse would make it. */
function put(target: Json[] | { [key: string]: Json }, key: string | number, value: Json): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}

function apply(root: { value: Json }, m: Mutation): void {
  const all = slots(root);
  const slot = all[m.at % all.length]!;
  const parent = slot.parent!;
  const current = (parent as Record<string | number, Json>)[slot.key]!;
  switch (m.op) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(slot.key as number, 1);
      else if (parent !== (root as unknown)) delete parent[slot.key as string];
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(slot.key as number, 0, ...Array.from({ length: m.times }, () => structuredClone(current)));
      else put(parent, `${String(slot.key)}_${m.times}`, structuredClone(current));
      break;
    // Generated values may be shared constants: each mutation gets its own copy.
    case 'replace':
      put(parent, slot.key, structuredClone(m.value));
      break;
    case 'addKey':
      if (current && typeof current === 'object' && !Array.isArray(current)) put(current, m.key, structuredClone(m.value));
      else {
        const holder = {};
        put(holder, m.key, structuredClone(m.value));
        put(parent, slot.key, holder);
      }
      break;
    case 'wrap':
      put(parent, slot.key, nested(m.depth, current));
      break;
  }
}

export function mutatedSample(samples: readonly unknown[]): fc.Arbitrary<Json> {
  return fc.record({ sample: fc.nat({ max: samples.length - 1 }), mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }) }).map(({ sample, mutations }) => {
    const root = { value: structuredClone(samples[sample]) as Json };
    for (const m of mutations) apply(root, m);
    return root.value;
  });
}

const INVALID_UTF8 = [[0xff], [0xfe, 0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00]];

export interface HostileBody {
  what: string;
  bytes: Buffer;
  contentType?: string;
}

/** What reaches the socket: JSON text of a mutated sample, random JSON, random bytes, broken UTF-8, cut-off text. */
export function hostileBody(samples: readonly unknown[]): fc.Arbitrary<HostileBody> {
  const sampleText = fc.nat({ max: samples.length - 1 }).map((i) => JSON.stringify(samples[i]));
  const body = fc.oneof(
    { weight: 8, arbitrary: mutatedSample(samples).map((value) => ({ what: 'mutated sample', bytes: Buffer.from(JSON.stringify(value) ?? 'null') })) },
    { weight: 1, arbitrary: fc.json({ maxDepth: 4 }).map((text) => ({ what: 'random JSON', bytes: Buffer.from(text) })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2_000 }).map((bytes) => ({ what: 'random bytes', bytes: Buffer.from(bytes) })) },
    {
      weight: 1,
      arbitrary: fc.tuple(sampleText, fc.nat(), fc.constantFrom(...INVALID_UTF8)).map(([text, at, bad]) => {
        const bytes = Buffer.from(text);
        const cut = at % (bytes.length + 1);
        return { what: 'invalid UTF-8', bytes: Buffer.concat([bytes.subarray(0, cut), Buffer.from(bad), bytes.subarray(cut)]) };
      }),
    },
    { weight: 1, arbitrary: fc.tuple(sampleText, fc.nat()).map(([text, at]) => ({ what: 'cut off', bytes: Buffer.from(text.slice(0, at % (text.length + 1))) })) },
  );
  return fc
    .tuple(body, fc.constantFrom<string | undefined>('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', undefined))
    .map(([b, contentType]) => ({
      ...b,
      contentType,
      // Counterexamples of 1 MiB would drown the report: show their start and size.
      [fc.toStringMethod]: () => `${b.what} (${b.bytes.length} bytes, ${contentType ?? 'no content type'}): ${b.bytes.subarray(0, 600).toString('utf8')}`,
    }));
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertmanagerSchema } from '../../../src/alerts/alertmanager.js';
import { plainAlertmanagerPayload } from '../../../src/alerts/plain-alertmanager-payload.js';
import { sharedFixture } from '../../support/fixtures.js';

/** What the schema makes of a body: its reading, or undefined when it refuses it. */
function bySchema(body: unknown) {
  const parsed = alertmanagerSchema.safeParse(body);
  return parsed.success ? parsed.data : undefined;
}

const instant = fc.oneof(
  fc.constantFrom('2026-11-24T10:00:00Z', '2026-11-24T10:00:00.123456789+01:00', '0001-01-01T00:00:00Z', '', 'not a date', '10000-01-01T00:00:00Z', '2026-02-30T00:00:00Z'),
  fc.date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((date) => date.toISOString()),
);
const mapValue = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const stringMap = fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('alertname', 'severity', '__proto__', 'constructor', 'summary')), mapValue, { maxKeys: 4 });
const alert = fc.record(
  {
    status: fc.constantFrom('firing', 'resolved'),
    labels: stringMap,
    annotations: stringMap,
    startsAt: instant,
    endsAt: instant,
    generatorURL: fc.string(),
    fingerprint: fc.oneof(fc.string({ maxLength: 20 }), fc.string({ minLength: 250, maxLength: 260 })),
  },
  { requiredKeys: ['status', 'startsAt', 'fingerprint'] },
);
const payload = fc.record(
  {
    version: fc.constant('4'),
    groupKey: fc.string(),
    truncatedAlerts: fc.oneof(fc.nat(), fc.integer({ min: -3, max: -1 }), fc.double()),
    status: fc.constantFrom('firing', 'resolved'),
    receiver: fc.string(),
    groupLabels: stringMap,
    commonLabels: stringMap,
    commonAnnotations: stringMap,
    externalURL: fc.string(),
    alerts: fc.array(alert, { maxLength: 3 }),
  },
  { requiredKeys: ['alerts'] },
);
/** A body as a sloppy or hostile sender might send it: one field anywhere replaced by any JSON value, or extra fields. */
const mutated = fc.tuple(payload, fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean()).map(([body, pick, value, extra]) => {
  const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown> & { alerts: Record<string, unknown>[] };
  const targets: Record<string, unknown>[] = [copy, ...copy.alerts];
  const target = targets[pick % targets.length]!;
  const keys = [...Object.keys(target), 'labels', 'status', 'startsAt'];
  const key = keys[pick % keys.length]!;
  if (extra) target[`${key}Extra`] = value;
  else target[key] = value;
  return copy;
});

describe('the hand reading of an Alertmanager body', () => {
  it('reads what the schema reads, exactly as it does, and leaves everything else to the schema', () => {
    fc.assert(
      fc.property(fc.oneof(payload, mutated, fc.jsonValue({ maxDepth: 3 })), (body) => {
        const plain = plainAlertmanagerPayload(body);
        const schema = bySchema(body);
        if (plain !== undefined) expect(plain).toStrictEqual(schema);
        if (schema === undefined) expect(plain).toBeUndefined();
      }),
      { numRuns: 3_000 },
    );
  });

  it('reads by hand every well-formed body the schema accepts, whatever its values', () => {
    fc.assert(
      fc.property(payload, (body) => {
        if (bySchema(body) !== undefined) expect(plainAlertmanagerPayload(body)).toBeDefined();
      }),
      { numRuns: 1_000 },
    );
  });

  it('reads the bodies a real Alertmanager sends itself, without the schema', () => {
    for (const name of ['firing', 'resolved', 'partial-resolved']) {
      const body = JSON.parse(JSON.stringify(sharedFixture(`alertmanager/${name}.json`)));
      const plain = plainAlertmanagerPayload(body);
      expect(plain, name).toBeDefined();
      expect(plain).toStrictEqual(bySchema(body));
    }
  });

  it('leaves to the schema, to explain, an alert that ends before it starts and a label that is not text', () => {
    const body = sharedFixture('alertmanager/firing.json') as { alerts: Record<string, unknown>[] };
    const endsEarly = { ...body, alerts: [{ ...body.alerts[0], startsAt: '2026-11-24T10:00:00Z', endsAt: '2026-11-24T09:00:00Z' }] };
    const listLabel = { ...body, alerts: [{ ...body.alerts[0], labels: { team: ['a', 'b'] } }] };
    for (const refused of [endsEarly, listLabel]) {
      expect(plainAlertmanagerPayload(refused)).toBeUndefined();
      expect(bySchema(refused)).toBeUndefined();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { jsonBody, MAX_JSON_DEPTH } from '../../../src/alerts/json-body.js';
import { normalizeAlertmanager } from '../../../src/alerts/alertmanager.js';
import { normalizeGeneric } from '../../../src/alerts/generic.js';
import { normalizeGrafana } from '../../../src/alerts/grafana.js';
import { isStorableText, storableText } from '../../../src/db/storable-text.js';
import { AppError } from '../../../src/errors.js';

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('webhook bodies the database can store', () => {
  it('replaces NUL and unpaired surrogates with U+FFFD, keeping proper pairs', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('cut \uD83D')).toBe('cut \uFFFD');
    expect(storableText('\uDE00 then')).toBe('\uFFFD then');
    expect(storableText('🔥 fine')).toBe('🔥 fine');
    expect(isStorableText('🔥')).toBe(true);
    expect(isStorableText('\uD800')).toBe(false);
  });

  it('does so in every string and key of a body, so the alert is kept rather than refused', () => {
    const body = jsonBody('{"title":"disk\\u0000full","labels":{"k\\ud800":"v\\udfff","ok":"🔥"}}') as Record<string, any>;
    expect(body.title).toBe('disk\uFFFDfull');
    expect(body.labels).toEqual({ 'k\uFFFD': 'v\uFFFD', ok: '🔥' });
  });

  it('keeps "__proto__" an ordinary key and never touches a prototype', () => {
    const body = jsonBody('{"title":"x","labels":{"__proto__":{"polluted":"yes\\u0000"}}}') as Record<string, any>;
    expect(Object.getPrototypeOf(body.labels)).toBe(Object.prototype);
    expect(Object.hasOwn(body.labels, '__proto__')).toBe(true);
    expect(body.labels['__proto__']).toEqual({ polluted: 'yes\uFFFD' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses nesting deeper than the limit, naming where', () => {
    const deep = '{"a":'.repeat(MAX_JSON_DEPTH + 1) + '1' + '}'.repeat(MAX_JSON_DEPTH + 1);
    const error = refusal(() => jsonBody(deep));
    expect(error.code).toBe('invalid_json');
    expect(error.details.problems?.[0]?.path).toBe(Array(MAX_JSON_DEPTH).fill('a').join('.'));
    expect(() => jsonBody('[' .repeat(100_000) + ']'.repeat(100_000))).toThrow(/nests deeper than 64 levels/);
    expect(jsonBody('{"a":'.repeat(MAX_JSON_DEPTH - 1) + '1' + '}'.repeat(MAX_JSON_DEPTH - 1))).toBeTypeOf('object');
  });
});

describe('date-times PostgreSQL can store', () => {
  it('refuses years outside 0001-9999, naming the field', () => {
    const problems = (() => {
      try {
        normalizeGeneric({ title: 'x', starts_at: '-271821-04-20T00:00:00Z' }, new Date());
      } catch (error) {
        return (error as { issues: { path: PropertyKey[]; message: string }[] }).issues;
      }
      return [];
    })();
    expect(problems).toEqual([expect.objectContaining({ path: ['starts_at'], message: expect.stringContaining('years 0001 to 9999') })]);
  });

  it('accepts Alertmanager\'s year 1 and an empty end, refuses an end that is no date', () => {
    const alert = { status: 'firing', labels: { alertname: 'x' }, annotations: {}, startsAt: '2026-11-24T00:00:00Z', fingerprint: 'f' };
    expect(normalizeAlertmanager({ alerts: [{ ...alert, endsAt: '0001-01-01T00:00:00Z' }] }).alerts[0]!.endsAt).toBeUndefined();
    expect(normalizeAlertmanager({ alerts: [{ ...alert, endsAt: '' }] }).alerts[0]!.endsAt).toBeUndefined();
    expect(() => normalizeAlertmanager({ alerts: [{ ...alert, endsAt: ' ' }] })).toThrow(/alerts|endsAt|date-time/);
  });
});

describe('Grafana values of any shape', () => {
  it('shows objects as JSON, even one whose "toString" is not a function', () => {
    const body = jsonBody(JSON.stringify({
      alerts: [{ status: 'firing', labels: { alertname: 'x' }, annotations: {}, startsAt: '2026-11-24T00:00:00Z', fingerprint: 'f', values: { B: 1.5, odd: { toString: 'x' }, list: [1] } }],
    }));
    expect(normalizeGrafana(body).alerts[0]!.description).toBe('Values: B=1.5, odd={"toString":"x"}, list=[1]');
  });
});

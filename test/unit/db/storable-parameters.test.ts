import { describe, expect, it } from 'vitest';
import { json, sql } from '../../../src/db/sql.js';

describe('SQL parameters PostgreSQL can store', () => {
  it('replaces NUL in text parameters, leaving everything else as it was', () => {
    const note = 'a\u0000b';
    expect(sql`INSERT INTO t VALUES (${note}, ${'🔥 fine'}, ${42})`.toQuery()).toEqual({ text: 'INSERT INTO t VALUES ($1, $2, $3)', params: ['a\uFFFDb', '🔥 fine', 42] });
  });

  it('writes jsonb without the escapes jsonb refuses, without touching the value passed in', () => {
    const labels = { 'k\u0000': 'v\uD800', ok: '🔥', literal: '\\u0000 as typed' };
    expect(JSON.parse(json(labels)!)).toEqual({ 'k\uFFFD': 'v\uFFFD', ok: '🔥', literal: '\\u0000 as typed' });
    expect(labels['k\u0000']).toBe('v\uD800');
    expect(json({ plain: 'text' })).toBe('{"plain":"text"}');
    expect(json(undefined)).toBeNull();
  });
});

import { z } from 'zod';
import type { Reader } from '../input-values.js';

/**
 * A path or query value read by one of the shared readers (src/input-values.ts, src/time/):
 * its problem becomes a zod issue at the value's field, which the server answers as a 422
 * naming that field. A value given twice (?limit=1&limit=2) is refused, not guessed at.
 */
export function requestValue<T>(read: Reader<T>) {
  return z.unknown().transform((input, ctx): T => {
    if (typeof input !== 'string') {
      ctx.addIssue({ code: 'custom', message: Array.isArray(input) ? 'must be given once' : 'must be text' });
      return z.NEVER;
    }
    const reading = read(input);
    if (reading.ok) return reading.value;
    ctx.addIssue({ code: 'custom', message: reading.problem });
    return z.NEVER;
  });
}

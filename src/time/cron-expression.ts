import { CronExpressionParser } from 'cron-parser';

const FIELDS = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
export const CRON_FORMAT = 'five fields (minute hour day-of-month month day-of-week) such as "0 9 * * 1"';
// Only to ask cron-parser for one occurrence: whether it is valid does not depend on the date.
const ANY_INSTANT = new Date('2000-01-01T00:00:00Z');

/**
 * Why `expression` is not a five-field cron expression that cron-parser (which schedules the
 * weekly report) accepts, naming the field at fault when one alone is; undefined when it is fine.
 */
export function cronExpressionProblem(expression: string): string | undefined {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== FIELDS.length) return `must be ${CRON_FORMAT}; "${expression}" has ${fields.length}`;
  const refusal = refusalOf(fields.join(' '));
  if (refusal === undefined) return undefined;
  const culprit = fields.findIndex((field, index) => refusalOf(FIELDS.map((_, i) => (i === index ? field : '*')).join(' ')) !== undefined);
  const where = culprit >= 0 ? `the ${FIELDS[culprit]} field "${fields[culprit]}"` : `"${expression}"`;
  return `${where} is not valid: ${refusal} (expected ${CRON_FORMAT})`;
}

function refusalOf(expression: string): string | undefined {
  try {
    CronExpressionParser.parse(expression, { currentDate: ANY_INSTANT, tz: 'UTC' }).next();
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
}

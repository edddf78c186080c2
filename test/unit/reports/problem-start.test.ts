import { describe, expect, it } from 'vitest';
import { problemStart } from '../../../src/reports/postmortem.js';

const opened = new Date('2026-12-06T07:26:00Z');
const minutes = (m: number) => new Date(opened.getTime() + m * 60_000);

describe('problemStart: where "What changed" looks back from', () => {
  it('the first alert held by a maintenance window for three hours began before its incident opened: from its start', () => {
    expect(problemStart(opened, [minutes(-180), minutes(-30)])).toEqual(minutes(-180));
  });
  it('alerts that started after the opening (joined later), or none: from the opening', () => {
    expect(problemStart(opened, [minutes(5)])).toEqual(opened);
    expect(problemStart(opened, [])).toEqual(opened);
  });
  it('a start further back than any hold is a sender clock (a PagerDuty timestamp from 2015), not used', () => {
    expect(problemStart(opened, [new Date('2015-07-17T08:42:58Z'), minutes(-10)])).toEqual(minutes(-10));
  });
});

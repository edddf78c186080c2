import { describe, expect, it } from 'vitest';
import { labelList } from '../../../src/paging/answer-pages.js';
import { digestMessage, type DigestItem } from '../../../src/paging/phone-digest.js';

const incident = (id: number, title = `Disk full on node-${id}`): DigestItem => ({ incidentId: id, severity: 1, title, message: 'paged' });

describe('the message a storm of pages is folded into', () => {
  it('says how many and how to answer them all first, then lists them by number, once per incident', () => {
    const sms = digestMessage([incident(9), incident(4), incident(9), incident(7)], 'sms');
    expect(sms.text).toBe('3 incidents are paging you. Reply "ack all" to acknowledge all 3, or "ack 4" for one. INC-4 SEV1 Disk full on node-4; INC-7 SEV1 Disk full on node-7; INC-9 SEV1 Disk full on node-9');
    expect(sms.answerable).toBe(true);
    const call = digestMessage([incident(9), incident(4)], 'voice');
    expect(call.text).toBe('2 incidents are paging you. The first is INC-4 SEV1 Disk full on node-4. Pressing 1 acknowledges all 2.');
  });

  it('keeps alert text on one line and counts pages about no incident apart', () => {
    const text = digestMessage([incident(3, 'evil\n\rtitle'), { incidentId: null, severity: null, title: null, message: 'Please call\nthe NOC' }], 'sms').text;
    expect(text).toBe('2 pages are waiting for you. Reply "ack all" to acknowledge all 2, or "ack 3" for one. INC-3 SEV1 evil title; Page: Please call the NOC');
    expect(digestMessage([{ incidentId: null, severity: null, title: null, message: 'Test page' }], 'sms')).toMatchObject({ text: '1 page is waiting for you. Page: Test page', answerable: false });
  });

  it('names a few incidents and counts the rest', () => {
    expect(labelList([12])).toBe('INC-12');
    expect(labelList([12, 3])).toBe('INC-3 and INC-12');
    expect(labelList([5, 1, 2, 3, 4, 6])).toBe('INC-1, INC-2, INC-3, INC-4 and 2 more');
  });
});

import { describe, expect, it } from 'vitest';
import { oneSegment, smsLength } from '../../../src/paging/sms/gsm7.js';
import { parseSmsReply } from '../../../src/paging/sms/sms-replies.js';

describe('SMS length (GSM-7 and UCS-2)', () => {
  it('counts GSM-7 at 160 a segment, extension characters as two, and anything else as UCS-2 at 70', () => {
    expect(smsLength('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsLength('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsLength('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsLength('Ünïcode?').encoding).toBe('UCS-2');
    expect(smsLength('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsLength('x'.repeat(69) + '😀').segments).toBe(2);
  });

  it('fits a page in one segment: typographic quotes made plain, then cut with "..."', () => {
    expect(oneSegment('INC-7 SEV1: “Checkout” – 5xx’s')).toBe('INC-7 SEV1: "Checkout" - 5xx\'s');
    const long = oneSegment(`INC-7 SEV1: ${'checkout errors '.repeat(20)}`);
    expect(smsLength(long)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(long.endsWith('...')).toBe(true);
    const greek = oneSegment(`Σφάλμα ${'πληρωμών '.repeat(20)}`);
    expect(smsLength(greek)).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    // Never half an emoji.
    const emoji = oneSegment('😀'.repeat(50));
    expect(emoji).toBe(`${'😀'.repeat(33)}...`);
  });
});

describe('SMS replies to a page', () => {
  it('reads ack and esc with or without an incident number, in any case, and nothing else', () => {
    expect(parseSmsReply('ack')).toEqual({ kind: 'ack' });
    expect(parseSmsReply(' ACK 42 ')).toEqual({ kind: 'ack', incident: 42 });
    expect(parseSmsReply('ack INC-42')).toEqual({ kind: 'ack', incident: 42 });
    expect(parseSmsReply('Acknowledge #7.')).toEqual({ kind: 'ack', incident: 7 });
    expect(parseSmsReply('esc 42')).toEqual({ kind: 'esc', incident: 42 });
    expect(parseSmsReply('escalate')).toEqual({ kind: 'esc' });
    expect(parseSmsReply('ack 42 please')).toEqual({ kind: 'unknown' });
    expect(parseSmsReply('acked')).toEqual({ kind: 'unknown' });
    expect(parseSmsReply('STOP')).toEqual({ kind: 'unknown' });
    expect(parseSmsReply('Ack all')).toEqual({ kind: 'ack', all: true });
    expect(parseSmsReply('esc all')).toEqual({ kind: 'unknown' });
  });
});

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSlackSignature } from '../../../src/chat/slack/slack-request-signature.js';

const SECRET = 'unit-signing-secret';
const NOW_MS = 1_800_000_000_000;
const BODY = 'command=%2Fincident&text=ack';

function signed(timestamp: string, body = BODY, secret = SECRET): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function check(timestampHeader: string | undefined, signatureHeader: string | undefined, nowMs = NOW_MS) {
  return checkSlackSignature({ signingSecret: SECRET, rawBody: BODY, timestampHeader, signatureHeader, nowMs });
}

describe('checkSlackSignature', () => {
  it('accepts a request signed with the secret within 5 minutes either way, keyed by its canonical signature', () => {
    for (const offsetS of [-300, -1, 0, 1, 300]) {
      const timestamp = String(NOW_MS / 1000 + offsetS);
      expect(check(timestamp, signed(timestamp))).toEqual({ ok: true, timestampSec: Number(timestamp), signature: signed(timestamp).slice(3) });
    }
  });

  it('refuses timestamps more than 5 minutes off, in the past and in the future, saying by how much', () => {
    const past = String(NOW_MS / 1000 - 301);
    expect(check(past, signed(past))).toEqual({
      ok: false,
      reason: 'outside_window',
      message: "the Slack request was signed 5m before the bot's current time, more than the 5m allowed either way (a replayed request, or a server clock that is off)",
    });
    const future = String(NOW_MS / 1000 + 10 * 365 * 86_400);
    const refused = check(future, signed(future));
    expect(refused).toMatchObject({ ok: false, reason: 'outside_window' });
    expect(refused.ok || refused.message).toContain("signed 3650d after the bot's current time");
  });

  it('judges the window by the clock it is given, not the machine`s', () => {
    const timestamp = String(NOW_MS / 1000);
    expect(check(timestamp, signed(timestamp), NOW_MS + 6 * 60_000)).toMatchObject({ ok: false, reason: 'outside_window' });
    expect(check(timestamp, signed(timestamp), NOW_MS - 6 * 60_000)).toMatchObject({ ok: false, reason: 'outside_window' });
  });

  it('refuses a wrong secret, a changed body, and any other spelling of the same signature', () => {
    const timestamp = String(NOW_MS / 1000);
    const good = signed(timestamp);
    const refusal = { ok: false, reason: 'bad_signature', message: 'invalid Slack signature' };
    expect(check(timestamp, signed(timestamp, BODY, 'other-secret'))).toEqual(refusal);
    expect(check(timestamp, signed(timestamp, `${BODY}&x=1`))).toEqual(refusal);
    for (const spelling of [`${good}=x`, good.toUpperCase().replace('V0=', 'v0='), ` ${good}`, good.replace('v0=', 'v1='), 'v0=', '']) {
      expect(check(timestamp, spelling), spelling).toEqual(refusal);
    }
    expect(check(undefined, good)).toEqual(refusal);
    expect(check(timestamp, undefined)).toEqual(refusal);
  });

  it('refuses timestamps that are not whole seconds as Slack writes them', () => {
    const timestamp = String(NOW_MS / 1000);
    for (const spelling of [`0${timestamp}`, `${timestamp}.0`, ` ${timestamp}`, `+${timestamp}`, '1e9', 'NaN']) {
      expect(check(spelling, signed(spelling)), spelling).toMatchObject({ ok: false, reason: 'bad_signature' });
    }
  });
});

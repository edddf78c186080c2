import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatDuration } from '../../time/duration.js';

/** Slack's own rule, applied both ways: a request signed more than 5 minutes from now is refused. */
export const SLACK_REQUEST_WINDOW_MS = 5 * 60_000;

// Slack sends whole seconds and `v0=` with 64 lowercase hex digits. Anything else is refused, so
// that one request has exactly one accepted form: Bolt's check splits the header on '=' and
// ignores what follows a second '=', which gave a captured request endless spellings.
const TIMESTAMP = /^[1-9]\d{0,11}$/;
const SIGNATURE = /^v0=([0-9a-f]{64})$/;

export type SlackSignatureCheck =
  | {
      ok: true;
      timestampSec: number;
      /** The HMAC, as computed here: the same for every delivery of the same signed bytes. */
      signature: string;
    }
  | { ok: false; reason: 'bad_signature' | 'outside_window'; message: string };

/**
 * Whether the headers have the only form Slack sends. Checked before the body is read, so a
 * sender without them costs the bot no body at all.
 */
export function slackSignatureHeadersWellFormed(timestampHeader: string | undefined, signatureHeader: string | undefined): boolean {
  return TIMESTAMP.test(timestampHeader ?? '') && SIGNATURE.test(signatureHeader ?? '');
}

/**
 * Checks a request to `/slack/events` as Slack documents it (HMAC-SHA256 of `v0:<timestamp>:<raw
 * body>` with the signing secret), then its timestamp against `nowMs` (the bot's clock, which
 * tests move): older than the window is a replay or a long-delayed request, newer is a request
 * signed ahead of time to stay replayable.
 */
export function checkSlackSignature(input: {
  signingSecret: string;
  rawBody: string;
  timestampHeader: string | undefined;
  signatureHeader: string | undefined;
  nowMs: number;
}): SlackSignatureCheck {
  const timestamp = input.timestampHeader ?? '';
  const given = SIGNATURE.exec(input.signatureHeader ?? '');
  if (!slackSignatureHeadersWellFormed(timestamp, input.signatureHeader) || !given) return { ok: false, reason: 'bad_signature', message: 'invalid Slack signature' };
  const expected = createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:${input.rawBody}`).digest('hex');
  if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(given[1]!, 'hex'))) {
    return { ok: false, reason: 'bad_signature', message: 'invalid Slack signature' };
  }
  const timestampSec = Number(timestamp);
  const skewMs = timestampSec * 1000 - input.nowMs;
  if (Math.abs(skewMs) > SLACK_REQUEST_WINDOW_MS) {
    const distance = formatDuration(Math.abs(skewMs));
    return {
      ok: false,
      reason: 'outside_window',
      message:
        `the Slack request was signed ${distance} ${skewMs < 0 ? 'before' : 'after'} the bot's current time, ` +
        `more than the ${formatDuration(SLACK_REQUEST_WINDOW_MS)} allowed either way (a replayed request, or a server clock that is off)`,
    };
  }
  return { ok: true, timestampSec, signature: expected };
}

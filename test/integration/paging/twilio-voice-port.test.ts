import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioVoicePort } from '../../../src/paging/sms/twilio-voice-port.js';
import { startFakeTwilio } from '../../support/fake-twilio.js';

const SID = `AC${'fedcba9876543210'.repeat(2)}`;

describe('voice calls through Twilio', () => {
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: SID, authToken: 'voice-token' });
  });
  afterAll(() => twilio?.close());

  it('gathers a key only on a call the person can answer: a page, not a test or a verification code', async () => {
    const port = twilioVoicePort({ accountSid: SID, authToken: 'voice-token', fromNumber: '+15005550006', apiUrl: twilio.url, voiceUrl: () => 'https://bot.example.com/twilio/voice' });
    const page = await port.send('+15550100009', { subject: 'INC-3 SEV1: Disk full', text: 'INC-3 SEV1: Disk full & <rising>', answerable: true });
    const code = await port.send('+15550100009', { subject: 'Confirm', text: 'Your code is 123456.' });
    const [paged, verifying] = [page, code].map((sent) => twilio.calls.find((c) => c.sid === sent.providerId)!.twiml);
    expect(paged).toContain('<Gather numDigits="1" timeout="10" action="https://bot.example.com/twilio/voice" method="POST">');
    expect(paged).toContain('<Say>INC-3 SEV1: Disk full &amp; &lt;rising&gt;</Say>');
    expect(verifying).not.toContain('Gather');
    expect(verifying).toContain('<Say>Your code is 123456.</Say>');
  });
});

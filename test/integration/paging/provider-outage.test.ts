import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { emptyOncallConfig, type OncallConfig } from '../../../src/oncall/oncall-config.js';
import { NOTIFICATION_MAX_ATTEMPTS } from '../../../src/paging/page-notifications.js';
import { twilioSmsPort } from '../../../src/paging/sms/twilio-sms-port.js';
import { twilioVoicePort } from '../../../src/paging/sms/twilio-voice-port.js';
import { markVerified } from '../../support/mark-verified.js';
import { startFakeTwilio } from '../../support/fake-twilio.js';
import { startPagingEngine } from '../../support/paging-engine.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH = 'twilio-auth-token-for-outage';
const OMAR = '+15550100012';

function oncall(): OncallConfig {
  const config = emptyOncallConfig();
  config.people.omar = { key: 'omar', name: 'Omar Reyes', timeZone: 'UTC', roles: [], phone: OMAR, notify: { high: [{ via: 'sms', afterMs: 0 }, { via: 'voice', afterMs: 30 * MINUTE }] } };
  config.escalationPolicies.omar = { key: 'omar', name: 'Omar', repeat: 0, levels: [{ targets: [{ kind: 'person', key: 'omar' }], delayMs: 120 * MINUTE }] };
  config.defaultRoute = { ...config.defaultRoute, escalationPolicy: 'omar' };
  return config;
}

describeEachDatabase('a provider outage: pages wait for it and are not lost', (db) => {
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  let engine: ReturnType<typeof startPagingEngine>;
  const config = oncall();
  const prisma = () => db().database.prisma;
  const timeline = async () => (await prisma().timelineEvent.findMany({ orderBy: { id: 'asc' } })).map((e) => e.text);

  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: SID, authToken: AUTH });
  });
  afterAll(() => twilio?.close());
  afterEach(() => engine?.stop());

  async function setUp() {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams, notifications, contact_verifications, sent_messages RESTART IDENTITY CASCADE');
    twilio.messages.length = 0;
    twilio.calls.length = 0;
    await syncDirectory(prisma(), config);
    await markVerified(prisma(), 'omar', { sms: OMAR, voice: OMAR });
    const settings = { accountSid: SID, authToken: AUTH, fromNumber: '+15005550006', apiUrl: twilio.url };
    engine = startPagingEngine(db().database, { config: () => config, contacts: [twilioSmsPort(settings), twilioVoicePort({ ...settings, voiceUrl: () => undefined })] });
  }
  /** Time passes a minute at a time, the engine doing what falls due. */
  const minutesPass = async (minutes: number) => {
    for (let m = 0; m < minutes; m++) {
      await engine.time.advance(MINUTE);
      await engine.runDue();
    }
  };

  it('a few minutes of 500s delay the SMS; it goes once when Twilio is back, and nothing moves on', async () => {
    await setUp();
    for (let i = 0; i < 6; i++) twilio.failNext(500);
    await engine.fire('Checkout down');
    await engine.runDue();
    expect(twilio.messages).toHaveLength(0);
    // Each minute that passes lets the next retry (at most 30 s of back-off away) run.
    await minutesPass(8);
    expect(twilio.messages).toHaveLength(1);
    expect(await timeline()).toContain('SMS to Omar Reyes sent');
    expect((await timeline()).some((t) => t.includes('failed'))).toBe(false);
    expect(twilio.calls).toHaveLength(0);
  });

  it('an outage past the retries fails the SMS, says so, and the call goes at once instead of in half an hour', async () => {
    await setUp();
    for (let i = 0; i < NOTIFICATION_MAX_ATTEMPTS; i++) twilio.failNext(500);
    await engine.fire('Checkout down');
    await engine.runDue();
    await minutesPass(NOTIFICATION_MAX_ATTEMPTS + 2);
    expect(twilio.messages).toHaveLength(0);
    const failed = (await timeline()).find((t) => t.startsWith('SMS to Omar Reyes failed'));
    expect(failed).toMatch(/500.*; voice goes now$/);
    expect(twilio.calls).toHaveLength(1);
  });
});

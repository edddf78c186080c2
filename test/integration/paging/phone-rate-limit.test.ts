import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { emptyOncallConfig, type OncallConfig } from '../../../src/oncall/oncall-config.js';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import type { NotifyStep } from '../../../src/paging/contact-methods.js';
import { recordDeliveryStatus } from '../../../src/paging/notification-delivery.js';
import { answerKeyPress } from '../../../src/paging/sms/key-press.js';
import { smsLength } from '../../../src/paging/sms/gsm7.js';
import { answerSmsReply } from '../../../src/paging/sms/sms-replies.js';
import { twilioSmsPort } from '../../../src/paging/sms/twilio-sms-port.js';
import { twilioVoicePort } from '../../../src/paging/sms/twilio-voice-port.js';
import { markVerified } from '../../support/mark-verified.js';
import { startFakeTwilio } from '../../support/fake-twilio.js';
import { startPagingEngine } from '../../support/paging-engine.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MINUTE = 60_000;
const SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH = 'twilio-auth-token-for-tests';
const HANA = '+15550100009';

function oncall(notify: NotifyStep[]): OncallConfig {
  const config = emptyOncallConfig();
  config.people.hana = { key: 'hana', name: 'Hana Ito', timeZone: 'UTC', roles: [], phone: HANA, notify: { high: notify } };
  config.escalationPolicies.hana = { key: 'hana', name: 'Hana', repeat: 0, levels: [{ targets: [{ kind: 'person', key: 'hana' }], delayMs: 60 * MINUTE }] };
  config.defaultRoute = { ...config.defaultRoute, escalationPolicy: 'hana' };
  return config;
}

describeEachDatabase('the phone limit: a storm of pages becomes one text or one call', (db) => {
  let twilio: Awaited<ReturnType<typeof startFakeTwilio>>;
  let engine: ReturnType<typeof startPagingEngine>;
  let time: ReturnType<typeof startPagingEngine>['time'];
  let incidents: ReturnType<typeof startPagingEngine>['incidents'];
  let config: OncallConfig;
  const prisma = () => db().database.prisma;

  beforeAll(async () => {
    twilio = await startFakeTwilio({ accountSid: SID, authToken: AUTH });
  });
  afterAll(() => twilio?.close());
  afterEach(() => engine?.stop());

  /** A bot's engine with PAGE_RATE_LIMIT = `limit`, and `replicas` workers on the one database. */
  async function setUp(limit: number, notify: NotifyStep[], replicas = 1) {
    await prisma().$executeRawUnsafe('TRUNCATE incidents, alerts, incident_alerts, timeline_events, jobs, pages, people, teams, notifications, contact_verifications, sent_messages RESTART IDENTITY CASCADE');
    twilio.messages.length = 0;
    twilio.calls.length = 0;
    config = oncall(notify);
    await syncDirectory(prisma(), config);
    await markVerified(prisma(), 'hana', { sms: HANA, voice: HANA });
    const twilioSettings = { accountSid: SID, authToken: AUTH, fromNumber: '+15005550006', apiUrl: twilio.url, statusCallbackUrl: () => 'https://bot.example.com/twilio/status' };
    const contacts = [twilioSmsPort(twilioSettings), twilioVoicePort({ ...twilioSettings, voiceUrl: () => 'https://bot.example.com/twilio/voice' })];
    engine = startPagingEngine(db().database, { config: () => config, contacts, phoneLimit: limit, replicas });
    time = engine.time;
    incidents = engine.incidents;
  }

  const runDue = () => engine.runDue();
  const fire = async (count: number) => {
    for (let n = 1; n <= count; n++) await engine.fire(`Disk full on node-${n}`);
  };
  const timeline = async (incidentId: number) => (await prisma().timelineEvent.findMany({ where: { incidentId }, orderBy: { id: 'asc' } })).map((e) => e.text);
  /** The incidents texted one by one so far. */
  const sentTo = () => new Set(twilio.messages.map((m) => /^INC-(\d+)/.exec(m.body)).filter((match) => match !== null).map((match) => Number(match[1])));
  const statusOf = async (incidentId: number) => (await prisma().incident.findUniqueOrThrow({ where: { id: incidentId } })).status;

  it('sends the first texts, holds the rest, and calls once about every incident still open when a slot frees; 1 acknowledges them all', async () => {
    await setUp(3, [{ via: 'sms', afterMs: 0 }, { via: 'voice', afterMs: 5 * MINUTE }]);
    await fire(10);
    await runDue();
    // All ten fall due at once: which three go first is the engine's choice.
    const texted = sentTo();
    expect(texted.size).toBe(3);
    const held = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((n) => !texted.has(n));
    expect(await timeline(held[0]!)).toContain('SMS to Hana Ito held: 3 texts and calls in 10m is the limit (PAGE_RATE_LIMIT); it goes in 10m, with any others waiting');
    expect(await timeline([...texted][0]!)).toContain('SMS to Hana Ito sent');

    const answered = held[1]!;
    await incidents.acknowledge(answered, { kind: 'bot' });
    // Five minutes on, every open incident's call falls due: the limit holds them too.
    await time.advance(5 * MINUTE);
    await runDue();
    expect(twilio.calls).toHaveLength(0);

    await time.advance(5 * MINUTE);
    await runDue();
    expect(twilio.messages).toHaveLength(3);
    expect(twilio.calls).toHaveLength(1);
    const [call] = twilio.calls;
    expect(call!.to).toBe(HANA);
    const first = Math.min(...[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((n) => n !== answered));
    expect(call!.twiml).toContain(`9 incidents are paging you. The first is INC-${first} SEV1 Disk full on node-${first}. Pressing 1 acknowledges all 9.`);
    expect(call!.twiml).toContain('Press 1 to acknowledge.');
    const folded = 'Voice call to Hana Ito goes as one call about 9 incidents (PAGE_RATE_LIMIT: 3 texts and calls in 10 minutes)';
    for (const n of held.filter((n) => n !== answered)) expect(await timeline(n)).toContain(folded);
    expect(await timeline(answered)).not.toContain(folded);

    const said = await answerKeyPress({ database: db().database, incidents, clock: time.clock }, call!.sid, '1');
    const open = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].filter((n) => n !== answered);
    expect(said.text).toBe(`INC-${open[0]}, INC-${open[1]}, INC-${open[2]}, INC-${open[3]} and 5 more acknowledged. Escalation stopped. Goodbye.`);
    expect(said.audits.filter((a) => a.result === 'ok')).toHaveLength(9);
    for (const n of open) expect(await statusOf(n)).toBe('acknowledged');
    // Nothing else goes out: what was folded was answered with the call.
    await time.advance(30 * MINUTE);
    await runDue();
    expect(twilio.messages).toHaveLength(3);
    expect(twilio.calls).toHaveLength(1);
  });

  it('folds held texts into one SMS of one segment that says how to answer them all; "ack all" does', async () => {
    await setUp(2, [{ via: 'sms', afterMs: 0 }]);
    await fire(6);
    await runDue();
    expect(twilio.messages).toHaveLength(2);
    await time.advance(10 * MINUTE);
    await runDue();
    expect(twilio.messages).toHaveLength(3);
    const digest = twilio.messages[2]!.body;
    const held = [1, 2, 3, 4, 5, 6].filter((n) => !sentTo().has(n));
    expect(digest.startsWith(`4 incidents are paging you. Reply "ack all" to acknowledge all 4, or "ack ${held[0]}" for one. INC-${held[0]} SEV1 Disk full on node-${held[0]}; INC-${held[1]} SEV1`)).toBe(true);
    expect(smsLength(digest).segments).toBe(1);

    const answer = await answerSmsReply({ database: db().database, incidents, oncall: () => config, clock: time.clock }, HANA, 'ACK ALL');
    expect(answer.text).toBe('INC-1, INC-2, INC-3, INC-4 and 2 more acknowledged. Escalation stopped.');
    for (let n = 1; n <= 6; n++) expect(await statusOf(n)).toBe('acknowledged');
    expect((await answerSmsReply({ database: db().database, incidents, oncall: () => config, clock: time.clock }, HANA, 'ack all')).text).toBe('You have no page waiting for an answer.');
  });

  it('holds to the limit across replicas: two engines on one database send no more than the limit between them', async () => {
    await setUp(2, [{ via: 'sms', afterMs: 0 }], 2);
    await fire(8);
    await runDue();
    expect(twilio.messages).toHaveLength(2);
    expect(await prisma().notification.count({ where: { status: 'held' } })).toBe(6);
    // One digest for the person, however many replicas held a text.
    expect(await prisma().job.count({ where: { kind: 'page.phone-digest', status: 'pending' } })).toBe(1);
  });

  it('a folded text that is not delivered moves every page it carried on to its next method', async () => {
    await setUp(1, [{ via: 'sms', afterMs: 0 }, { via: 'voice', afterMs: 30 * MINUTE }]);
    await fire(3);
    await runDue();
    await time.advance(10 * MINUTE);
    await runDue();
    expect(twilio.messages).toHaveLength(2);
    const held = [1, 2, 3].filter((n) => !sentTo().has(n));
    expect(twilio.messages[1]!.body.startsWith('2 incidents are paging you.')).toBe(true);
    await recordDeliveryStatus(db().database, twilio.messages[1]!.sid, { delivered: false, reason: 'Twilio says undelivered (error 30003)' }, time.clock);
    for (const n of held) expect(await timeline(n)).toContain('SMS to Hana Ito failed: Twilio says undelivered (error 30003); voice goes now');
  });

  it('a page acknowledged while held is not sent; a lone held text goes as itself', async () => {
    await setUp(1, [{ via: 'sms', afterMs: 0 }]);
    await fire(3);
    await runDue();
    expect(twilio.messages).toHaveLength(1);
    const [answered, waiting] = [1, 2, 3].filter((n) => !sentTo().has(n));
    await incidents.acknowledge(answered!, { kind: 'bot' });
    await time.advance(10 * MINUTE);
    await runDue();
    expect(twilio.messages).toHaveLength(2);
    expect(twilio.messages[1]!.body).toContain(`INC-${waiting} SEV1: Disk full on node-${waiting}`);
    const statuses = await prisma().notification.findMany({ include: { page: true } });
    expect(statuses.find((n) => n.page.incidentId === answered)!.status).toBe('cancelled');
    expect(statuses.find((n) => n.page.incidentId === waiting)!.status).toBe('sent');
  });
});

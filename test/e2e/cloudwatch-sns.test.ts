import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnsMessage } from '../../src/alerts/sns-message.js';
import { eventually } from '../support/eventually.js';
import { startFakeSns, type FakeSns } from '../support/fake-sns.js';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops-alerts';

for (const kind of databaseKinds()) {
  describe(`CloudWatch alarms through an SNS HTTPS subscription [${kind}]`, () => {
    let bot: TestBot;
    let sns: FakeSns;
    beforeAll(async () => {
      sns = await startFakeSns();
      bot = await startTestBot(kind, { SNS_CERT_HOST: sns.host, SNS_CA_FILE: sns.caFile });
    });
    afterAll(async () => {
      await bot?.destroy();
      await sns?.close();
    });

    /** Posted as SNS posts: JSON as text/plain, the message type in a header, the webhook token as basic auth from the subscription URL. */
    const deliver = (message: SnsMessage | Record<string, unknown>, options: { token?: string } = {}) =>
      fetch(`${bot.url}/webhooks/cloudwatch`, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=UTF-8',
          'x-amz-sns-message-type': String(message.Type),
          authorization: 'Basic ' + Buffer.from(`sns:${options.token ?? bot.webhookToken}`).toString('base64'),
        },
        body: JSON.stringify(message),
      });
    const alarm = (state: 'ALARM' | 'OK' | 'INSUFFICIENT_DATA', version: '1' | '2' = '2') => {
      const sample = sharedFixture('cloudwatch/alarm-notification.json') as SnsMessage;
      const body = JSON.parse(sample.Message) as Record<string, unknown>;
      body.NewStateValue = state;
      body.StateChangeTime = new Date().toISOString().replace('Z', '+0000');
      return sns.sign({ ...sample, MessageId: `${state}-${Date.now()}`, Message: JSON.stringify(body), Timestamp: new Date().toISOString(), SignatureVersion: version });
    };
    const stored = () => bot.database.prisma.alert.findUnique({ where: { source_fingerprint: { source: 'cloudwatch', fingerprint: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx-high' } }, include: { incident: true } });

    it('confirms the subscription SNS asks for by visiting its SubscribeURL', async () => {
      const response = await deliver(sns.subscriptionConfirmation(TOPIC));
      expect(response.status).toBe(200);
      await eventually('the subscription to be confirmed', async () => (sns.confirmed.includes(TOPIC) ? true : undefined), 20_000, 100);
    });

    it('opens an incident on ALARM and resolves it on OK, with SignatureVersion 1 and 2', async () => {
      const fired = await deliver(alarm('ALARM', '1'));
      expect(fired.status).toBe(200);
      expect(await readJson(fired)).toMatchObject({ alerts: [{ outcome: 'created' }] });
      const opened = await stored();
      expect(opened).toMatchObject({ status: 'firing', title: 'checkout-5xx-high: checkout ALB 5xx above 5%' });
      expect(opened!.labels).toMatchObject({ alarm_name: 'checkout-5xx-high', region: 'eu-west-1', namespace: 'AWS/ApplicationELB', LoadBalancer: 'app/checkout/50dc6c495c0c9188' });
      expect(opened!.links).toEqual({ 'CloudWatch alarm': 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/checkout-5xx-high' });

      expect((await deliver(alarm('OK', '2'))).status).toBe(200);
      expect(await stored()).toMatchObject({ status: 'resolved', incident: { status: 'resolved' } });
      // INSUFFICIENT_DATA is no alarm either: a fresh ALARM opens, then no-data resolves.
      await deliver(alarm('ALARM'));
      await deliver(alarm('INSUFFICIENT_DATA'));
      expect((await stored())!.status).toBe('resolved');
    });

    it('refuses a message signed with another key, or whose certificate is not on SNS, and stores nothing', async () => {
      const before = await bot.database.prisma.alert.count();
      const forged = sns.sign({ ...alarm('ALARM'), MessageId: 'forged' }, { key: 'other' });
      const refused = await deliver(forged);
      expect(refused.status).toBe(403);
      expect((await readJson(refused)).message).toContain('signature does not verify');
      // A message whose signature is right but whose fields were changed after signing.
      const tampered = { ...alarm('ALARM'), Subject: 'changed' };
      expect((await deliver(tampered)).status).toBe(403);
      // A certificate anywhere else is never fetched.
      const elsewhere = { ...alarm('ALARM'), SigningCertURL: 'https://attacker.example/cert.pem' };
      const wrongHost = await deliver(elsewhere);
      expect(wrongHost.status).toBe(403);
      expect((await readJson(wrongHost)).message).toContain(`SigningCertURL is not on ${sns.host}`);
      // A confirmation whose SubscribeURL is elsewhere is refused before anything is visited.
      const confirmation = sns.subscriptionConfirmation('arn:aws:sns:eu-west-1:123456789012:other');
      expect((await deliver({ ...confirmation, SubscribeURL: 'https://attacker.example/' })).status).toBe(403);
      expect(await bot.database.prisma.alert.count()).toBe(before);
    });

    it('checks the webhook token before reading the body', async () => {
      const response = await deliver(alarm('ALARM'), { token: 'wrong-token-wrong-token' });
      expect(response.status).toBe(401);
      const notSns = await deliver({ Type: 'Notification', hello: 'world' });
      expect(notSns.status).toBe(422);
      expect((await readJson(notSns)).problems.map((p: { path: string }) => p.path)).toContain('MessageId');
    });
  });
}

import { describe, expect, it } from 'vitest';
import { normalizeCloudWatch } from '../../../src/alerts/cloudwatch.js';
import { normalizeDatadog } from '../../../src/alerts/datadog.js';
import { detectSource } from '../../../src/alerts/detect-source.js';
import { snsMessageSchema, snsStringToSign, snsUrlProblem, type SnsMessage } from '../../../src/alerts/sns-message.js';
import { sharedFixture } from '../../support/fixtures.js';

const now = new Date('2026-11-24T12:00:00Z');

describe('SNS messages', () => {
  it('signs the fields AWS names, in its order, Subject only when present', () => {
    const message = snsMessageSchema.parse(sharedFixture('cloudwatch/alarm-notification.json'));
    const text = snsStringToSign(message);
    expect(text.split('\n').filter((_, i) => i % 2 === 0)).toEqual(['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type', '']);
    expect(snsStringToSign({ ...message, Subject: undefined })).not.toContain('Subject\n');
    const confirmation = snsMessageSchema.parse(sharedFixture('cloudwatch/subscription-confirmation.json'));
    const c = confirmation;
    expect(snsStringToSign(c)).toBe(`Message\n${c.Message}\nMessageId\n${c.MessageId}\nSubscribeURL\n${c.SubscribeURL}\nTimestamp\n${c.Timestamp}\nToken\n${c.Token}\nTopicArn\n${c.TopicArn}\nType\nSubscriptionConfirmation\n`);
  });

  it("fetches certificates only over https from Amazon's SNS hosts (or the one test host)", () => {
    expect(snsUrlProblem('https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem')).toBeUndefined();
    expect(snsUrlProblem('https://sns.cn-north-1.amazonaws.com.cn/x.pem')).toBeUndefined();
    expect(snsUrlProblem('http://sns.eu-west-1.amazonaws.com/x.pem')).toBe('is not https');
    expect(snsUrlProblem('https://sns.eu-west-1.amazonaws.com.attacker.example/x.pem')).toBe('is not on sns.<region>.amazonaws.com');
    expect(snsUrlProblem('https://evil.example/sns.eu-west-1.amazonaws.com/x.pem')).toBe('is not on sns.<region>.amazonaws.com');
    expect(snsUrlProblem('https://sns.eu-west-1.amazonaws.com:8443/x.pem')).toBe('is not on sns.<region>.amazonaws.com');
    expect(snsUrlProblem('https://user:pw@sns.eu-west-1.amazonaws.com/x.pem')).toBe('carries credentials');
    expect(snsUrlProblem('https://127.0.0.1:8443/x.pem', '127.0.0.1:8443')).toBeUndefined();
    expect(snsUrlProblem('https://sns.eu-west-1.amazonaws.com/x.pem', '127.0.0.1:8443')).toBe('is not on 127.0.0.1:8443');
  });

  it('requires Token and SubscribeURL of a confirmation', () => {
    const confirmation = structuredClone(sharedFixture('cloudwatch/subscription-confirmation.json')) as Record<string, unknown>;
    delete confirmation.SubscribeURL;
    expect(snsMessageSchema.safeParse(confirmation).error?.issues.map((i) => i.path.join('.'))).toEqual(['SubscribeURL']);
  });
});

describe('CloudWatch alarms', () => {
  const sample = sharedFixture('cloudwatch/alarm-notification.json') as SnsMessage;
  const withState = (state: string) => ({ ...sample, Message: JSON.stringify({ ...JSON.parse(sample.Message), NewStateValue: state }) });

  it('maps ALARM to firing, OK and INSUFFICIENT_DATA to resolved, one alert per alarm ARN, at the state change time', () => {
    const fired = normalizeCloudWatch(sample, now).alerts[0]!;
    expect(fired).toMatchObject({ status: 'firing', fingerprint: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx-high', startsAt: new Date('2026-11-23T10:00:00Z') });
    expect(fired.labels).toMatchObject({ aws_account: '123456789012', metric: 'HTTPCode_Target_5XX_Count' });
    expect(fired.description).toContain('Threshold Crossed');
    for (const state of ['OK', 'INSUFFICIENT_DATA']) {
      expect(normalizeCloudWatch(withState(state), now).alerts[0]).toMatchObject({ status: 'resolved', endsAt: new Date('2026-11-23T10:00:00Z'), fingerprint: fired.fingerprint });
    }
  });

  it('takes any other message on the topic as an alert titled by its subject', () => {
    const other = normalizeCloudWatch({ ...sample, Subject: 'Backup failed', Message: 'nightly backup of db-3 failed' }, now).alerts[0]!;
    expect(other).toMatchObject({ title: 'Backup failed', status: 'firing', fingerprint: `sns:${sample.MessageId}`, labels: { topic: sample.TopicArn } });
  });
});

describe('Datadog', () => {
  it('reads priorities and transitions from the title when the payload has only the default fields', () => {
    const alert = normalizeDatadog({ title: '[P1] [Triggered on {host:db-1}] Disk full', date: '1795428000' }, now).alerts[0]!;
    expect(alert).toMatchObject({ title: 'Disk full', sourceSeverity: 'P1', status: 'firing', startsAt: new Date(1795428000 * 1000) });
    expect(normalizeDatadog({ title: '[P1] [Recovered on {host:db-1}] Disk full' }, now).alerts[0]).toMatchObject({ status: 'resolved', fingerprint: alert.fingerprint });
    expect(normalizeDatadog({ title: '[Warn] Disk filling' }, now).alerts[0]!.status).toBe('firing');
    // One monitor, two hosts: two alerts.
    expect(normalizeDatadog({ title: '[P1] [Triggered on {host:db-2}] Disk full' }, now).alerts[0]!.fingerprint).not.toBe(alert.fingerprint);
    expect(normalizeDatadog({ title: 'x', alert_transition: 'Warn' }, now).alerts[0]!.sourceSeverity).toBe('warning');
  });

  it('drops links that are not web addresses and variables Datadog left unsubstituted', () => {
    const alert = normalizeDatadog({ title: 'x', link: 'javascript:alert(1)', snapshot: '$SNAPSHOT', alert_priority: '$ALERT_PRIORITY', tags: '$TAGS' }, now).alerts[0]!;
    expect(alert.links).toEqual({});
    expect(alert.sourceSeverity).toBeUndefined();
    expect(alert.labels).toEqual({});
  });
});

describe('detecting the source for simulate', () => {
  it('tells the new senders apart', () => {
    expect(detectSource(sharedFixture('cloudwatch/alarm-notification.json'))).toBe('cloudwatch');
    expect(detectSource(JSON.parse((sharedFixture('cloudwatch/alarm-notification.json') as SnsMessage).Message))).toBe('cloudwatch');
    expect(detectSource(sharedFixture('opsgenie/create-alert.json'))).toBe('opsgenie');
    expect(detectSource(sharedFixture('datadog/default-payload.json'))).toBe('datadog');
    expect(detectSource(sharedFixture('datadog/template-triggered.json'))).toBe('datadog');
    expect(detectSource(sharedFixture('pagerduty/trigger.json'))).toBe('pagerduty');
  });
});

import { z } from 'zod';
import type { AlertBatch, NormalizedAlert } from './alert.js';
import type { SnsMessage } from './sns-message.js';

/** The alarm a CloudWatch alarm action publishes to SNS (the Message, as JSON text). */
const alarmSchema = z
  .object({
    AlarmName: z.string().min(1).max(255),
    AlarmDescription: z.string().max(1024).nullish(),
    AWSAccountId: z.string().max(20).optional(),
    NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
    NewStateReason: z.string().max(4096).optional(),
    StateChangeTime: z.string().optional(),
    Region: z.string().max(100).optional(),
    AlarmArn: z.string().max(1024).optional(),
    OldStateValue: z.string().optional(),
    Trigger: z
      .object({
        MetricName: z.string().nullish(),
        Namespace: z.string().nullish(),
        Statistic: z.string().nullish(),
        Dimensions: z.array(z.object({ name: z.string(), value: z.string() })).max(30).nullish(),
        Threshold: z.number().nullish(),
        ComparisonOperator: z.string().nullish(),
      })
      .passthrough()
      .nullish(),
  })
  .passthrough();

function instantOf(text: string | undefined, fallback: Date): Date {
  // CloudWatch writes "2026-11-23T10:00:00.000+0000"; Date.parse wants the offset with a colon.
  const parsed = Date.parse((text ?? '').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(parsed) ? fallback : new Date(parsed);
}

/** The region code from an ARN (arn:aws:cloudwatch:eu-west-1:...), which the console link needs. */
function regionOf(arn: string | undefined): string | undefined {
  return arn?.split(':')[3] || undefined;
}

function alarmAlert(alarm: z.infer<typeof alarmSchema>, message: SnsMessage, now: Date): NormalizedAlert {
  const region = regionOf(alarm.AlarmArn);
  const labels: Record<string, string> = { alarm_name: alarm.AlarmName };
  if (alarm.AWSAccountId) labels.aws_account = alarm.AWSAccountId;
  if (region) labels.region = region;
  if (alarm.Trigger?.Namespace) labels.namespace = alarm.Trigger.Namespace;
  if (alarm.Trigger?.MetricName) labels.metric = alarm.Trigger.MetricName;
  for (const dimension of alarm.Trigger?.Dimensions ?? []) labels[dimension.name] ??= dimension.value;
  const annotations: Record<string, string> = {};
  if (alarm.NewStateReason) annotations.reason = alarm.NewStateReason;
  annotations.state = alarm.NewStateValue;
  const at = instantOf(alarm.StateChangeTime, now);
  const firing = alarm.NewStateValue === 'ALARM';
  const consoleLink = region ? `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}` : undefined;
  return {
    source: 'cloudwatch',
    // One alert per alarm: its ARN, or its name within the account and topic.
    fingerprint: (alarm.AlarmArn ?? `${alarm.AWSAccountId ?? message.TopicArn}:${alarm.AlarmName}`).slice(0, 255),
    status: firing ? 'firing' : 'resolved',
    title: (alarm.AlarmDescription?.trim() ? `${alarm.AlarmName}: ${alarm.AlarmDescription.trim()}` : alarm.AlarmName).slice(0, 500),
    description: alarm.NewStateReason,
    labels,
    annotations,
    links: consoleLink ? { 'CloudWatch alarm': consoleLink } : {},
    startsAt: at,
    ...(firing ? {} : { endsAt: at }),
  };
}

/**
 * A CloudWatch alarm through SNS: ALARM fires, OK and INSUFFICIENT_DATA resolve (no data is not
 * a problem we can page on, and CloudWatch's own OK action treats it so). Any other message on the
 * topic is an alert of its own, titled by its subject.
 */
export function normalizeCloudWatch(message: SnsMessage, now: Date): AlertBatch {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.Message);
  } catch {
    parsed = undefined;
  }
  const alarm = alarmSchema.safeParse(parsed);
  if (alarm.success) return { source: 'cloudwatch', alerts: [alarmAlert(alarm.data, message, now)], raw: message, truncated: 0 };
  const firstLine = message.Message.split('\n', 1)[0]!.trim();
  const alert: NormalizedAlert = {
    source: 'cloudwatch',
    fingerprint: `sns:${message.MessageId}`,
    status: 'firing',
    title: (message.Subject?.trim() || firstLine || `SNS message on ${message.TopicArn}`).slice(0, 500),
    description: message.Message.slice(0, 20_000),
    labels: { topic: message.TopicArn },
    annotations: {},
    links: {},
    startsAt: instantOf(message.Timestamp, now),
  };
  return { source: 'cloudwatch', alerts: [alert], raw: message, truncated: 0 };
}

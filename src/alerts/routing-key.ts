import { createHash } from 'node:crypto';

/**
 * PagerDuty routing keys are credentials: whoever holds one opens, acknowledges and resolves
 * alerts with it, with no other authentication. PagerDuty's own are 32 characters.
 */
export const MIN_ROUTING_KEY_LENGTH = 20;

/**
 * Keys printed in documentation, which people copy as they are: PagerDuty's own examples
 * (Events API v1 and v2 pages) and the one this project shipped in oncall.yaml until it was
 * found to be live. Compared without regard to case.
 */
export const DOCUMENTED_EXAMPLE_KEYS: readonly string[] = [
  'e93facc04764012d7bfb002500d5d1a6',
  'samplekeyhere',
  'routingkeyhere',
  'R0123456789abcdef0123456789abcdef',
  // Opsgenie's API documentation (every curl example).
  'eb243592-faa2-4ba2-a551q-1afdf565c889',
];

const KEY_KINDS = {
  pagerduty: { what: 'routing key', own: 'PagerDuty integration key', theirs: "PagerDuty's have 32" },
  opsgenie: { what: 'API key', own: 'Opsgenie integration API key', theirs: "Opsgenie's have 36" },
};

/** Why a key may not be configured, or undefined when it may. */
export function weakRoutingKeyReason(key: string, kind: keyof typeof KEY_KINDS = 'pagerduty'): string | undefined {
  const words = KEY_KINDS[kind];
  if (DOCUMENTED_EXAMPLE_KEYS.some((example) => example.toLowerCase() === key.toLowerCase())) {
    return `is an example key from documentation, which anyone can send: generate your own (${words.own}, or \`openssl rand -hex 16\`)`;
  }
  if (key.length < MIN_ROUTING_KEY_LENGTH) {
    return `is ${key.length} characters long; a ${words.what} is a credential and needs at least ${MIN_ROUTING_KEY_LENGTH} (${words.theirs})`;
  }
  return undefined;
}

/** What may be shown of a key in stored payloads, logs and error messages. */
export function maskRoutingKey(key: string): string {
  return `${key.slice(0, 4)}…`;
}

/** What is stored with an alert to know later which key it came in with, without storing the key. */
export function routingKeyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

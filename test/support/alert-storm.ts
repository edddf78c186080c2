/**
 * An alert storm against a real bot: many concurrent senders, a mix of single alerts and
 * batches, each request's fate recorded exactly (answered 2xx, answered otherwise, or no answer).
 */

export interface StormRequest {
  /** The fingerprints this request carried, one per alert. */
  fingerprints: string[];
  body: unknown;
}

export type StormOutcome = { kind: 'answered'; status: number; body: string } | { kind: 'no answer'; error: string };

export interface StormResult {
  request: StormRequest;
  outcome: StormOutcome;
}

export const STORM_STARTS_AT = '2026-01-05T10:00:00.000Z';

function genericAlert(fingerprint: string) {
  // A fixed start time, so the same alert sent again is the same content (a dedup, not an update).
  return { title: `Storm alert ${fingerprint}`, fingerprint, severity: 'sev3', service: 'storm', starts_at: STORM_STARTS_AT, labels: { storm: fingerprint } };
}

/**
 * `total` alerts with distinct fingerprints, cut into requests: about a third of the alerts go
 * one per request, the rest in batches of 2 to 40.
 */
export function stormRequests(total: number, prefix = 'storm'): StormRequest[] {
  const requests: StormRequest[] = [];
  let next = 0;
  let turn = 0;
  while (next < total) {
    const size = turn % 3 === 0 ? 2 + ((turn * 7) % 39) : 1;
    const fingerprints: string[] = [];
    for (let i = 0; i < size && next < total; i++) fingerprints.push(`${prefix}-${String(next++).padStart(5, '0')}`);
    const alerts = fingerprints.map(genericAlert);
    requests.push({ fingerprints, body: alerts.length === 1 ? alerts[0] : { alerts } });
    turn++;
  }
  return requests;
}

export interface StormOptions {
  url: string;
  token: string;
  requests: StormRequest[];
  senders: number;
  /** How long one request may take before it counts as unanswered (default 60 s). */
  timeoutMs?: number;
  /** Called after every answer; lets the caller pull the plug mid-storm. */
  onAnswer?: (results: readonly StormResult[]) => void;
}

/** Sends every request (each once, no retries) and records what became of it. */
export async function fireStorm(options: StormOptions): Promise<StormResult[]> {
  const results: StormResult[] = [];
  let cursor = 0;
  const sender = async () => {
    for (;;) {
      const index = cursor++;
      const request = options.requests[index];
      if (!request) return;
      let outcome: StormOutcome;
      try {
        const response = await fetch(`${options.url}/webhooks/generic`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(request.body),
          signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
        });
        // The status counts only once the whole answer has arrived.
        outcome = { kind: 'answered', status: response.status, body: await response.text() };
      } catch (error) {
        outcome = { kind: 'no answer', error: String((error as Error).cause ?? error) };
      }
      results.push({ request, outcome });
      options.onAnswer?.(results);
    }
  };
  await Promise.all(Array.from({ length: options.senders }, sender));
  return results;
}

export const acknowledged = (results: readonly StormResult[]) =>
  results.filter((r) => r.outcome.kind === 'answered' && r.outcome.status >= 200 && r.outcome.status < 300);

/** Per fingerprint, the outcome the bot reported for it (created, unchanged, ...). */
export function outcomesByFingerprint(results: readonly StormResult[]): Map<string, string> {
  const outcomes = new Map<string, string>();
  for (const { outcome } of results) {
    if (outcome.kind !== 'answered' || outcome.status !== 200) continue;
    for (const alert of (JSON.parse(outcome.body) as { alerts: { fingerprint: string; outcome: string }[] }).alerts) outcomes.set(alert.fingerprint, alert.outcome);
  }
  return outcomes;
}

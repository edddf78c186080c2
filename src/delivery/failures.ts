import { GiveUpError } from '../engine/job.js';
import { retryHintOf } from '../engine/retry-hint.js';

/**
 * The error a job should fail with when several platforms were tried and some failed: one worth
 * retrying wins over one that gives up, so a platform that refused does not stop the job from
 * coming back for a platform that was only busy (its sent messages are not sent again), and a
 * platform's Retry-After is waited out.
 */
export function failureToReport(failures: unknown[]): unknown {
  const toldWhen = failures.find((error) => retryHintOf(error)?.retryAfterMs !== undefined);
  const retryable = failures.find((error) => !(error instanceof GiveUpError) && (retryHintOf(error)?.retryable ?? true));
  return toldWhen ?? retryable ?? failures[0];
}

/** Runs `send` for each platform; one failing does not hold up the others. */
export async function forEachPlatform<T>(platforms: readonly T[], send: (platform: T) => Promise<void>): Promise<void> {
  const failures: unknown[] = [];
  for (const platform of platforms) {
    try {
      await send(platform);
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failureToReport(failures);
}

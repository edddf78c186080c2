import type { ClaimedJob } from '../engine/job.js';
import { GiveUpError } from '../engine/job.js';

/** The incident a job is about ("incident:12"); a job without one cannot be done. */
export function incidentIdOf(job: ClaimedJob): number {
  const match = /^incident:(\d+)$/.exec(job.subject ?? '');
  if (!match) throw new GiveUpError(`job ${job.kind} has no incident subject (${job.subject})`);
  return Number(match[1]);
}

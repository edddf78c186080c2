import type { JobSpec } from '../engine/job.js';
import { syncJob, type IncidentEffects } from '../incidents/incident-effects.js';

/**
 * How long a change to an alert's text waits before chat shows it: a storm of annotation
 * changes (a value in the description that moves on every notification) edits each card once in
 * this time, not once per notification, which chat platforms would rate-limit.
 */
export const CONTENT_SYNC_DELAY_MS = 2_000;

/**
 * Chat's part in ingestion: one coalesced sync job per changed incident, when any chat platform is
 * set up (`chatConfigured` is asked at each change, so adapters started after this is made count).
 */
export function chatSyncEffects(chatConfigured: () => boolean): IncidentEffects {
  return {
    opened: async () => [],
    escalationChanged: async () => [],
    shown: (incidentIds, contentOnly): JobSpec[] => {
      if (!chatConfigured()) return [];
      return incidentIds.map((id) => (contentOnly ? { ...syncJob(id), delayMs: CONTENT_SYNC_DELAY_MS } : syncJob(id)));
    },
  };
}

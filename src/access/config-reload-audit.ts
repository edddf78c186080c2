import type { OncallStore } from '../oncall/oncall-store.js';
import type { PlaybookLibrary } from '../playbooks/playbook-library.js';
import type { AuditLog } from './audit-log.js';

/** Every reload of oncall.yaml and of the playbooks is an audit row: who changed what is asked after incidents. */
export function auditConfigReloads(audit: AuditLog, oncallStore: OncallStore, playbooks: PlaybookLibrary): void {
  oncallStore.onReload((outcome) =>
    audit.record({
      actorName: 'incident-bot',
      platform: 'system',
      action: 'config.reload',
      args: { file: outcome.file, reason: outcome.reason },
      result: outcome.ok ? 'ok' : outcome.unreadable ? 'failed' : 'invalid',
      detail: outcome.ok ? undefined : `kept the last good version: ${outcome.problems.slice(0, 5).join('; ')}`,
    }),
  );
  playbooks.onReload((outcome) =>
    void audit.record({
      actorName: 'incident-bot',
      platform: 'system',
      action: 'playbooks.reload',
      args: { dir: outcome.dir, reason: outcome.reason, playbooks: outcome.playbooks },
      result: outcome.problems.length ? 'invalid' : 'ok',
      detail: outcome.problems.length ? `skipped: ${outcome.problems.slice(0, 5).join('; ')}` : undefined,
    }),
  );
}

import type { AuditLog } from '../access/audit-log.js';
import type { Sql } from '../db/sql.js';
import { enqueueJobs } from '../engine/job-store.js';
import { IDENTITY_LINK_NOTICE_JOB } from '../engine/job-kinds.js';
import type { JobSpec } from '../engine/job.js';
import type { Logger } from '../logging.js';
import type { ChatPlatformName } from './chat-port.js';
import type { NeutralMessage } from './neutral-message.js';
import type { EmailMatch } from './people-directory.js';
import { CHAT_PLATFORMS, PLATFORM_DISPLAY_NAME as PLATFORM_NAME, chatIdOf } from './chat-identity.js';

/**
 * Every email match is audited. A link is also told to the person by DM, on every chat account
 * they now have (the one just linked and any other, which the person controls for sure), through
 * a durable job: a platform that is down delays the notice, it does not lose it.
 */
export function emailMatchRecorder(deps: { audit: AuditLog; sql: Sql; log: Logger; onEnqueued: () => void }): (match: EmailMatch) => Promise<void> {
  return async (match) => {
    const { person } = match;
    await deps.audit.record({
      actorId: person.id,
      actorName: person.name,
      platform: match.platform,
      action: 'identity.link',
      args: { userId: match.userId, person: person.handle ?? person.name, by: 'email' },
      result: match.linked ? 'ok' : 'refused',
      detail: match.linked ? `${PLATFORM_NAME[match.platform]} account ${match.userId} linked to ${person.name} by its confirmed email` : match.refusal,
    });
    if (!match.linked) return;
    const accounts = CHAT_PLATFORMS.map((platform): [ChatPlatformName, string | null] => [platform, chatIdOf(person, platform)]);
    const jobs: JobSpec[] = accounts
      .filter((account): account is [ChatPlatformName, string] => account[1] !== null)
      .map(([platform, userId]) => ({
        kind: IDENTITY_LINK_NOTICE_JOB,
        subject: `person:${person.id}`,
        payload: { platform, userId, linkedPlatform: match.platform, linkedUserId: match.userId, name: person.name, handle: person.handle },
      }));
    try {
      await enqueueJobs(deps.sql, jobs);
      deps.onEnqueued();
    } catch (error) {
      deps.log.error({ err: error, personId: person.id }, 'could not queue the notice of an email link; the audit trail has it');
    }
  };
}

export function linkNoticeMessage(notice: { linkedPlatform: ChatPlatformName; linkedUserId: string; name: string; handle: string | null }): NeutralMessage {
  const platform = PLATFORM_NAME[notice.linkedPlatform];
  const profile = notice.handle ? `${notice.name} ("${notice.handle}" in oncall.yaml)` : notice.name;
  return {
    summary: `Your ${platform} account ${notice.linkedUserId} was linked to your on-call profile`,
    title: '🔗 A chat account was linked to your on-call profile',
    color: 'orange',
    sections: [
      {
        text:
          `The ${platform} account \`${notice.linkedUserId}\` was linked to the on-call profile of ${profile}, because its email address matches and ${platform} says it is confirmed. ` +
          'That account now holds your roles and receives your pages.',
      },
      { text: '**If this was not you, tell an admin now.** They can put your own account id in oncall.yaml, which always wins over an email match.' },
    ],
  };
}

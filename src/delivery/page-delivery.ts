import { chatIdOf, type ChatIdentities } from '../chat/chat-identity.js';
import { ChatApiError, type ChatPlatformName } from '../chat/chat-port.js';
import { pageButtonValue } from '../chat/commands/button-actions.js';
import { mention } from '../chat/neutral-message.js';
import type { Database } from '../db/database.js';
import { GroupCommitter } from '../db/group-commit.js';
import { jsonRecords, prepared, sql, type Sql } from '../db/sql.js';
import { BOT } from '../incidents/actor.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import { oneLine } from '../incidents/one-line.js';
import { appendTimeline } from '../incidents/timeline.js';
import type { Logger } from '../logging.js';
import { GiveUpError, type ClaimedJob, type JobHandler } from '../engine/job.js';
import type { Delivery } from './delivery.js';
import { systemClock, type Clock } from '../time/clock.js';

/**
 * Delivers one page: a direct message with an Acknowledge button on the first platform where
 * the person has an identity, and a mention in the incident channel. The page row and the
 * timeline say whether it was delivered; a page for an incident already taken on is dropped.
 */
export function pageDeliveryHandler(deps: { database: Database; delivery: Delivery; log: Logger; clock?: Clock }): JobHandler {
  // Pages delivered side by side record their outcome in one transaction (one commit, one WAL
  // flush): a storm's pages each committing alone made commits the database's limit.
  const outcomes = new GroupCommitter<PageOutcome, void>(async (recorded) => {
    await deps.database.transaction((tx) => recordOutcomes(tx, recorded));
    return recorded.map(() => undefined);
  });
  // Pages delivered side by side are read together too: one statement for a round's pages.
  const pages = new GroupCommitter<number, PageToDeliver | undefined>((ids) => readPages(deps.database.sql, ids));
  const record = async (pageId: number, incidentId: number, status: 'sent' | 'failed' | 'cancelled', text: string, extra: { platform?: ChatPlatformName; error?: string } = {}) => {
    await outcomes.submit([{ pageId, incidentId, status, text, extra, at: (deps.clock ?? systemClock).now() }]);
  };

  /** `/oncall page`: a message to a person, with no incident (and so no timeline) behind it. */
  const deliverManualPage = async (page: { id: number; message: string; person: { name: string } & ChatIdentities }) => {
    const port = deps.delivery.ports.find((p) => chatIdOf(page.person, p.platform));
    const status = async (value: string, platform: string | null, error: string | null) =>
      deps.database.sql.query(sql`
        UPDATE pages SET status = ${value}, platform = ${platform}::"ChatPlatform", error = ${error}, sent_at = CASE WHEN ${value} = 'sent' THEN now() ELSE NULL END
        WHERE id = ${page.id}::int`);
    if (!port) {
      await status('failed', null, `${page.person.name} has no chat identity`);
      return;
    }
    await deps.delivery.deliverOnce(`page:${page.id}`, { kind: 'person', via: port.platform, userId: chatIdOf(page.person, port.platform)! }, {
      summary: `You are paged: ${page.message}`,
      title: '📟 You are paged',
      color: 'red',
      sections: [{ text: page.message }],
    });
    await status('sent', port.platform, null);
  };

  return async (job: ClaimedJob) => {
    const pageId = Number(job.payload.pageId);
    const [page] = await pages.submit([pageId]);
    if (!page || page.status !== 'pending') return;
    if (!page.incident) return deliverManualPage(page);
    const incident = page.incident;
    if (incident.status !== 'triggered') {
      await record(pageId, incident.id, 'cancelled', `Page to ${page.person.name} not sent: ${incidentLabel(incident.id)} is already ${incident.status}`);
      return;
    }
    const ports = deps.delivery.ports;
    const port = ports.find((p) => chatIdOf(page.person, p.platform));
    if (!port) {
      const why = ports.length === 0 ? 'no chat platform is configured' : `${page.person.name} has no chat identity on ${ports.map((p) => p.platform).join(' or ')}`;
      // The chat message only: an email, SMS, call or push of the same page goes on by itself (page.notified).
      await record(pageId, incident.id, 'failed', `Could not page ${page.person.name} in chat: ${why}`, { error: why });
      return;
    }
    const userId = chatIdOf(page.person, port.platform)!;
    const label = incidentLabel(incident.id);
    try {
      // Keyed by the page: a retry after the timeline write failed does not page twice.
      await deps.delivery.deliverOnce(`page:${pageId}`, { kind: 'person', via: port.platform, userId }, {
        summary: `You are paged: ${label} ${severityLabel(incident.severity)} ${oneLine(incident.title)}`,
        title: `🚨 ${label} ${severityLabel(incident.severity)}: ${oneLine(incident.title)}`,
        color: 'red',
        sections: [{ text: `You are on call (escalation level ${page.level ?? '—'}). Acknowledge to stop the escalation.` }],
        buttons: [{ action: 'page.ack', label: 'Acknowledge', value: pageButtonValue(incident.id, String(pageId)), style: 'primary' }],
      });
    } catch (error) {
      if (error instanceof ChatApiError && !error.retryable && error.options.retryAfterMs === undefined) {
        await record(pageId, incident.id, 'failed', `Could not page ${page.person.name} on ${port.platform}: ${error.platformCode}`, { platform: port.platform, error: error.platformCode });
        throw new GiveUpError(error.message, { cause: error });
      }
      throw error;
    }
    await record(pageId, incident.id, 'sent', `Paged ${page.person.name} on ${port.platform} (level ${page.level ?? '—'})`, { platform: port.platform });
    const channel = incident.channels.find((c) => c.platform === port.platform);
    if (channel) {
      await deps.delivery
        .deliverOnce(`page:${pageId}:mention`, { kind: 'channel', via: port.platform, channelId: channel.channelId }, {
          summary: `Paging ${page.person.name}`,
          sections: [{ text: `Paging ${mention(userId)} (escalation level ${page.level ?? '—'}).` }],
          mentions: [userId],
        })
        .catch((error: Error) => deps.log.warn({ err: error, pageId }, 'could not mention the paged person in the incident channel'));
    }
  };
}

/** A page to deliver, with its person and its incident (and the incident's channels), as readPages reads it. */
interface PageToDeliver {
  id: number;
  status: string;
  message: string;
  level: number | null;
  person: { name: string } & ChatIdentities;
  incident: { id: number; status: string; severity: number; title: string; channels: { platform: ChatPlatformName; channelId: string }[] } | null;
}

interface PageRow {
  id: number;
  status: string;
  message: string;
  level: number | null;
  person_name: string;
  slack_id: string | null;
  discord_id: string | null;
  mattermost_id: string | null;
  teams_id: string | null;
  incident_id: number | null;
  incident_status: string | null;
  severity: number | null;
  title: string | null;
  channels: { platform: ChatPlatformName; channelId: string }[];
}

/**
 * The pages, in the order asked, each with its person and incident: one statement for them all,
 * where Prisma's include took several a page and, in a storm's thousand pages, a tenth of the
 * bot's CPU (a profile of bench:ingest's opens).
 */
async function readPages(db: Sql, ids: readonly number[]): Promise<(PageToDeliver | undefined)[]> {
  // Planned with its values each time, not prepared: see `prepared`.
  const rows = await db.query<PageRow>(sql`
    SELECT p.id, p.status, p.message, p.level, pe.name AS person_name, pe.slack_id, pe.discord_id, pe.mattermost_id, pe.teams_id,
           i.id AS incident_id, i.status AS incident_status, i.severity, i.title,
           COALESCE((SELECT json_agg(json_build_object('platform', c.platform, 'channelId', c.channel_id) ORDER BY c.id)
                     FROM chat_channels c WHERE c.incident_id = i.id), '[]'::json) AS channels
    FROM pages p JOIN people pe ON pe.id = p.person_id LEFT JOIN incidents i ON i.id = p.incident_id
    WHERE p.id = ANY (${[...ids]}::int[])`);
  const byId = new Map(rows.map((row) => [Number(row.id), row]));
  return ids.map((id) => {
    const row = byId.get(id);
    if (!row) return undefined;
    return {
      id,
      status: row.status,
      message: row.message,
      level: row.level === null ? null : Number(row.level),
      person: { name: row.person_name, slackId: row.slack_id, discordId: row.discord_id, mattermostId: row.mattermost_id, teamsId: row.teams_id },
      incident:
        row.incident_id === null
          ? null
          : { id: Number(row.incident_id), status: row.incident_status!, severity: Number(row.severity), title: row.title!, channels: row.channels },
    };
  });
}

export interface PageOutcome {
  pageId: number;
  incidentId: number;
  status: 'sent' | 'failed' | 'cancelled';
  text: string;
  extra: { platform?: ChatPlatformName; error?: string };
  at: Date;
}

/**
 * The pages' rows and their timeline entries. Incidents are taken before pages, the order of an
 * acknowledgement from a page's button (its incident locked, then its page closed): pages first,
 * the timeline entry's reference to that incident waited for the acknowledgement while the
 * acknowledgement waited for the page, a deadlock PostgreSQL broke only after a second.
 * A page acknowledged before its outcome is recorded stays acknowledged.
 */
export async function recordOutcomes(tx: Sql, recorded: readonly PageOutcome[]): Promise<void> {
  const rows = [...recorded]
    .sort((a, b) => a.pageId - b.pageId)
    .map((outcome) => ({ id: outcome.pageId, status: outcome.status, at: outcome.at.toISOString(), platform: outcome.extra.platform ?? null, error: outcome.extra.error ?? null }));
  const incidentIds = [...new Set(recorded.map((outcome) => outcome.incidentId))].sort((a, b) => a - b);
  // Planned with their values each time, not prepared: see `prepared`. Both in id order, as every
  // writer of several takes them; FOR KEY SHARE is the lock the timeline's reference takes anyway.
  await tx.query(sql`SELECT id FROM incidents WHERE id = ANY (${incidentIds}::int[]) ORDER BY id FOR KEY SHARE`);
  await tx.query(sql`SELECT id FROM pages WHERE id = ANY (${rows.map((row) => row.id)}::int[]) ORDER BY id FOR UPDATE`);
  await tx.query(prepared('pages.record-outcomes', sql`
    UPDATE pages p SET status = CASE WHEN p.status = 'acknowledged' THEN p.status ELSE r.status END,
      sent_at = CASE WHEN r.status = 'sent' THEN r.at ELSE p.sent_at END,
      platform = r.platform::"ChatPlatform", error = r.error
    FROM ${jsonRecords(rows, 'id int, status text, at timestamptz, platform text, error text')}
    WHERE p.id = r.id`));
  await appendTimeline(tx, recorded.map((outcome) => ({
    incidentId: outcome.incidentId,
    at: outcome.at,
    kind: `page.${outcome.status}`,
    actor: BOT,
    text: outcome.text,
    data: { pageId: outcome.pageId, ...outcome.extra },
  })));
}

import type { PrismaClient } from '../db/database.js';
import type { IncidentStatus } from '../db/generated/enums.js';

/**
 * What the bot holds of one alert that decides what its next notification does: `simulate`
 * reads it from the database, or from the running bot's `GET /api/alerts`.
 */
export interface StoredAlertFacts {
  status: 'firing' | 'resolved';
  /**
   * contentHashOf the alert as stored: equal to a notification's, that notification is a repeat.
   * Under REDACT_PII the API leaves it out: a hash of the unmasked text would let a read-token
   * holder test guesses of what was masked.
   */
  contentHash?: string;
  startsAt: Date;
  endsAt: Date | null;
  /** The maintenance window holding it (stored, no incident). */
  heldByWindow: number | null;
  /**
   * Whether it came in with the routing key the caller asked about (a key acts only on its own
   * alerts); undefined when no key was asked about.
   */
  sameRoutingKey?: boolean;
  incident: {
    id: number;
    title: string;
    status: IncidentStatus;
    /** The alert group it was opened for: re-firing within REOPEN_WINDOW, an alert joins that group's open incident if it has one. */
    groupKey: string | null;
    resolvedAt: Date | null;
    /** Until when the alert firing again re-opens this incident (resolved + REOPEN_WINDOW); null while open. */
    reopensUntil: Date | null;
  } | null;
}

export async function storedAlertFacts(
  prisma: PrismaClient,
  key: { source: string; fingerprint: string; routingKeyHash?: string },
  reopenWindowMs: number,
  options: { withContentHash: boolean },
): Promise<StoredAlertFacts | undefined> {
  const row = await prisma.alert.findUnique({
    where: { source_fingerprint: { source: key.source, fingerprint: key.fingerprint } },
    select: {
      status: true,
      contentHash: true,
      startsAt: true,
      endsAt: true,
      heldByWindow: true,
      routingKeyHash: true,
      incident: { select: { id: true, title: true, status: true, groupKey: true, resolvedAt: true } },
    },
  });
  if (!row) return undefined;
  const { incident } = row;
  return {
    status: row.status,
    ...(options.withContentHash ? { contentHash: row.contentHash } : {}),
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    heldByWindow: row.heldByWindow,
    ...(key.routingKeyHash !== undefined ? { sameRoutingKey: row.routingKeyHash === key.routingKeyHash } : {}),
    incident: incident && {
      id: incident.id,
      title: incident.title,
      status: incident.status,
      groupKey: incident.groupKey,
      resolvedAt: incident.resolvedAt,
      reopensUntil: incident.status === 'resolved' && incident.resolvedAt ? new Date(incident.resolvedAt.getTime() + reopenWindowMs) : null,
    },
  };
}

/** The facts as the API answers them (ISO times), and read back by the CLI. */
export type StoredAlertFactsJson = Omit<StoredAlertFacts, 'startsAt' | 'endsAt' | 'incident'> & {
  startsAt: string;
  endsAt: string | null;
  incident: (Omit<NonNullable<StoredAlertFacts['incident']>, 'resolvedAt' | 'reopensUntil'> & { resolvedAt: string | null; reopensUntil: string | null }) | null;
};

export function storedAlertFactsToJson(facts: StoredAlertFacts): StoredAlertFactsJson {
  const { incident } = facts;
  return {
    ...facts,
    startsAt: facts.startsAt.toISOString(),
    endsAt: facts.endsAt?.toISOString() ?? null,
    incident: incident && { ...incident, resolvedAt: incident.resolvedAt?.toISOString() ?? null, reopensUntil: incident.reopensUntil?.toISOString() ?? null },
  };
}

export function storedAlertFactsFromJson(json: StoredAlertFactsJson): StoredAlertFacts {
  const { incident } = json;
  const date = (text: string | null) => (text === null ? null : new Date(text));
  return {
    ...json,
    startsAt: new Date(json.startsAt),
    endsAt: date(json.endsAt),
    incident: incident && { ...incident, resolvedAt: date(incident.resolvedAt), reopensUntil: date(incident.reopensUntil) },
  };
}

import type { Database } from '../db/database.js';
import { json, sql, type Sql } from '../db/sql.js';
import { AppError } from '../errors.js';
import type { JobSpec } from '../engine/job.js';
import type { Actor } from './actor.js';
import { writeFollowUps, type IncidentEffects } from './incident-effects.js';
import { incidentLabel, severityLabel } from './incident-rules.js';
import { IncidentTransitions, lockIncidentsAndOpenOfGroups, requireIncident, type LockedIncident } from './incident-transitions.js';
import { appendTimeline } from './timeline.js';
import { systemClock, type Clock } from '../time/clock.js';

export const INCIDENT_ROLES = ['commander', 'comms', 'scribe'] as const;
export type IncidentRole = (typeof INCIDENT_ROLES)[number];

export const NOTE_TAGS = ['rootcause', 'impact', 'action'] as const;
export type NoteTag = (typeof NOTE_TAGS)[number];

/** Notes starting "rootcause:", "impact:" or "action:" feed the postmortem's sections. */
export function noteTag(text: string): NoteTag | undefined {
  const match = /^\s*(rootcause|root cause|impact|action)\s*:/i.exec(text);
  if (!match) return undefined;
  const word = match[1]!.toLowerCase().replace(' ', '');
  return word as NoteTag;
}

export interface DeclareInput {
  title: string;
  severity?: number;
  private?: boolean;
  team?: string;
  service?: string;
  playbookId?: string | null;
  /** The policy to page, copied onto the incident (the team's, when declared for a team); none pages nobody. */
  escalationPolicy?: unknown;
}


/**
 * The operations chat commands, buttons and the API call, as plain functions over the
 * database with the actor passed in. Each one is a single transaction that also writes the
 * timeline entry and the follow-up jobs.
 */
export class IncidentService {
  private readonly transitions: IncidentTransitions;

  constructor(
    private readonly database: Database,
    private readonly effects: IncidentEffects,
    private readonly options: { onCommitted?: () => void; clock?: Clock } = {},
  ) {
    this.transitions = new IncidentTransitions(effects);
  }

  private now(): Date {
    return (this.options.clock ?? systemClock).now();
  }

  private async change<T>(
    id: number,
    work: (tx: Sql, incident: LockedIncident, at: Date) => Promise<{ jobs: JobSpec[]; value: T }>,
    lock: (tx: Sql, id: number) => Promise<LockedIncident> = requireIncident,
  ): Promise<T> {
    const result = await this.database.transaction(async (tx) => {
      const incident = await lock(tx, id);
      const { jobs, value } = await work(tx, incident, this.now());
      await writeFollowUps(tx, [id], jobs);
      return value;
    });
    this.options.onCommitted?.();
    return result;
  }

  async declare(input: DeclareInput, actor: Actor): Promise<{ id: number }> {
    const title = input.title.trim();
    if (!title) throw new AppError('bad_request', 'An incident needs a title');
    if (title.length > 500) throw new AppError('bad_request', 'The title is longer than 500 characters');
    const severity = input.severity ?? 3;
    if (!Number.isInteger(severity) || severity < 1 || severity > 4) throw new AppError('bad_request', `Severity must be 1 to 4 (got ${severity})`);
    const at = this.now();
    const id = await this.database.transaction(async (tx) => {
      const [team] = input.team ? await tx.query<{ id: number }>(sql`SELECT id FROM teams WHERE key = ${input.team}`) : [];
      if (input.team && !team) throw new AppError('not_found', `There is no team "${input.team}"`);
      const [incident] = await tx.query<{ id: number; escalation_version: number }>(sql`
        INSERT INTO incidents (title, severity, private, team_id, service, source, playbook_id, escalation_policy, opened_at, updated_at)
        VALUES (${title}, ${severity}::int, ${input.private ?? false}, ${team?.id ?? null}::int, ${input.service ?? null}, 'manual',
                ${input.playbookId ?? null}, ${json(input.escalationPolicy)}::jsonb,
                ${at}::timestamptz, ${at}::timestamptz)
        RETURNING id, escalation_version`);
      const incidentId = Number(incident!.id);
      await appendTimeline(tx, [
        {
          incidentId,
          at,
          kind: 'incident.declared',
          actor,
          text: `${incidentLabel(incidentId)} declared: ${title} (${severityLabel(severity)}${input.private ? ', private' : ''})`,
        },
      ]);
      const jobs = await this.effects.opened(tx, { id: incidentId, escalationVersion: Number(incident!.escalation_version) });
      await writeFollowUps(tx, [incidentId], jobs);
      return incidentId;
    });
    this.options.onCommitted?.();
    return { id };
  }

  /** Acknowledges; from a page's button, the page is closed in the same transaction. */
  acknowledge(id: number, actor: Actor, pageId?: number): Promise<void> {
    return this.change(id, async (tx, incident, at) => {
      const jobs = await this.transitions.acknowledge(tx, incident, actor, at);
      if (pageId !== undefined) {
        await tx.query(sql`
          UPDATE pages SET status = 'acknowledged', acknowledged_at = ${at}::timestamptz WHERE id = ${pageId}::int AND incident_id = ${id}::int`);
      }
      return { jobs, value: undefined };
    });
  }

  mitigate(id: number, actor: Actor): Promise<void> {
    return this.change(id, async (tx, incident, at) => ({ jobs: await this.transitions.mitigate(tx, incident, actor, at), value: undefined }));
  }

  resolve(id: number, actor: Actor, summary?: string): Promise<void> {
    return this.change(id, async (tx, incident, at) => ({
      jobs: await this.transitions.resolve(tx, incident, actor, at, summary?.trim() || undefined),
      value: undefined,
    }));
  }

  reopen(id: number, actor: Actor, reason = 'by hand'): Promise<void> {
    return this.change(id, async (tx, incident, at) => ({ jobs: await this.transitions.reopen(tx, incident, actor, at, reason), value: undefined }), requireIncidentAndGroupHolder);
  }

  setSeverity(id: number, severity: number, actor: Actor): Promise<void> {
    if (!Number.isInteger(severity) || severity < 1 || severity > 4) {
      return Promise.reject(new AppError('bad_request', `Severity must be 1 to 4 (got ${severity})`));
    }
    return this.change(id, async (tx, incident, at) => {
      await this.transitions.setSeverity(tx, incident, severity, actor, at);
      return { jobs: [], value: undefined };
    });
  }

  assignRole(id: number, role: IncidentRole, person: { id: number; name: string }, actor: Actor): Promise<void> {
    return this.change(id, async (tx, incident, at) => {
      await tx.query(sql`
        INSERT INTO incident_roles (incident_id, role, person_id, assigned_at) VALUES (${incident.id}::int, ${role}, ${person.id}::int, ${at}::timestamptz)
        ON CONFLICT (incident_id, role) DO UPDATE SET person_id = EXCLUDED.person_id, assigned_at = EXCLUDED.assigned_at`);
      await appendTimeline(tx, [
        { incidentId: incident.id, at, kind: 'role.assigned', actor, text: `${person.name} is ${role}`, data: { role, personId: person.id } },
      ]);
      return { jobs: [], value: undefined };
    });
  }

  /** A note; its postmortem tag is given (chat parses it off) or read from a "rootcause:" style prefix. */
  addNote(id: number, text: string, actor: Actor, givenTag?: NoteTag): Promise<{ tag?: NoteTag }> {
    const note = text.trim();
    if (!note) return Promise.reject(new AppError('bad_request', 'A note needs some text'));
    const tag = givenTag ?? noteTag(note);
    return this.change(id, async (tx, incident, at) => {
      await appendTimeline(tx, [{ incidentId: incident.id, at, kind: 'note', actor, text: note, tag }]);
      return { jobs: [], value: { tag } };
    });
  }

  /**
   * A person says the incident was noise: one vote per person (saying it again replaces the
   * reason), kept with the route that opened it for the weekly report, and noted on the timeline.
   */
  markNoisy(id: number, person: Extract<Actor, { kind: 'person' }>, reason?: string): Promise<{ again: boolean }> {
    const why = reason?.trim().slice(0, 500) || null;
    return this.change(id, async (tx, incident, at) => {
      const [vote] = await tx.query<{ inserted: boolean }>(sql`
        INSERT INTO noise_votes (incident_id, person_id, route_id, reason, at)
        VALUES (${incident.id}::int, ${person.personId}::int, (SELECT route_id FROM incidents WHERE id = ${incident.id}::int), ${why}, ${at}::timestamptz)
        ON CONFLICT (incident_id, person_id) DO UPDATE SET reason = EXCLUDED.reason, at = EXCLUDED.at
        RETURNING (xmax = 0) AS inserted`);
      await appendTimeline(tx, [{ incidentId: incident.id, at, kind: 'noise.vote', actor: person, text: `${person.name} marked this incident as noise${why ? `: ${why}` : ''}` }]);
      return { jobs: [], value: { again: vote?.inserted === false } };
    });
  }

  postStatusUpdate(id: number, text: string, actor: Actor): Promise<void> {
    const update = text.trim();
    if (!update) return Promise.reject(new AppError('bad_request', 'A status update needs some text'));
    return this.change(id, async (tx, incident, at) => {
      await appendTimeline(tx, [{ incidentId: incident.id, at, kind: 'status.update', actor, text: update }]);
      return { jobs: [], value: undefined };
    });
  }
}

/**
 * The incident, and the open incident of its alert group that a reopen checks, locked together in
 * id order, as the intake and the escalation worker lock several. Locked one after the other, the
 * holder second, a reopen waited for a holder with a lower id that an escalation batch or an
 * intake batch held while it waited for the incident: a deadlock.
 */
async function requireIncidentAndGroupHolder(tx: Sql, id: number): Promise<LockedIncident> {
  // The group an incident belongs to never changes, so it can be read before the lock.
  const [row] = await tx.query<{ group_key: string | null }>(sql`SELECT group_key FROM incidents WHERE id = ${id}::int`);
  if (row?.group_key) await lockIncidentsAndOpenOfGroups(tx, [id], [row.group_key]);
  return requireIncident(tx, id);
}

import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AuditLog, AuditResult } from '../access/audit-log.js';
import { auditDetailOf, auditResultOf } from '../access/audit-outcome.js';
import { incidentAccessFacts } from '../access/incident-access-facts.js';
import { decideAccess, needsIncidentFacts } from '../access/permissions.js';
import { jsonBody } from '../alerts/json-body.js';
import type { ParsedCommand } from '../chat/commands/parsed-command.js';
import type { PrismaClient } from '../db/database.js';
import { AppError } from '../errors.js';
import { apiAuth, apiCaller, type ApiTokens } from '../http/api-auth.js';
import { toAppError, type RouteModule } from '../http/server.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { listedPerson } from '../oncall/listed-person.js';
import type { Actor } from './actor.js';
import { parseIncidentNumber } from './incident-api-routes.js';
import { getIncident } from './incident-queries.js';
import { incidentLabel, severityLabel } from './incident-rules.js';
import { NOTE_TAGS, type IncidentService } from './incident-service.js';

/** As long as a Slack slash command may be: nothing reaches the timeline through the API that chat could not send. */
const TEXT_MAX = 4000;
/** The timeline's name for a change made with the write token on nobody's behalf. */
export const WRITE_TOKEN_ACTOR = 'API write token';

const asPerson = z.string().trim().min(1, 'must name a person of oncall.yaml (handle or email)').max(200).optional();
const text = () => z.string().trim().max(TEXT_MAX, `must be at most ${TEXT_MAX} characters`);

const bodies = {
  ack: z.object({ as: asPerson }).strict(),
  mitigate: z.object({ as: asPerson }).strict(),
  resolve: z.object({ as: asPerson, summary: text().optional() }).strict(),
  notes: z.object({ as: asPerson, text: text().min(1, 'must not be empty'), tag: z.enum(NOTE_TAGS).optional() }).strict(),
  reopen: z.object({ as: asPerson, reason: text().optional() }).strict(),
  severity: z
    .object({
      as: asPerson,
      // 1 to 4, or as chat takes it: sev2, SEV2.
      severity: z.union([z.number(), z.string()]).transform((value, ctx) => {
        const n = typeof value === 'number' ? value : Number(/^(?:sev)?([1-4])$/i.exec(value.trim())?.[1] ?? NaN);
        if (!Number.isInteger(n) || n < 1 || n > 4) {
          ctx.addIssue({ code: 'custom', message: 'must be 1 to 4 (or sev1 to sev4)' });
          return z.NEVER;
        }
        return n;
      }),
    })
    .strict(),
};
type WriteAction = keyof typeof bodies;
type BodyOf<A extends WriteAction> = z.infer<(typeof bodies)[A]>;

const COMMAND_KIND: Record<WriteAction, 'incident.ack' | 'incident.mitigate' | 'incident.resolve' | 'incident.note' | 'incident.reopen' | 'incident.sev'> = {
  ack: 'incident.ack',
  mitigate: 'incident.mitigate',
  resolve: 'incident.resolve',
  notes: 'incident.note',
  reopen: 'incident.reopen',
  severity: 'incident.sev',
};

export interface IncidentWriteDeps {
  prisma: PrismaClient;
  incidents: IncidentService;
  oncall: () => OncallConfig;
  audit: AuditLog;
  tokens: ApiTokens;
}

/** Who a write acts as: the person named by `as`, who must be listed in oncall.yaml, else the write token itself. */
interface WriteActor {
  actor: Actor;
  personId?: number;
  name: string;
  handle?: string;
}

/** A body may be left out (`curl -X POST`): it then means "as the write token, no text". */
function readBody(body: unknown): unknown {
  if (body === undefined || (typeof body === 'string' && body.trim() === '')) return {};
  return jsonBody(body);
}

/**
 * POST /api/incidents/:number/ack|mitigate|resolve|notes with the write token: the chat commands
 * of the same names for scripts, the CLI and anyone without chat. They go through the incident
 * service as chat does, so the timeline, the card, the end of escalation and the audit row are
 * the same; a person named with `as` is held to the same roles as in chat.
 */
export function incidentWriteRoutes(deps: IncidentWriteDeps): RouteModule {
  const onRequest = apiAuth(deps.tokens, 'write');

  const actorFor = async (as: string | undefined): Promise<WriteActor> => {
    if (as === undefined) return { actor: { kind: 'source', name: WRITE_TOKEN_ACTOR }, name: WRITE_TOKEN_ACTOR };
    const person = await listedPerson(deps.prisma, deps.oncall(), as, 'oncall.yaml lists nobody yet; leave "as" out to act as the write token');
    return { actor: { kind: 'person', personId: person.id, name: person.name }, personId: person.id, name: person.name, handle: person.handle };
  };

  const perform = async (action: WriteAction, number: number, body: BodyOf<WriteAction>, who: WriteActor): Promise<{ status: number; reply: Record<string, unknown> }> => {
    const label = incidentLabel(number);
    if (who.personId !== undefined) {
      const command = { kind: COMMAND_KIND[action], incidentNumber: number } as ParsedCommand;
      const facts = needsIncidentFacts(command.kind) ? await incidentAccessFacts(deps.prisma, number, who.personId) : undefined;
      const decision = decideAccess(command, { personId: who.personId, name: who.name, handle: who.handle }, deps.oncall(), facts);
      if (!decision.allowed) throw new AppError('forbidden', decision.reason);
    }
    switch (action) {
      case 'ack':
        await deps.incidents.acknowledge(number, who.actor);
        return { status: 200, reply: { message: `${label} acknowledged by ${who.name}. Escalation stops here.`, incident: await getIncident(deps.prisma, number) } };
      case 'mitigate':
        await deps.incidents.mitigate(number, who.actor);
        return { status: 200, reply: { message: `${label} mitigated by ${who.name}: the impact has stopped.`, incident: await getIncident(deps.prisma, number) } };
      case 'resolve': {
        const summary = (body as BodyOf<'resolve'>).summary || undefined;
        await deps.incidents.resolve(number, who.actor, summary);
        return { status: 200, reply: { message: `${label} resolved by ${who.name}${summary ? `: ${summary}` : '.'}`, incident: await getIncident(deps.prisma, number) } };
      }
      case 'reopen': {
        const reason = (body as BodyOf<'reopen'>).reason || undefined;
        await deps.incidents.reopen(number, who.actor, reason ?? `by ${who.name}`);
        return { status: 200, reply: { message: `${label} re-opened by ${who.name}${reason ? `: ${reason.replace(/[.!?]?$/, '.')}` : '.'} Escalation starts again.`, incident: await getIncident(deps.prisma, number) } };
      }
      case 'severity': {
        const { severity } = body as BodyOf<'severity'>;
        await deps.incidents.setSeverity(number, severity, who.actor);
        return { status: 200, reply: { message: `${label} is now ${severityLabel(severity)} (set by ${who.name}).`, incident: await getIncident(deps.prisma, number) } };
      }
      case 'notes': {
        const note = body as BodyOf<'notes'>;
        const { tag } = await deps.incidents.addNote(number, note.text, who.actor, note.tag);
        return { status: 201, reply: { message: `Noted on the timeline of ${label}${tag ? ` (tagged ${tag} for the postmortem)` : ''}.`, ...(tag ? { tag } : {}) } };
      }
    }
  };

  const route = (action: WriteAction) => async (request: FastifyRequest) => {
    const caller = apiCaller(request, WRITE_TOKEN_ACTOR);
    let number: number | undefined;
    let body: BodyOf<WriteAction> | undefined;
    let who: WriteActor | undefined;
    const record = (result: AuditResult, detail?: string) =>
      deps.audit.record({
        actorId: who?.personId ?? null,
        actorName: who?.personId !== undefined ? who.name : caller,
        platform: 'api',
        action: COMMAND_KIND[action],
        args: { ...(number !== undefined ? { incident: number } : {}), ...(body ?? {}), via: caller },
        result,
        detail,
      });
    try {
      number = parseIncidentNumber(request.params);
      body = bodies[action].parse(readBody(request.body));
      who = await actorFor(body.as);
      const outcome = await perform(action, number, body, who);
      await record('ok');
      return outcome;
    } catch (error) {
      const failure = toAppError(error as Error);
      await record(auditResultOf(failure), auditDetailOf(failure));
      throw error;
    }
  };

  return (app) => {
    for (const action of Object.keys(bodies) as WriteAction[]) {
      const handle = route(action);
      app.post(`/api/incidents/:number/${action}`, { onRequest }, async (request, reply) => {
        const { status, reply: answer } = await handle(request);
        return reply.status(status).send(answer);
      });
    }
  };
}

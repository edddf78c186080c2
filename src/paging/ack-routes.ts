import type { FastifyReply } from 'fastify';
import type { AuditLog } from '../access/audit-log.js';
import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import { isAppError } from '../errors.js';
import type { RouteModule } from '../http/server.js';
import { incidentLabel, severityLabel } from '../incidents/incident-rules.js';
import type { IncidentService } from '../incidents/incident-service.js';
import { oneLine } from '../incidents/one-line.js';
import { readActionToken, useActionToken } from './action-tokens.js';
import { escapeMarkup } from './escape-markup.js';


function page(title: string, body: string, button?: string): string {
  const form = button ? `<form method="post" enctype="text/plain"><button type="submit" style="font-size:1.2em;padding:12px 24px">${escapeMarkup(button)}</button></form>` : '';
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeMarkup(title)}</title></head>
<body style="font-family:sans-serif;max-width:36em;margin:2em auto;padding:0 1em"><h1 style="font-size:1.4em">${escapeMarkup(title)}</h1><p>${escapeMarkup(body)}</p>${form}</body></html>`;
}

/**
 * `GET /ack/<token>` and `POST /ack/<token>`: the one-time links in page emails and pushes. The
 * token in the path is the credential, checked before anything else. Opening the link only shows
 * what it will do; the button (a POST) does it, because mail scanners and link previews open
 * every link in a message and must not acknowledge a page for the person.
 */
export function ackRoutes(deps: { database: Database; incidents: IncidentService; audit: AuditLog; publicUrl?: () => string }): RouteModule {
  // Where the incident goes on being told: its channel when there is chat, its console page always.
  const consoleLink = (id: number) => (deps.publicUrl ? `${deps.publicUrl()}/ui/incidents/${id}` : 'in its channel and in the web console');
  const incidentOf = async (pageId: number | null) => {
    if (pageId === null) return undefined;
    const [row] = await deps.database.sql.query<{ id: number; title: string; severity: number; status: string }>(sql`
      SELECT i.id, i.title, i.severity, i.status FROM pages p JOIN incidents i ON i.id = p.incident_id WHERE p.id = ${pageId}::int`);
    return row ? { id: Number(row.id), title: row.title, severity: Number(row.severity), status: row.status } : undefined;
  };
  const personName = async (personId: number) =>
    (await deps.database.sql.query<{ name: string }>(sql`SELECT name FROM people WHERE id = ${personId}::int`))[0]?.name ?? 'someone';
  const html = (reply: FastifyReply, status: number, body: string) => reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);

  /** Why a token cannot be used now, as a page: unknown, used, or expired; undefined when it can. */
  const refusal = async (record: Awaited<ReturnType<typeof readActionToken>>) => {
    if (!record) return { status: 404, body: page('This link is not valid', 'It may have been copied incompletely. Acknowledge in chat, or with incident-bot incident ack <number> where the bot runs.') };
    if (record.usedAt) {
      const incident = await incidentOf(record.pageId);
      return { status: 410, body: page('This link was already used', incident ? `${incidentLabel(incident.id)} is ${incident.status}.` : 'Nothing more to do.') };
    }
    if (record.expired) return { status: 410, body: page('This link has expired', 'Acknowledge in chat, or with incident-bot incident ack <number> where the bot runs.') };
    return undefined;
  };

  return (app) => {
    app.get<{ Params: { token: string } }>('/ack/:token', async (request, reply) => {
      const found = await readActionToken(deps.database.sql, request.params.token);
      // A console sign-in link is not an acknowledgement: here it is unknown.
      const record = found?.purpose === 'web' ? undefined : found;
      const refused = await refusal(record);
      if (refused || !record) return html(reply, refused?.status ?? 404, refused?.body ?? '');
      const incident = await incidentOf(record.pageId);
      if (record.purpose === 'verify') return html(reply, 200, page(`Confirm ${record.via ?? 'this contact method'} for paging`, `Pages will reach ${record.address ?? 'you'} once you confirm.`, 'Confirm'));
      if (!incident) return html(reply, 404, page('This link is not valid', 'The page it belongs to no longer exists.'));
      const what = `${incidentLabel(incident.id)} ${severityLabel(incident.severity)}: ${oneLine(incident.title)}`;
      if (incident.status !== 'triggered') return html(reply, 200, page(`${incidentLabel(incident.id)} is already ${incident.status}`, what));
      return html(reply, 200, page(`Acknowledge ${incidentLabel(incident.id)}?`, what, `Acknowledge ${incidentLabel(incident.id)}`));
    });

    app.post<{ Params: { token: string } }>('/ack/:token', { bodyLimit: 1024 }, async (request, reply) => {
      const token = request.params.token;
      const used = await deps.database.transaction((tx) => useActionToken(tx, token, ['ack', 'verify']));
      if (!used) {
        const found = await readActionToken(deps.database.sql, token);
        const refused = await refusal(found?.purpose === 'web' ? undefined : found);
        return html(reply, refused?.status ?? 404, refused?.body ?? page('This link is not valid', ''));
      }
      const name = await personName(used.personId);
      if (used.purpose === 'verify') {
        await deps.database.sql.query(sql`
          INSERT INTO contact_verifications (person_id, via, address, verified_at) VALUES (${used.personId}::int, ${used.via}, ${used.address}, now())
          ON CONFLICT (person_id, via, address) DO UPDATE SET verified_at = now(), code_hash = NULL, code_expires_at = NULL`);
        await deps.audit.record({ actorId: used.personId, actorName: name, platform: 'http', action: 'contact.verify', args: { via: used.via }, result: 'ok' });
        return html(reply, 200, page('Confirmed', `Pages can now reach you by ${used.via}.`));
      }
      const incident = await incidentOf(used.pageId);
      if (!incident) return html(reply, 404, page('This link is not valid', 'The page it belongs to no longer exists.'));
      try {
        await deps.incidents.acknowledge(incident.id, { kind: 'person', personId: used.personId, name }, used.pageId ?? undefined);
        await deps.audit.record({ actorId: used.personId, actorName: name, platform: 'http', action: 'incident.ack', args: { incident: incident.id, via: `${used.via ?? 'link'} link` }, result: 'ok' });
        return html(reply, 200, page(`${incidentLabel(incident.id)} acknowledged`, `Thanks, ${name}. Escalation has stopped. The incident, as it goes on: ${consoleLink(incident.id)}`));
      } catch (error) {
        if (!isAppError(error)) throw error;
        await deps.audit.record({ actorId: used.personId, actorName: name, platform: 'http', action: 'incident.ack', args: { incident: incident.id, via: `${used.via ?? 'link'} link` }, result: 'refused', detail: error.message });
        return html(reply, 409, page(`${incidentLabel(incident.id)} was not acknowledged`, error.message));
      }
    });
  };
}

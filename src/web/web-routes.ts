import type { FastifyReply, FastifyRequest } from 'fastify';
import { findAuditEntries, type AuditLog } from '../access/audit-log.js';
import type { Database } from '../db/database.js';
import { sql } from '../db/sql.js';
import { TokenBuckets } from '../abuse/token-buckets.js';
import type { RouteModule } from '../http/server.js';
import { incidentLabel } from '../incidents/incident-rules.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { readActionToken, useActionToken } from '../paging/action-tokens.js';
import { draftPostmortem } from '../reports/postmortem.js';
import { buildWeeklyReport } from '../reports/weekly-report.js';
import { renderReportCsv } from '../reports/weekly-report-render.js';
import { auditPageContent } from './audit-page.js';
import { reportPageContent } from './report-page.js';
import { oncallPageContent, VIEW_DAYS, type OncallView } from './oncall-page.js';
import { allOverridesBetween } from '../oncall/stored-overrides.js';
import type { Clock } from '../time/clock.js';
import { parseIncidentListFilter } from './incident-list-filter.js';
import { filterForm, incidentTable, readIncidentList } from './incident-list-page.js';
import { canSeeIncident, incidentPageContent } from './incident-page.js';
import { OidcSignIn, SignInError, type OidcSettings } from './oidc-sign-in.js';
import { consolePage, h } from './web-page.js';
import { cookieValue, sessionCookie, sessionCookieName } from './web-cookies.js';
import { createWebSession, endWebSession, readWebSession, SESSION_LIFETIME_MS, type SignInMethod } from './web-sessions.js';
import { personByEmail, viewerOf, type Viewer } from './web-viewer.js';

export interface WebConsoleDeps {
  database: Database;
  oncall: () => OncallConfig;
  audit: AuditLog;
  log: Logger;
  clock: Clock;
  /** PUBLIC_URL: https there makes the cookie Secure and __Host-. */
  publicUrl?: string;
  oidc?: Omit<OidcSettings, 'redirectUri'>;
  changeWindowMs?: number;
  /** REPORT_TIMEZONE: the report's weeks start Monday there, as the API's do. */
  reportTimeZone: string;
}

// No script at all, nothing from elsewhere, never framed; and no Referer to other sites, so the
// one-time link in the address bar never leaves with a click (same-origin, not no-referrer: with
// no-referrer a browser sends "Origin: null" on the console's own forms).
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

const FORM_BODY_LIMIT = 4 * 1024;

/** A local page of the console to go back to after sign-in; anything else (another site) becomes the incidents page. */
export function safeReturnPath(value: unknown): string {
  return typeof value === 'string' && /^\/ui\/[A-Za-z0-9/_.?=&%+-]*$/.test(value) && !/\.\.|%2e/i.test(value) && value.length <= 500 ? value : '/ui/incidents';
}

/**
 * The web console: `GET /` and `/ui/...`. Every page but sign-in needs a session, checked in
 * onRequest, before any body is read. Sessions come from the company's OpenID provider or from
 * the one-time link `/incident web` sends in chat.
 */
export function webConsoleRoutes(deps: WebConsoleDeps): RouteModule {
  const publicOrigin = deps.publicUrl ? new URL(deps.publicUrl).origin : undefined;
  const secure = deps.publicUrl ? new URL(deps.publicUrl).protocol === 'https:' : false;
  const signInCookieName = secure ? '__Host-incident_signin' : 'incident_signin';
  // Sign-in attempts per address: generous for people, a wall for a script filling web_sign_ins.
  const signInLimiter = new TokenBuckets({ ratePerSecond: 1, burst: 30 });
  const cookieName = sessionCookieName(secure);
  const oidc = deps.oidc && deps.publicUrl ? new OidcSignIn({ ...deps.oidc, redirectUri: new URL('/ui/auth/callback', deps.publicUrl).toString() }, deps.database.sql) : undefined;
  const viewers = new WeakMap<FastifyRequest, Viewer>();

  const html = (reply: FastifyReply, status: number, body: string) => reply.status(status).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(body);
  const message = (reply: FastifyReply, status: number, title: string, text: string, viewer?: Viewer) =>
    html(reply, status, consolePage(title, undefined, viewer, `<p>${h(text)}</p><p><a href="${viewer ? '/ui/incidents' : '/ui/sign-in'}">${viewer ? 'Incidents' : 'Sign in'}</a></p>`));

  /** onRequest: the viewer, or a redirect to sign-in (GET) or a 401 (anything else). */
  const requireViewer = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await readWebSession(deps.database.sql, cookieValue(request.headers.cookie, cookieName));
    const viewer = session ? await viewerOf(deps.database.sql, session, deps.oncall()) : undefined;
    if (viewer) {
      viewers.set(request, viewer);
      return;
    }
    if (request.method === 'GET') return reply.status(303).headers(SECURITY_HEADERS).header('location', `/ui/sign-in?next=${encodeURIComponent(safeReturnPath(request.url))}`).send();
    return message(reply, 401, 'Signed out', 'Your session has ended. Sign in again.');
  };
  const viewerOfRequest = (request: FastifyRequest) => viewers.get(request)!;

  /**
   * A POST another site's page made (a form posted across sites signs a visitor in as whoever
   * sent the link, or out): browsers say where it came from in Sec-Fetch-Site and Origin.
   */
  const crossSite = (request: FastifyRequest): boolean => {
    const site = request.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin') return true;
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    return origin !== (publicOrigin ?? `${request.protocol}://${request.headers.host ?? ''}`);
  };
  const refuseCrossSite = async (request: FastifyRequest, reply: FastifyReply) => {
    if (crossSite(request)) return message(reply, 403, 'Refused', 'This form was sent from another site. Open the console yourself and try again.');
  };
  const limitSignIns = async (request: FastifyRequest, reply: FastifyReply) => {
    const taken = signInLimiter.take(request.ip, deps.clock.now().getTime());
    if (!taken.ok) return message(reply.header('retry-after', String(Math.ceil(taken.retryAfterMs / 1000))), 429, 'Too many sign-ins', 'Too many sign-in attempts from this address. Wait a minute and try again.');
  };

  /** A form post's fields, once the session is known; refused unless its CSRF token is the session's. */
  const formOf = (request: FastifyRequest, viewer: Viewer): URLSearchParams | undefined => {
    const form = new URLSearchParams(typeof request.body === 'string' ? request.body : '');
    return form.get('csrf') === viewer.csrfToken ? form : undefined;
  };

  const signIn = async (request: FastifyRequest, reply: FastifyReply, personId: number, via: SignInMethod, returnTo: string) => {
    // Whatever session this browser had ends here: one browser, one sign-in.
    const previous = cookieValue(request.headers.cookie, cookieName);
    if (previous) await endWebSession(deps.database.sql, previous);
    const session = await createWebSession(deps.database.sql, personId, via);
    const [person] = await deps.database.sql.query<{ name: string }>(sql`SELECT name FROM people WHERE id = ${personId}::int`);
    await deps.audit.record({ actorId: personId, actorName: person?.name ?? 'someone', platform: 'web', action: 'web.sign-in', args: { via }, result: 'ok' });
    return reply
      .status(303)
      .headers(SECURITY_HEADERS)
      .header('set-cookie', sessionCookie(cookieName, session.id, { secure, maxAgeSeconds: SESSION_LIFETIME_MS / 1000 }))
      .header('location', safeReturnPath(returnTo))
      .send();
  };

  return (app) => {
    app.get('/', async (_request, reply) => reply.status(303).header('location', '/ui/incidents').send());
    app.get('/ui', async (_request, reply) => reply.status(303).header('location', '/ui/incidents').send());
    app.get('/ui/', async (_request, reply) => reply.status(303).header('location', '/ui/incidents').send());

    app.get<{ Querystring: { next?: string } }>('/ui/sign-in', async (request, reply) => {
      const next = safeReturnPath(request.query.next);
      const provider = oidc
        ? `<p><a href="/ui/auth/start?next=${h(encodeURIComponent(next))}" id="sign-in-oidc">Sign in with your company account</a></p><p>Or, without it:</p>`
        : '';
      return html(reply, 200, consolePage('Sign in', undefined, undefined, `${provider}<p>Type <code>/incident web</code> in Slack or Discord. The bot answers you privately with a one-time link, valid for 10 minutes.</p><p>Without chat: where the bot runs, <code>incident-bot web link &lt;your handle&gt;</code> (<code>npm run cli -- web link alice</code>) prints the same link.</p>`));
    });

    app.get<{ Querystring: { next?: string } }>('/ui/auth/start', { onRequest: limitSignIns }, async (request, reply) => {
      if (!oidc) return message(reply, 404, 'No identity provider', 'Sign-in through an identity provider is not set up here (OIDC_ISSUER). Use /incident web in chat.');
      try {
        const { url, browserSecret } = await oidc.start(safeReturnPath(request.query.next));
        return reply
          .status(303)
          .headers(SECURITY_HEADERS)
          .header('set-cookie', sessionCookie(signInCookieName, browserSecret, { secure, maxAgeSeconds: 600 }))
          .header('location', url.toString())
          .send();
      } catch (error) {
        if (!(error instanceof SignInError)) throw error;
        deps.log.warn({ reason: error.reason, detail: error.detail }, error.message);
        return message(reply, 502, 'Sign-in is unavailable', error.message);
      }
    });

    app.get('/ui/auth/callback', async (request, reply) => {
      if (!oidc) return message(reply, 404, 'No identity provider', 'Sign-in through an identity provider is not set up here (OIDC_ISSUER).');
      try {
        const identity = await oidc.finish(new URL(request.url, 'http://callback.invalid'), cookieValue(request.headers.cookie, signInCookieName));
        reply.header('set-cookie', sessionCookie(signInCookieName, '', { secure, maxAgeSeconds: 0 }));
        const personId = await personByEmail(deps.database.sql, deps.oncall(), identity.email);
        if (personId === undefined) {
          await deps.audit.record({ actorName: identity.email, platform: 'web', action: 'web.sign-in', args: { via: 'oidc' }, result: 'refused', detail: 'not in oncall.yaml' });
          return message(reply, 403, 'Not listed', `${identity.email} is not the email of anyone in oncall.yaml. Ask an admin to add it to your entry.`);
        }
        return await signIn(request, reply, personId, 'oidc', identity.returnTo);
      } catch (error) {
        if (!(error instanceof SignInError)) throw error;
        if (error.detail) deps.log.warn({ reason: error.reason, detail: error.detail }, error.message);
        return message(reply, error.reason === 'provider_unreachable' ? 502 : 400, 'Sign-in failed', error.message);
      }
    });

    // The link from /incident web. Opening it only shows a button: mail and chat link previews
    // open every link they see, and must not use it up.
    app.get<{ Params: { token: string } }>('/ui/link/:token', async (request, reply) => {
      const record = await readActionToken(deps.database.sql, request.params.token);
      if (!record || record.purpose !== 'web') return message(reply, 404, 'This link is not valid', 'It may have been copied incompletely. Ask for a new one: /incident web in chat, or incident-bot web link <you> where the bot runs.');
      if (record.usedAt) return message(reply, 410, 'This link was already used', 'Each link signs in once. Ask for a new one: /incident web in chat, or incident-bot web link <you> where the bot runs.');
      if (record.expired) return message(reply, 410, 'This link has expired', 'Links are valid for 10 minutes. Ask for a new one: /incident web in chat, or incident-bot web link <you> where the bot runs.');
      return html(reply, 200, consolePage('Sign in to the incident console', undefined, undefined, '<form method="post"><button type="submit" id="use-link">Sign in</button></form>'));
    });

    app.post<{ Params: { token: string } }>('/ui/link/:token', { onRequest: [refuseCrossSite, limitSignIns], bodyLimit: FORM_BODY_LIMIT }, async (request, reply) => {
      const used = await deps.database.transaction((tx) => useActionToken(tx, request.params.token, ['web']));
      if (!used) {
        const record = await readActionToken(deps.database.sql, request.params.token);
        const why = record?.purpose !== 'web' ? 'It may have been copied incompletely.' : record.usedAt ? 'It was already used: each link signs in once.' : 'It has expired: links are valid for 10 minutes.';
        return message(reply, record?.purpose === 'web' ? 410 : 404, 'This link cannot sign you in', `${why} Ask for a new one: /incident web in chat, or incident-bot web link <you> where the bot runs.`);
      }
      return signIn(request, reply, used.personId, 'link', '/ui/incidents');
    });

    app.post('/ui/sign-out', { onRequest: [refuseCrossSite, requireViewer], bodyLimit: FORM_BODY_LIMIT }, async (request, reply) => {
      const viewer = viewerOfRequest(request);
      if (!formOf(request, viewer)) return message(reply, 403, 'Not signed out', 'The form was not from this console (its check token did not match). Reload the page and try again.', viewer);
      await endWebSession(deps.database.sql, cookieValue(request.headers.cookie, cookieName) ?? '');
      await deps.audit.record({ actorId: viewer.personId, actorName: viewer.name, platform: 'web', action: 'web.sign-out', result: 'ok' });
      return reply.status(303).headers(SECURITY_HEADERS).header('set-cookie', sessionCookie(cookieName, '', { secure, maxAgeSeconds: 0 })).header('location', '/ui/sign-in').send();
    });

    app.get<{ Querystring: Record<string, unknown> }>('/ui/incidents', { onRequest: requireViewer }, async (request, reply) => {
      const viewer = viewerOfRequest(request);
      const teams = Object.values(deps.oncall().teams).map((team) => ({ key: team.key, name: team.name }));
      const parsed = parseIncidentListFilter(request.query, teams.map((team) => team.key), viewer.timeZone);
      if ('problems' in parsed) return html(reply, 400, consolePage('Incidents', 'incidents', viewer, filterForm(parsed.raw, teams, parsed.problems)));
      const { rows, more } = await readIncidentList(deps.database.sql, viewer, parsed.filter);
      return html(reply, 200, consolePage('Incidents', 'incidents', viewer, filterForm(parsed.filter.raw, teams) + incidentTable(rows, more, parsed.filter, viewer.timeZone)));
    });

    /** The report's choices from the query string, or what is wrong with them. */
    const reportChoice = (query: Record<string, unknown>): { weeks: number; team?: string } | { problems: string[] } => {
      const weeksText = typeof query.weeks === 'string' && query.weeks !== '' ? query.weeks : '12';
      const team = typeof query.team === 'string' && query.team !== '' ? query.team.slice(0, 100) : undefined;
      const problems: string[] = [];
      if (!/^\d{1,3}$/.test(weeksText) || Number(weeksText) < 1 || Number(weeksText) > 104) problems.push(`Weeks: "${weeksText.slice(0, 20)}" is not a number of weeks from 1 to 104.`);
      if (team !== undefined && !deps.oncall().teams[team]) problems.push(`Team: no team "${team}" in oncall.yaml.`);
      return problems.length ? { problems } : { weeks: Number(weeksText), team };
    };
    const teamChoices = () => Object.values(deps.oncall().teams).map((team) => ({ key: team.key, name: team.name }));

    app.get<{ Querystring: Record<string, unknown> }>('/ui/reports', { onRequest: requireViewer }, async (request, reply) => {
      const viewer = viewerOfRequest(request);
      if (!viewer.canSeeReports) return message(reply, 403, 'Reports', 'Reports are for managers and admins (roles: in oncall.yaml).', viewer);
      const choice = reportChoice(request.query);
      if ('problems' in choice) return html(reply, 400, consolePage('Reports', 'reports', viewer, `<div role="alert"><ul>${choice.problems.map((p) => `<li>${h(p)}</li>`).join('')}</ul></div><p><a href="/ui/reports">The last 12 weeks</a></p>`));
      const report = await buildWeeklyReport(deps.database.sql, { weeks: choice.weeks, team: choice.team, timeZone: deps.reportTimeZone, now: deps.clock.now() });
      await deps.audit.record({ actorId: viewer.personId, actorName: viewer.name, platform: 'web', action: 'web.report.read', args: { weeks: choice.weeks, team: choice.team }, result: 'ok' });
      return html(reply, 200, consolePage('Reports', 'reports', viewer, reportPageContent(report, { ...choice, teams: teamChoices(), showPrivateTitles: viewer.isAdmin })));
    });

    app.get<{ Querystring: Record<string, unknown> }>('/ui/reports.csv', { onRequest: requireViewer }, async (request, reply) => {
      const viewer = viewerOfRequest(request);
      if (!viewer.canSeeReports) return message(reply, 403, 'Reports', 'Reports are for managers and admins (roles: in oncall.yaml).', viewer);
      const choice = reportChoice(request.query);
      if ('problems' in choice) return message(reply, 400, 'Reports', choice.problems.join(' '), viewer);
      const report = await buildWeeklyReport(deps.database.sql, { weeks: choice.weeks, team: choice.team, timeZone: deps.reportTimeZone, now: deps.clock.now() });
      await deps.audit.record({ actorId: viewer.personId, actorName: viewer.name, platform: 'web', action: 'web.report.read', args: { weeks: choice.weeks, team: choice.team, format: 'csv' }, result: 'ok' });
      return reply.headers(SECURITY_HEADERS).type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="incident-report-${choice.weeks}w.csv"`).send(renderReportCsv(report));
    });

    app.get<{ Querystring: { view?: string } }>('/ui/oncall', { onRequest: requireViewer }, async (request, reply) => {
      const viewer = viewerOfRequest(request);
      const viewText = request.query.view ?? 'week';
      if (viewText !== 'week' && viewText !== 'month') return message(reply, 400, 'On call', `View: "${String(viewText).slice(0, 20)}" is not week or month.`, viewer);
      const view: OncallView = viewText;
      const config = deps.oncall();
      const now = deps.clock.now();
      // A day either side: the view starts at midnight in the reader's zone, and "next" may be days away.
      const overrides = await allOverridesBetween(deps.database.prisma, config, new Date(now.getTime() - 86_400_000), new Date(now.getTime() + (VIEW_DAYS[view] + 15) * 86_400_000));
      return html(reply, 200, consolePage('On call', 'oncall', viewer, oncallPageContent(config, overrides, { now, view, timeZone: viewer.timeZone })));
    });

    app.get<{ Querystring: Record<string, unknown> }>('/ui/audit', { onRequest: requireViewer }, async (request, reply) => {
      const viewer = viewerOfRequest(request);
      if (!viewer.canSeeAudit) return message(reply, 403, 'Audit', 'The audit trail is for admins (roles: [admin] in oncall.yaml).', viewer);
      const text = (value: unknown) => (typeof value === 'string' ? value.trim().slice(0, 100) : '');
      const daysText = text(request.query.days) || '7';
      const days = /^\d{1,3}$/.test(daysText) && Number(daysText) >= 1 && Number(daysText) <= 365 ? Number(daysText) : undefined;
      const filter = { actor: text(request.query.actor), action: text(request.query.action), days: days ?? 7 };
      if (days === undefined) return html(reply, 400, consolePage('Audit', 'audit', viewer, `<div role="alert"><p>Days back: "${h(daysText.slice(0, 20))}" is not a number of days from 1 to 365.</p></div>${auditPageContent([], filter, viewer.timeZone)}`));
      const since = new Date(deps.clock.now().getTime() - days * 86_400_000);
      const entries = await findAuditEntries(deps.database.prisma, { since, actor: filter.actor || undefined, action: filter.action || undefined, limit: 500 });
      return html(reply, 200, consolePage('Audit', 'audit', viewer, auditPageContent(entries, filter, viewer.timeZone)));
    });

    app.get<{ Params: { id: string } }>('/ui/incidents/:id', { onRequest: requireViewer }, async (request, reply) => {
      const viewer = viewerOfRequest(request);
      const id = incidentNumber(request.params.id);
      const content = id !== undefined && (await canSeeIncident(deps.database, viewer, id)) ? await incidentPageContent(deps.database, viewer, id, { now: deps.clock.now(), changeWindowMs: deps.changeWindowMs }) : undefined;
      if (content === undefined) return message(reply, 404, 'No such incident', `There is no incident ${request.params.id.slice(0, 20)} that you can see.`, viewer);
      return html(reply, 200, consolePage(incidentLabel(id!), 'incidents', viewer, content));
    });

    app.get<{ Params: { id: string } }>('/ui/incidents/:id/postmortem.md', { onRequest: requireViewer }, async (request, reply) => {
      const viewer = viewerOfRequest(request);
      const id = incidentNumber(request.params.id);
      const markdown = id !== undefined && (await canSeeIncident(deps.database, viewer, id)) ? await draftPostmortem(deps.database.prisma, id, { now: deps.clock.now(), changeWindowMs: deps.changeWindowMs }) : undefined;
      if (markdown === undefined) return message(reply, 404, 'No such incident', 'There is no such incident that you can see.', viewer);
      return reply
        .headers(SECURITY_HEADERS)
        .type('text/markdown; charset=utf-8')
        .header('content-disposition', `attachment; filename="postmortem-${incidentLabel(id!)}.md"`)
        .send(markdown);
    });
  };
}

/** INC-12 or 12 as an incident number. */
function incidentNumber(text: string): number | undefined {
  const match = /^(?:INC-)?(\d{1,9})$/i.exec(text);
  return match ? Number(match[1]) : undefined;
}

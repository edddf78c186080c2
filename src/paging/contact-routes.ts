import { z } from 'zod';
import type { AuditLog } from '../access/audit-log.js';
import { auditedApiCall } from '../access/audited-api-call.js';
import { TokenBuckets } from '../abuse/token-buckets.js';
import { jsonBody } from '../alerts/json-body.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { apiAuth, type ApiTokens } from '../http/api-auth.js';
import type { RouteModule } from '../http/server.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { listedPerson } from '../oncall/listed-person.js';
import type { Clock } from '../time/clock.js';
import { confirmVerificationCode } from './contact-verification.js';
import { contactMethodStates, maskedAddress, requestVerifications, type VerifiableVia } from './contact-verification-requests.js';

const verifyBody = z.object({ code: z.string().trim().regex(/^\d{6}$/, 'must be the six digits of the code the test carried').optional() }).strict();
/** Codes are six digits: a few wrong tries an hour per person is plenty for typos, and no guessing. */
const CODE_TRIES = { ratePerSecond: 10 / 3600, burst: 10 };
/** Each send texts, calls or mails the person and replaces the codes they hold: three, then one every ten minutes. */
const TEST_SENDS = { ratePerSecond: 1 / 600, burst: 3 };

/**
 * GET /api/people/:person/contact-methods (read token): each contact method oncall.yaml gives the
 * person, verified or not, its address masked. POST /api/people/:person/contact-methods/verify (write token): without
 * a code, sends a test with a code to each method not yet verified; with `{"code": "123456"}`,
 * confirms the method that test went to. The chat's `/oncall contact` and `/oncall verify`, for
 * teams without chat (`incident-bot oncall verify`); a code proves the address reaches someone,
 * whoever sends it. Audited, never with the code.
 */
export function contactRoutes(deps: { database: Database; oncall: () => OncallConfig; tokens: ApiTokens; audit: AuditLog; clock: Clock; canSend: (via: VerifiableVia) => boolean; onCommitted?: () => void }): RouteModule {
  const audited = auditedApiCall(deps.audit);
  const tries = new TokenBuckets(CODE_TRIES);
  const sends = new TokenBuckets(TEST_SENDS);
  const limited = (buckets: TokenBuckets, key: string, what: string) => {
    const taken = buckets.take(key, deps.clock.now().getTime());
    if (!taken.ok) throw new AppError('rate_limited', `${what}; try again in ${Math.ceil(taken.retryAfterMs / 60_000)} min`, { retryAfterSeconds: Math.ceil(taken.retryAfterMs / 1000) });
  };
  const personOf = async (name: string) => {
    const person = await listedPerson(deps.database.prisma, deps.oncall(), name.slice(0, 200), 'oncall.yaml lists nobody yet', 'person');
    return { ...person, config: deps.oncall().people[person.handle]! };
  };
  return (app) => {
    app.get<{ Params: { person: string } }>('/api/people/:person/contact-methods', { onRequest: apiAuth(deps.tokens, 'read') }, async (request) => {
      const person = await personOf(request.params.person);
      return { person: person.handle, methods: await contactMethodStates(deps.database, person, deps.canSend) };
    });

    app.post<{ Params: { person: string } }>(
      '/api/people/:person/contact-methods/verify',
      { onRequest: apiAuth(deps.tokens, 'write', 'sends tests to a person, or confirms their address,'), bodyLimit: 1024 },
      async (request, reply) => {
        const raw = request.body === undefined || request.body === '' ? {} : jsonBody(request.body);
        const confirming = typeof (raw as { code?: unknown } | null)?.code === 'string';
        return audited(request, 'api.contact.verify', { person: request.params.person.slice(0, 200), confirm: confirming }, async () => {
          const { code } = verifyBody.parse(raw);
          const person = await personOf(request.params.person);
          if (code === undefined) {
            limited(sends, `person:${person.id}`, `Tests were sent to ${person.name} a moment ago (each one replaces the codes of the last)`);
            const sent = await requestVerifications(deps.database, person, deps.canSend);
            if (sent.sent.length) deps.onCommitted?.();
            const answer = { person: person.handle, sent: sent.sent.map((t) => ({ ...t, address: maskedAddress(t.via, t.address) })), notTestable: sent.notTestable };
            return reply.code(sent.sent.length ? 202 : 200).send(answer);
          }
          limited(tries, `person:${person.id}`, `Too many codes tried for ${person.name}`);
          const confirmed = await deps.database.transaction((tx) => confirmVerificationCode(tx, person.id, code));
          if (!confirmed) {
            throw new AppError('validation_failed', `That code is not one the bot sent ${person.name}, or it expired (codes work for 30 minutes)`, { problems: [{ path: 'code', message: 'not a code of a test sent to this person, or expired: verify without a code sends new ones' }] });
          }
          const address = maskedAddress(confirmed.via, confirmed.address);
          return { person: person.handle, verified: { via: confirmed.via, address }, message: `Pages can now reach ${person.name} by ${confirmed.via} at ${address}.` };
        });
      },
    );
  };
}

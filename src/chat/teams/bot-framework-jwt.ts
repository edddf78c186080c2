import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type RemoteJWKSet } from 'jose';
import type { Clock } from '../../time/clock.js';

const ISSUER = 'https://api.botframework.com';
const METADATA_TTL_MS = 24 * 60 * 60_000;
const CLOCK_TOLERANCE_S = 5 * 60;
const TIMEOUT_MS = 10_000;
// An unknown key id makes the keys be fetched again (Microsoft rotates them), but a forged token
// can carry any key id: at most this many extra fetches a minute.
const FORCED_RELOADS_PER_MINUTE = 3;

/** A request the Bot Connector did not sign for this bot; `reason` is safe to log (never the token). */
export class BotTokenRefused extends Error {
  constructor(readonly reason: string) {
    super(`Bot Framework token refused: ${reason}`);
    this.name = 'BotTokenRefused';
  }
}

/** What a valid token vouches for, checked against the activity once its body is read. */
export interface VerifiedBotToken {
  serviceUrl: string | undefined;
  /** The signing key's endorsements (the channels it may sign for); undefined when it has none. */
  endorsements: string[] | undefined;
}

export interface BotFrameworkJwtOptions {
  appId: string;
  /** Replaces https://login.botframework.com (TEAMS_API_URL). */
  openIdUrl?: string;
  clock: Clock;
}

/**
 * Checks the JWT the Bot Connector sends with every activity: signed by a key in the Bot
 * Framework's published set (found through its OpenID metadata, fetched again when a token names
 * a key it does not hold, as Microsoft rotates them), issued by api.botframework.com for this app,
 * within its validity with five minutes of tolerance on the bot's clock.
 */
export class BotFrameworkJwtVerifier {
  private metadata: { jwksUri: string; keys: RemoteJWKSet; fetchedAt: number } | undefined;
  private metadataInFlight: Promise<{ jwksUri: string; keys: RemoteJWKSet; fetchedAt: number }> | undefined;
  private forcedReloads: number[] = [];

  constructor(private readonly options: BotFrameworkJwtOptions) {}

  get metadataUrl(): string {
    return `${(this.options.openIdUrl ?? 'https://login.botframework.com').replace(/\/+$/, '')}/v1/.well-known/openidconfiguration`;
  }

  /** Verifies "Bearer <jwt>"; throws BotTokenRefused. */
  async verify(authorization: string | undefined): Promise<VerifiedBotToken> {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(authorization ?? '');
    if (!match) throw new BotTokenRefused(authorization ? 'not a Bearer JWT' : 'no Authorization header');
    const token = match[1]!;
    const { keys } = await this.keySet();
    const verifyWith = (resolver: RemoteJWKSet) =>
      jwtVerify(token, resolver, { issuer: ISSUER, audience: this.options.appId, algorithms: ['RS256'], clockTolerance: CLOCK_TOLERANCE_S, currentDate: this.options.clock.now(), requiredClaims: ['exp'] });
    let result: Awaited<ReturnType<typeof verifyWith>>;
    try {
      try {
        result = await verifyWith(keys);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || !this.mayForceReload()) throw error;
        await keys.reload();
        result = await verifyWith(keys);
      }
    } catch (error) {
      throw new BotTokenRefused(refusalReason(error));
    }
    const kid = result.protectedHeader.kid;
    const jwk = keys.jwks()?.keys.find((key) => key.kid === kid) as { endorsements?: unknown } | undefined;
    const endorsements = Array.isArray(jwk?.endorsements) ? jwk.endorsements.filter((e): e is string => typeof e === 'string') : undefined;
    return { serviceUrl: serviceUrlOf(result.payload), endorsements };
  }

  /** The checks that need the activity: the token was issued for its serviceUrl and, where the key says, its channel. */
  checkActivity(token: VerifiedBotToken, activity: { serviceUrl?: unknown; channelId?: unknown }): void {
    if (typeof activity.serviceUrl !== 'string' || !sameServiceUrl(token.serviceUrl, activity.serviceUrl)) throw new BotTokenRefused('the token was not issued for this activity\'s serviceUrl');
    if (token.endorsements && (typeof activity.channelId !== 'string' || !token.endorsements.includes(activity.channelId))) throw new BotTokenRefused('the signing key is not endorsed for this channel');
  }

  private mayForceReload(): boolean {
    const now = this.options.clock.now().getTime();
    this.forcedReloads = this.forcedReloads.filter((at) => now - at < 60_000);
    if (this.forcedReloads.length >= FORCED_RELOADS_PER_MINUTE) return false;
    this.forcedReloads.push(now);
    return true;
  }

  private async keySet(): Promise<{ jwksUri: string; keys: RemoteJWKSet }> {
    const now = this.options.clock.now().getTime();
    if (this.metadata && now - this.metadata.fetchedAt < METADATA_TTL_MS) return this.metadata;
    this.metadataInFlight ??= this.fetchMetadata(now).finally(() => {
      this.metadataInFlight = undefined;
    });
    try {
      this.metadata = await this.metadataInFlight;
    } catch (error) {
      // Stale metadata still names the right keys: better than refusing every request.
      if (this.metadata) return this.metadata;
      throw new BotTokenRefused(`the Bot Framework OpenID metadata could not be read (${(error as Error).message})`);
    }
    return this.metadata;
  }

  private async fetchMetadata(now: number): Promise<{ jwksUri: string; keys: RemoteJWKSet; fetchedAt: number }> {
    const response = await fetch(this.metadataUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { jwks_uri?: unknown };
    if (typeof body.jwks_uri !== 'string') throw new Error('no jwks_uri');
    if (this.metadata?.jwksUri === body.jwks_uri) return { ...this.metadata, fetchedAt: now };
    return { jwksUri: body.jwks_uri, keys: createRemoteJWKSet(new URL(body.jwks_uri), { timeoutDuration: TIMEOUT_MS }), fetchedAt: now };
  }
}

function serviceUrlOf(payload: JWTPayload): string | undefined {
  const claim = payload.serviceurl ?? payload.serviceUrl;
  return typeof claim === 'string' ? claim : undefined;
}

/** Service URLs compared without a trailing slash, as the connector writes them both ways. */
function sameServiceUrl(claim: string | undefined, activity: string): boolean {
  return claim !== undefined && claim.replace(/\/+$/, '').toLowerCase() === activity.replace(/\/+$/, '').toLowerCase();
}

function refusalReason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} ${error.reason}`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed by an unknown key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  if (error instanceof errors.JOSEError) return error.code;
  return 'unreadable token';
}

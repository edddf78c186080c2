import { createHash, randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { sql, type Sql } from '../db/sql.js';

/** How long the provider may take to send someone back (they may have to type a password and a code). */
const SIGN_IN_WINDOW_MS = 10 * 60 * 1000;

export interface OidcSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** PUBLIC_URL/ui/auth/callback: registered with the provider as the redirect URI. */
  redirectUri: string;
}

/** Who the provider says signed in: only an email it has verified is used to find the person. */
export interface VerifiedIdentity {
  email: string;
}

export class SignInError extends Error {
  /** `message` is for the person signing in; `detail`, for the log only (it can name internal hosts). */
  constructor(readonly reason: 'provider_unreachable' | 'expired' | 'refused' | 'no_verified_email', message: string, readonly detail?: string) {
    super(message);
  }
}

const hashOf = (value: string) => createHash('sha256').update(value).digest('hex');

function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * OpenID Connect sign-in, authorization code flow with PKCE, through openid-client. The state,
 * nonce and code verifier of a sign-in under way are kept in the database (not in a cookie), so
 * the provider may send the person back to any replica, and each state is used once.
 */
export class OidcSignIn {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(private readonly settings: OidcSettings, private readonly db: Sql) {}

  /**
   * Where to send the browser (the provider's authorization endpoint for a new sign-in), and a
   * secret for a cookie in that browser: the callback is only taken from the browser holding it,
   * so nobody can hand someone else a callback address that signs them in as the sender.
   */
  async start(returnTo: string): Promise<{ url: URL; browserSecret: string }> {
    const config = await this.config();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const browserSecret = randomBytes(32).toString('base64url');
    await this.db.query(sql`
      INSERT INTO web_sign_ins (state_hash, browser_hash, code_verifier, nonce, return_to, expires_at)
      VALUES (${hashOf(state)}, ${hashOf(browserSecret)}, ${codeVerifier}, ${nonce}, ${returnTo}, now() + ${SIGN_IN_WINDOW_MS}::float8 * interval '1 millisecond')`);
    await this.db.query(sql`DELETE FROM web_sign_ins WHERE expires_at <= now()`);
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url, browserSecret };
  }

  /** Checks the provider's answer at the callback (state once, PKCE, nonce, ID token) and says who signed in. */
  async finish(callbackUrl: URL, browserSecret: string | undefined): Promise<VerifiedIdentity & { returnTo: string }> {
    const error = callbackUrl.searchParams.get('error');
    if (error) throw new SignInError('refused', `The identity provider refused the sign-in (${error.replace(/[^\w .-]/g, '').slice(0, 60)}).`);
    const state = callbackUrl.searchParams.get('state') ?? '';
    if (!browserSecret) throw new SignInError('expired', 'This sign-in was not started in this browser, or has expired. Start again from the sign-in page.');
    const [pending] = await this.db.query<{ code_verifier: string; nonce: string; return_to: string }>(sql`
      DELETE FROM web_sign_ins WHERE state_hash = ${hashOf(state)} AND browser_hash = ${hashOf(browserSecret)} AND expires_at > now()
      RETURNING code_verifier, nonce, return_to`);
    if (!pending) throw new SignInError('expired', 'This sign-in was not started in this browser, has expired or was already used. Start again from the sign-in page.');
    const config = await this.config();
    let tokens;
    try {
      tokens = await client.authorizationCodeGrant(config, this.asRegistered(callbackUrl), {
        pkceCodeVerifier: pending.code_verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
    } catch (cause) {
      throw new SignInError('refused', "The identity provider's answer could not be checked. Start again from the sign-in page.", (cause as Error).message.slice(0, 500));
    }
    const claims = tokens.claims();
    let email = claims?.email_verified === true && typeof claims.email === 'string' ? claims.email : undefined;
    if (!email && claims) {
      // Some providers put the email only in the userinfo answer.
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub).catch(() => undefined);
      if (info?.email_verified === true && typeof info.email === 'string') email = info.email;
    }
    if (!email) throw new SignInError('no_verified_email', 'The identity provider did not give a verified email address, which is how people are matched to oncall.yaml.');
    return { email, returnTo: pending.return_to };
  }

  /** The callback as the provider was told it (PUBLIC_URL), whatever Host the request came in with behind a proxy. */
  private asRegistered(callbackUrl: URL): URL {
    const registered = new URL(this.settings.redirectUri);
    registered.search = callbackUrl.search;
    return registered;
  }

  private config(): Promise<client.Configuration> {
    if (!this.configuration) {
      const issuer = new URL(this.settings.issuer);
      this.configuration = client
        .discovery(issuer, this.settings.clientId, this.settings.clientSecret, undefined, isLoopback(issuer) ? { execute: [client.allowInsecureRequests] } : undefined)
        .catch((cause: Error) => {
          // Tried again at the next sign-in: the provider may only have been down for a moment.
          this.configuration = undefined;
          throw new SignInError('provider_unreachable', 'The identity provider could not be reached. Try again in a moment, or use /incident web in chat.', `${issuer.origin}: ${cause.message.slice(0, 500)}`);
        });
    }
    return this.configuration;
  }
}

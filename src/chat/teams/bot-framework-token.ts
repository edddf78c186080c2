import { ChatApiError } from '../chat-port.js';
import type { Clock } from '../../time/clock.js';

export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
// Renewed this long before it expires, so a token never runs out mid-call.
const RENEW_BEFORE_MS = 5 * 60_000;
const TIMEOUT_MS = 10_000;

export interface BotFrameworkTokenOptions {
  appId: string;
  appPassword: string;
  tenantId: string;
  /** Replaces https://login.microsoftonline.com (TEAMS_API_URL). */
  loginUrl?: string;
  clock: Clock;
  /** What the token is for: the Bot Connector (default) or Microsoft Graph. One instance per scope, same app. */
  scope?: string;
}

/**
 * The bot's own access token for the Bot Connector (or, with `scope`, for Microsoft Graph), by client credentials, kept until 5 minutes
 * before it expires. Concurrent callers share one request; a refused secret is a final error that
 * names the setting, never the secret.
 */
export class BotFrameworkToken {
  private cached: { token: string; expiresAt: number } | undefined;
  private inFlight: Promise<string> | undefined;

  constructor(private readonly options: BotFrameworkTokenOptions) {}

  get endpoint(): string {
    const base = (this.options.loginUrl ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
    return `${base}/${encodeURIComponent(this.options.tenantId)}/oauth2/v2.0/token`;
  }

  async get(): Promise<string> {
    if (this.cached && this.options.clock.now().getTime() < this.cached.expiresAt - RENEW_BEFORE_MS) return this.cached.token;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Forgets the token (the connector refused it). */
  invalidate(): void {
    this.cached = undefined;
  }

  private async fetchToken(): Promise<string> {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: this.options.appId, client_secret: this.options.appPassword, scope: this.options.scope ?? BOT_FRAMEWORK_SCOPE });
    let response: Response;
    try {
      response = await fetch(this.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new ChatApiError('teams', 'token', (error as Error).name === 'TimeoutError' ? 'timeout' : 'request_failed', { retryable: true });
    }
    const text = await response.text().catch(() => '');
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not JSON: a proxy's page; the status says the rest.
    }
    if (response.status === 429) {
      const seconds = Number(response.headers.get('retry-after') ?? '1');
      throw new ChatApiError('teams', 'token', 'rate_limited', { retryable: true, retryAfterMs: Math.max(1, Number.isFinite(seconds) ? seconds : 1) * 1000, status: 429 });
    }
    if (response.status >= 500) throw new ChatApiError('teams', 'token', `http_${response.status}`, { retryable: true, status: response.status });
    if (!response.ok || typeof body.access_token !== 'string') {
      const code = typeof body.error === 'string' ? body.error : `http_${response.status}`;
      const error = new ChatApiError('teams', 'token', code, { retryable: false, status: response.status });
      if (code === 'invalid_client' || code === 'unauthorized_client') {
        error.message = `teams token failed: ${code}: Microsoft Entra refused the app id and secret; check TEAMS_APP_ID and TEAMS_APP_PASSWORD (the client secret of the bot's app registration, not its id)`;
      }
      throw error;
    }
    const lifetimeMs = (typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3600)) * 1000;
    this.cached = { token: body.access_token, expiresAt: this.options.clock.now().getTime() + (Number.isFinite(lifetimeMs) ? lifetimeMs : 3_600_000) };
    return body.access_token;
  }
}

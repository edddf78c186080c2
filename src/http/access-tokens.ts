import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from '../logging.js';
import type { ApiTokens } from './api-auth.js';

/**
 * The bot's own credentials: monitoring tools send the webhook token, readers of /api the read
 * token, and whatever acknowledges or resolves through /api (the CLI, a deploy pipeline) the
 * write token. Each is its setting, or when that is unset a random one generated on first start
 * into this file of DATA_DIR, so nothing is ever open and a new install needs no setup.
 */
export const TOKEN_FILES = {
  WEBHOOK_TOKEN: 'webhook-token',
  API_TOKEN: 'api-token',
  API_WRITE_TOKEN: 'api-write-token',
} as const;

export type TokenSetting = keyof typeof TOKEN_FILES;

/** Shorter stored values are treated as damaged and replaced, as a setting that short is refused. */
const MIN_LENGTH = 16;

export interface AccessToken {
  setting: TokenSetting;
  token: string;
  /** True when this start generated it (it is shown once, then only kept in DATA_DIR). */
  generated: boolean;
  /** Where it is kept, when it came from DATA_DIR. */
  file?: string;
}

/** The token kept in DATA_DIR for a setting, if one was generated there (what the CLI reads). */
export function storedToken(setting: TokenSetting, dataDir: string): string | undefined {
  const file = join(resolve(dataDir), TOKEN_FILES[setting]);
  if (!existsSync(file)) return undefined;
  const stored = readFileSync(file, 'utf8').trim();
  return stored.length >= MIN_LENGTH ? stored : undefined;
}

/** The setting's value, or the token kept in DATA_DIR, or a new one written there (0600). */
export function resolveToken(setting: TokenSetting, configured: string | undefined, dataDir: string): AccessToken {
  if (configured) return { setting, token: configured, generated: false };
  const dir = resolve(dataDir);
  const file = join(dir, TOKEN_FILES[setting]);
  const stored = storedToken(setting, dataDir);
  if (stored) return { setting, token: stored, generated: false, file };
  mkdirSync(dir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  const replacing = existsSync(file);
  try {
    // Created exclusively: two replicas sharing a DATA_DIR on their first start keep one token.
    writeFileSync(file, token + '\n', { mode: 0o600, flag: replacing ? 'w' : 'wx' });
  } catch (error) {
    const won = (error as NodeJS.ErrnoException).code === 'EEXIST' ? storedToken(setting, dataDir) : undefined;
    if (won) return { setting, token: won, generated: false, file };
    throw error;
  }
  // A damaged file that was replaced keeps its old mode otherwise.
  if (replacing) chmodSync(file, 0o600);
  return { setting, token, generated: true, file };
}

export type AccessTokens = Record<TokenSetting, AccessToken>;

export function resolveAccessTokens(settings: Partial<Record<TokenSetting, string>>, dataDir: string): AccessTokens {
  return {
    WEBHOOK_TOKEN: resolveToken('WEBHOOK_TOKEN', settings.WEBHOOK_TOKEN, dataDir),
    API_TOKEN: resolveToken('API_TOKEN', settings.API_TOKEN, dataDir),
    API_WRITE_TOKEN: resolveToken('API_WRITE_TOKEN', settings.API_WRITE_TOKEN, dataDir),
  };
}

/**
 * The tokens this bot uses, from settings or generated into DATA_DIR. Replicas that each
 * generated their own would not accept each other's: said at start.
 */
export function accessTokens(config: { storage: string; DATA_DIR: string } & Partial<Record<TokenSetting, string>>, log: Logger): { tokens: AccessTokens; apiTokens: ApiTokens } {
  const tokens = resolveAccessTokens(config, config.DATA_DIR);
  const ownTokens = Object.values(tokens).filter((token) => token.file).map((token) => token.setting);
  if (config.storage === 'postgres' && ownTokens.length > 0) {
    // PROCESSES=N shares one DATA_DIR, so its processes agree; replicas on other machines would not.
    log.warn({ settings: ownTokens, dataDir: config.DATA_DIR }, `${ownTokens.join(', ')} not set: the bot uses the tokens generated into ${config.DATA_DIR}. Bot processes sharing that folder (PROCESSES) use the same ones; replicas on other machines need these settings set, to the same values.`);
  }
  return { tokens, apiTokens: { read: tokens.API_TOKEN.token, write: tokens.API_WRITE_TOKEN.token } };
}

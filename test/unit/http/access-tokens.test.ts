import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { accessTokens, resolveAccessTokens, resolveToken, storedToken } from '../../../src/http/access-tokens.js';
import type { Logger } from '../../../src/logging.js';

describe('access tokens', () => {
  const dirs: string[] = [];
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'access-tokens-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('on PostgreSQL, says which tokens are generated, where, and that only replicas on other machines need them set', () => {
    const dir = dataDir();
    const warnings: string[] = [];
    const log = { warn: (_fields: unknown, message: string) => warnings.push(message) } as unknown as Logger;
    accessTokens({ storage: 'postgres', DATA_DIR: dir, API_TOKEN: 'a'.repeat(32) }, log);
    expect(warnings).toEqual([
      `WEBHOOK_TOKEN, API_WRITE_TOKEN not set: the bot uses the tokens generated into ${dir}. Bot processes sharing that folder (PROCESSES) use the same ones; replicas on other machines need these settings set, to the same values.`,
    ]);
    accessTokens({ storage: 'pglite', DATA_DIR: dir }, log);
    expect(warnings).toHaveLength(1);
  });

  it('generates each unset token once into its own 0600 file, three different values, and reuses them', () => {
    const dir = dataDir();
    const first = resolveAccessTokens({}, dir);
    expect(Object.values(first).map((token) => token.generated)).toEqual([true, true, true]);
    expect(new Set(Object.values(first).map((token) => token.token)).size).toBe(3);
    for (const [file, token] of [['webhook-token', first.WEBHOOK_TOKEN], ['api-token', first.API_TOKEN], ['api-write-token', first.API_WRITE_TOKEN]] as const) {
      expect(readFileSync(join(dir, file), 'utf8').trim()).toBe(token.token);
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    }
    const second = resolveAccessTokens({}, dir);
    expect(Object.values(second).map((token) => [token.token, token.generated])).toEqual(Object.values(first).map((token) => [token.token, false]));
    expect(storedToken('API_WRITE_TOKEN', dir)).toBe(first.API_WRITE_TOKEN.token);
  });

  it('takes a setting over the file and writes nothing for it', () => {
    const dir = dataDir();
    expect(resolveToken('API_TOKEN', 'configured-read-token-0123', dir)).toEqual({ setting: 'API_TOKEN', token: 'configured-read-token-0123', generated: false });
    expect(storedToken('API_TOKEN', dir)).toBeUndefined();
  });

  it('replaces a damaged (too short) stored token and makes its file 0600 again', () => {
    const dir = dataDir();
    writeFileSync(join(dir, 'api-write-token'), 'short\n', { mode: 0o644 });
    const token = resolveToken('API_WRITE_TOKEN', undefined, dir);
    expect(token.generated).toBe(true);
    expect(token.token.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, 'api-write-token')).mode & 0o777).toBe(0o600);
  });
});

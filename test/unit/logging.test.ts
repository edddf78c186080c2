import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig, SECRET_SETTINGS } from '../../src/config.js';
import { createLogger, secretValuesOf } from '../../src/logging.js';

function capture(secrets: readonly string[] = []) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', stream, { secrets }), text: () => lines.join(''), lines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A value for every secret setting: adding a secret setting without a value here fails the test. */
const SECRET_ENV: Record<(typeof SECRET_SETTINGS)[number], string> = {
  DATABASE_URL: 'postgresql://bot:db-password-1@db.internal:5432/bot',
  WEBHOOK_TOKEN: 'webhook-token-secret-1',
  API_TOKEN: 'api-token-secret-000001',
  API_WRITE_TOKEN: 'api-write-token-secret-01',
  SLACK_BOT_TOKEN: 'xoxb-slack-secret-1',
  SLACK_SIGNING_SECRET: 'signing-secret-1',
  SLACK_APP_TOKEN: 'xapp-slack-app-secret-1',
  DISCORD_BOT_TOKEN: 'discord-secret-1',
  MATTERMOST_BOT_TOKEN: 'mattermost-bot-secret-1',
  MATTERMOST_COMMAND_TOKENS: 'k7x1mattermostcommandtokn1,k7x1mattermostcommandtokn2',
  TEAMS_APP_PASSWORD: 'teams-app-password-secret-1',
  SMTP_URL: 'smtps://pager%40example.com:smtp-password-1@mail.example.com:465',
  NTFY_TOKEN: 'tk_ntfy-secret-token-1',
  PAGE_WEBHOOK_SECRET: 'whsec_cGFnZS13ZWJob29rLXNlY3JldC1mb3ItdGVzdHMtMQ==',
  TWILIO_AUTH_TOKEN: 'twilio-auth-token-secret-1',
  OIDC_CLIENT_SECRET: 'oidc-client-secret-1',
};
const SECRET_VALUES = [...Object.values(SECRET_ENV).filter((value) => !/^(postgresql|smtps?):/.test(value)), 'db-password-1', 'smtp-password-1', ...SECRET_ENV.MATTERMOST_COMMAND_TOKENS.split(',')];

const config = loadConfig({ ...SECRET_ENV, DISCORD_APPLICATION_ID: '1', DISCORD_GUILD_ID: '2', MATTERMOST_URL: 'https://chat.example.com', MATTERMOST_TEAM: 'engineering', TEAMS_APP_ID: '11111111-2222-3333-4444-555555555555', TEAMS_TENANT_ID: '66666666-7777-8888-9999-000000000000', TEAMS_TEAM_ID: '19:abcdef0123456789@thread.tacv2', EMAIL_FROM: 'pager@example.com', NTFY_URL: 'https://ntfy.example.com', OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'incident-bot', PUBLIC_URL: 'https://bot.example.com' });

describe('logs', () => {
  it('cover every secret setting', () => {
    expect(Object.keys(SECRET_ENV).sort()).toEqual([...SECRET_SETTINGS].sort());
    expect(secretValuesOf(config)).toEqual(expect.arrayContaining(SECRET_VALUES));
  });

  it('never contain tokens, signing secrets, passwords or authorization headers', () => {
    const { log, text } = capture(secretValuesOf(config));
    log.info({ config }, 'started');
    log.info({ env: { ...SECRET_ENV } }, 'environment');
    log.warn(
      {
        req: {
          headers: {
            authorization: `Bearer ${SECRET_ENV.WEBHOOK_TOKEN}`,
            cookie: 'session=cookie-secret-1',
            'proxy-authorization': 'Basic cHJveHktc2VjcmV0LTE=',
            'x-slack-signature': 'v0=abc-secret',
          },
        },
        res: { headers: { 'set-cookie': 'session=cookie-secret-2' } },
      },
      'refused',
    );
    log.error({ token: SECRET_ENV.SLACK_BOT_TOKEN, password: 'db-password-1', nested: { secret: SECRET_ENV.SLACK_SIGNING_SECRET } }, 'oops');
    log.warn({ headers: { authorization: 'Basic c2hvcnQ=', cookie: 'sid=cookie-secret-3' }, short: { password: 'pw1' } }, 'upstream call');
    log.warn(`slash command token ${SECRET_ENV.MATTERMOST_COMMAND_TOKENS.split(',')[1]} checked`);
    const output = text();
    for (const secret of [...SECRET_VALUES, 'cookie-secret-1', 'cookie-secret-2', 'cookie-secret-3', 'c2hvcnQ=', '"pw1"', 'cHJveHktc2VjcmV0LTE=', 'abc-secret']) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
    expect(output).toContain('"msg":"refused"');
  });

  it('mask secrets inside messages, error messages and stacks, and URL passwords', () => {
    const { log, text, lines } = capture(secretValuesOf(config));
    const connection = new Error(`connect ECONNREFUSED ${SECRET_ENV.DATABASE_URL}`);
    log.error({ err: connection }, 'database unreachable');
    const slack = new Error(`An API error occurred: invalid_auth (token ${SECRET_ENV.SLACK_BOT_TOKEN}, signing secret ${SECRET_ENV.SLACK_SIGNING_SECRET})`);
    log.error({ err: slack }, 'slack call failed');
    log.error(new Error(`discord refused Bot ${SECRET_ENV.DISCORD_BOT_TOKEN} and app token ${SECRET_ENV.SLACK_APP_TOKEN}`));
    log.warn(`webhook presented ${SECRET_ENV.WEBHOOK_TOKEN}; api ${SECRET_ENV.API_TOKEN}`);
    // Not configured values: found by their shape.
    log.warn({ url: 'redis://cache-user:other-pass-9@cache:6379', upstream: 'Authorization: Bearer unlisted-token-123' }, 'retrying');
    log.info({ detail: 'password "quoted\\"pass" and xoxb-999999999-unlisted-secret' }, 'escaped');

    const output = text();
    for (const secret of [...SECRET_VALUES, 'other-pass-9', 'unlisted-token-123', 'xoxb-999999999-unlisted-secret']) {
      expect(output).not.toContain(secret);
    }
    // Still useful: which host, which user, what went wrong; still one JSON object per line.
    const [database, slackLine, discord, webhook, retry, escaped] = lines();
    expect(database!.msg).toBe('database unreachable');
    expect((database!.err as { message: string }).message).toBe('connect ECONNREFUSED postgresql://bot:[password]@db.internal:5432/bot');
    expect((database!.err as { stack: string }).stack).toContain('postgresql://bot:[password]@db.internal:5432/bot');
    expect((slackLine!.err as { message: string }).message).toBe('An API error occurred: invalid_auth (token [redacted], signing secret [redacted])');
    expect(discord!.msg).toBe('discord refused Bot [redacted] and app token [redacted]');
    expect(webhook!.msg).toBe('webhook presented [redacted]; api [redacted]');
    expect(retry).toMatchObject({ url: 'redis://cache-user:[password]@cache:6379', upstream: 'Authorization: Bearer [token]' });
    expect(escaped!.detail).toBe('password "quoted\\"pass" and [slack-token]');
  });

  it('leave ordinary lines alone', () => {
    const { log, lines } = capture(secretValuesOf(config));
    log.info({ incident: 'INC-12', alerts: 3, url: 'https://grafana.example.com/d/abc?orgId=1', took: '1234 ms' }, 'opened INC-12 from alertmanager at 2024-03-10T09:15:02Z');
    expect(lines()[0]).toMatchObject({
      incident: 'INC-12',
      alerts: 3,
      url: 'https://grafana.example.com/d/abc?orgId=1',
      took: '1234 ms',
      msg: 'opened INC-12 from alertmanager at 2024-03-10T09:15:02Z',
    });
  });
});

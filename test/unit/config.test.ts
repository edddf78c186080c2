import { describe, expect, it } from 'vitest';
import { problemsOf } from '../support/config-problems.js';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('gives working defaults with nothing set: embedded storage, no chat', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DATA_DIR: './data',
      PLAYBOOKS_DIR: './playbooks',
      ONCALL_FILE: './oncall.yaml',
      LOG_LEVEL: 'info',
      REPORT_CRON: '0 9 * * 1',
      REPORT_TIMEZONE: 'UTC',
      REOPEN_WINDOW: 30 * 60_000,
      storage: 'embedded',
      slackEnabled: false,
      discordEnabled: false,
    });
  });

  it('selects PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/bot' }).storage).toBe('postgres');
  });

  it('treats empty values as unset, as .env files leave them', () => {
    expect(loadConfig({ DATABASE_URL: '', SLACK_BOT_TOKEN: '' }).storage).toBe('embedded');
  });

  it('names every bad variable at once, with the reason', () => {
    const problems = problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', REPORT_TIMEZONE: 'Mars/Base', REOPEN_WINDOW: 'soon' });
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith('PORT:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('REPORT_TIMEZONE:'))).toContain('IANA time zone');
    expect(problems.find((p) => p.startsWith('REOPEN_WINDOW:'))).toContain('duration');
  });

  it('requires the settings that go together', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
      'SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set (Slack requests are verified with it)',
    ]);
    expect(problemsOf({ DISCORD_BOT_TOKEN: 'abc' })).toHaveLength(2);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slackEnabled).toBe(true);
  });

  it('never prints a secret, even a malformed one', () => {
    const secret = 'postgres-password-hunter2';
    const error = (() => {
      try {
        loadConfig({ DATABASE_URL: `mysql://root:${secret}@db/x`, WEBHOOK_TOKEN: 'short-hunter2', SLACK_BOT_TOKEN: 'xoxp-hunter2' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toContain('DATABASE_URL');
    expect(error!.message).toContain('WEBHOOK_TOKEN');
    expect(error!.message).not.toContain('hunter2');
  });
});

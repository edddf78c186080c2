import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../support/config-problems.js';
import { commandTokens, ConfigError, loadConfig } from '../../src/config.js';

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
      mattermostEnabled: false,
      teamsEnabled: false,
    });
  });

  it('asks for the whole Mattermost and Teams setup at once, naming what is missing and never echoing a token', () => {
    expect(() => loadConfig({ MATTERMOST_BOT_TOKEN: 'mm-secret-token-1' })).toThrow(/MATTERMOST_URL: required when MATTERMOST_BOT_TOKEN is set[\s\S]*MATTERMOST_TEAM: required[\s\S]*MATTERMOST_COMMAND_TOKENS: required[\s\S]*PUBLIC_URL: required/);
    expect(() => loadConfig({ MATTERMOST_TEAM: 'engineering' })).toThrow(/MATTERMOST_BOT_TOKEN: required when MATTERMOST_TEAM is set/);
    let problem = '';
    try {
      loadConfig({ MATTERMOST_BOT_TOKEN: 't', MATTERMOST_URL: 'https://chat.example.com', MATTERMOST_TEAM: 'engineering', PUBLIC_URL: 'https://bot.example.com', MATTERMOST_COMMAND_TOKENS: 'short-secret-value' });
    } catch (error) {
      problem = String(error);
    }
    expect(problem).toContain('MATTERMOST_COMMAND_TOKENS: must be the tokens Mattermost showed');
    expect(problem).not.toContain('short-secret-value');
    const config = loadConfig({ MATTERMOST_BOT_TOKEN: 't', MATTERMOST_URL: 'https://chat.example.com', MATTERMOST_TEAM: 'engineering', PUBLIC_URL: 'https://bot.example.com', MATTERMOST_COMMAND_TOKENS: 'aaaaaaaaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbbbbbbbb' });
    expect(config.mattermostEnabled).toBe(true);
    expect(commandTokens('incident:aaaaaaaaaaaaaaaaaaaaaaaaaa, oncall:bbbbbbbbbbbbbbbbbbbbbbbbbb')).toEqual([
      { command: 'incident', token: 'aaaaaaaaaaaaaaaaaaaaaaaaaa' },
      { command: 'oncall', token: 'bbbbbbbbbbbbbbbbbbbbbbbbbb' },
    ]);
    expect(commandTokens(config.MATTERMOST_COMMAND_TOKENS!)).toEqual([{ token: 'aaaaaaaaaaaaaaaaaaaaaaaaaa' }, { token: 'bbbbbbbbbbbbbbbbbbbbbbbbbb' }]);
    expect(() => loadConfig({ MATTERMOST_BOT_TOKEN: 't', MATTERMOST_URL: 'https://chat.example.com', MATTERMOST_TEAM: 'engineering', PUBLIC_URL: 'https://bot.example.com', MATTERMOST_COMMAND_TOKENS: 'page:aaaaaaaaaaaaaaaaaaaaaaaaaa' })).toThrow(/incident:<token>,oncall:<token>/);
    expect(() => loadConfig({ TEAMS_APP_ID: '11111111-2222-3333-4444-555555555555' })).toThrow(/TEAMS_APP_PASSWORD: required[\s\S]*TEAMS_TENANT_ID: required[\s\S]*TEAMS_TEAM_ID: required/);
    expect(() => loadConfig({ TEAMS_APP_ID: 'not-a-guid' })).toThrow(/TEAMS_APP_ID: must be the bot's Microsoft App ID/);
  });

  it('keeps Microsoft Graph off on Teams unless TEAMS_GRAPH=on, which needs the team`s group id', () => {
    const teams = { TEAMS_APP_ID: '11111111-2222-3333-4444-555555555555', TEAMS_APP_PASSWORD: 's', TEAMS_TENANT_ID: '11111111-2222-3333-4444-666666666666', TEAMS_TEAM_ID: '19:abc@thread.tacv2' };
    expect(loadConfig(teams).TEAMS_GRAPH).toBe('off');
    expect(() => loadConfig({ ...teams, TEAMS_GRAPH: 'on' })).toThrow(/TEAMS_GROUP_ID: required when TEAMS_GRAPH is on/);
    expect(() => loadConfig({ ...teams, TEAMS_GRAPH: 'yes' })).toThrow(/TEAMS_GRAPH: must be "on"/);
    expect(() => loadConfig({ ...teams, TEAMS_GRAPH: 'on', TEAMS_GROUP_ID: '19:abc@thread.tacv2' })).toThrow(/TEAMS_GROUP_ID: must be the team's group id/);
    expect(loadConfig({ ...teams, TEAMS_GRAPH: 'on', TEAMS_GROUP_ID: '11111111-2222-3333-4444-777777777777' }).TEAMS_GRAPH).toBe('on');
  });

  it('asks for the whole OpenID Connect client at once, over https, with PUBLIC_URL to come back to', () => {
    expect(() => loadConfig({ OIDC_ISSUER: 'https://login.example.com' })).toThrow(/OIDC_CLIENT_ID: required when OIDC_ISSUER is set[\s\S]*OIDC_CLIENT_SECRET: required[\s\S]*PUBLIC_URL: required/);
    expect(() => loadConfig({ OIDC_CLIENT_ID: 'bot' })).toThrow(/OIDC_ISSUER: required when OIDC_CLIENT_ID is set/);
    expect(() => loadConfig({ OIDC_ISSUER: 'http://login.example.com', OIDC_CLIENT_ID: 'bot', OIDC_CLIENT_SECRET: 's', PUBLIC_URL: 'https://bot.example.com' })).toThrow(/OIDC_ISSUER: must be an https:\/\/ address/);
    const config = loadConfig({ OIDC_ISSUER: 'http://127.0.0.1:9000', OIDC_CLIENT_ID: 'bot', OIDC_CLIENT_SECRET: 'client-secret-value', PUBLIC_URL: 'http://127.0.0.1:3000' });
    expect(config.OIDC_ISSUER).toBe('http://127.0.0.1:9000');
    expect(() => loadConfig({ OIDC_ISSUER: 'https://login.example.com', OIDC_CLIENT_ID: 'bot', OIDC_CLIENT_SECRET: '' })).not.toThrow(/client-secret/);
  });

  it('runs one bot process unless PROCESSES says more (or auto: one per core), and only on PostgreSQL', () => {
    const postgres = { DATABASE_URL: 'postgresql://bot@db:5432/bot' };
    expect(loadConfig({}).PROCESSES).toBe(1);
    expect(loadConfig({ ...postgres, PROCESSES: '4' }).PROCESSES).toBe(4);
    expect(loadConfig({ ...postgres, PROCESSES: 'auto' }).PROCESSES).toBe(availableParallelism());
    expect(() => loadConfig({ PROCESSES: '2' })).toThrow(/PROCESSES: 2 processes need PostgreSQL \(DATABASE_URL\); embedded storage in DATA_DIR belongs to one process/);
    for (const bad of ['0', '65', '1.5', 'many', '-2']) {
      expect(() => loadConfig({ ...postgres, PROCESSES: bad }), bad).toThrow(/PROCESSES: must be a whole number of processes from 1 to 64, or "auto"/);
    }
  });

  it('selects PostgreSQL when DATABASE_URL is set', () => {
    expect(loadConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/bot' }).storage).toBe('postgres');
  });

  it('treats empty values as unset, as .env files leave them', () => {
    expect(loadConfig({ DATABASE_URL: '', SLACK_BOT_TOKEN: '' }).storage).toBe('embedded');
  });

  it('treats an empty or blank value as unset for every setting, as .env.example promises', () => {
    const defaults = loadConfig({});
    for (const name of ['PORT', 'DATA_DIR', 'LOG_LEVEL', 'REPORT_CRON', 'REPORT_TIMEZONE', 'REOPEN_WINDOW', 'PLAYBOOKS_DIR', 'ONCALL_FILE']) {
      expect(loadConfig({ [name]: '' }), `${name}=`).toEqual(defaults);
      expect(loadConfig({ [name]: '  ' }), `${name}="  "`).toEqual(defaults);
    }
    expect(loadConfig({ PORT: '' }).PORT).toBe(3000);
    const everySettingBlank = Object.fromEntries(Object.keys(loadConfig({})).map((name) => [name, '']));
    expect(loadConfig(everySettingBlank)).toEqual(defaults);
  });

  it('refuses a REPORT_CRON that cron-parser cannot schedule, naming the field', () => {
    expect(problemsOf({ REPORT_CRON: '99 9 * * 1' })).toEqual([
      'REPORT_CRON: the minute field "99" is not valid: Constraint error, got value 99 expected range 0-59 (expected five fields (minute hour day-of-month month day-of-week) such as "0 9 * * 1")',
    ]);
    expect(problemsOf({ REPORT_CRON: '0 9 * * 8' })[0]).toMatch(/^REPORT_CRON: the day-of-week field "8" is not valid: /);
    expect(problemsOf({ REPORT_CRON: '0 0 30 2 *' })[0]).toMatch(/^REPORT_CRON: "0 0 30 2 \*" is not valid: /);
    expect(problemsOf({ REPORT_CRON: '0 9 * * 1 *' })[0]).toMatch(/^REPORT_CRON: must be five fields .* has 6$/);
    for (const cron of ['0 9 * * 1', '30 8 * * mon-fri', '*/15 * * * *', '0 9 1 */3 *']) expect(loadConfig({ REPORT_CRON: cron }).REPORT_CRON).toBe(cron);
  });

  it('reports each bad setting on one line that starts with its name', () => {
    const bad: Record<string, string> = {
      PORT: '99999',
      DATABASE_URL: 'mysql://db/x',
      LOG_LEVEL: 'loud',
      PUBLIC_URL: 'not a url',
      WEBHOOK_TOKEN: 'short',
      API_TOKEN: 'short',
      SLACK_BOT_TOKEN: 'xoxp-1',
      SLACK_APP_TOKEN: 'xoxb-1',
      SLACK_API_URL: 'nope',
      DISCORD_APPLICATION_ID: 'abc',
      DISCORD_GUILD_ID: 'abc',
      DISCORD_API_URL: 'nope',
      REPORT_CRON: '99 9 * * 1',
      REPORT_TIMEZONE: 'Mars/Base',
      REOPEN_WINDOW: 'soon',
      REDACT_PII: 'maybe',
      STORE_RAW_ALERTS: 'maybe',
      WEBHOOK_RATE_LIMIT: 'lots',
      WEBHOOK_RATE_LIMIT_PER_ADDRESS: 'lots',
      TRUST_PROXY: 'everyone',
      COMMAND_RATE_LIMIT: 'lots',
      PAGE_RATE_LIMIT: '0',
      FLAP_DETECTION: '1/30m',
    };
    const problems = problemsOf(bad);
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(Object.keys(bad).sort());
    expect(problems).toContain('PORT: must be a port number from 0 to 65535 (0: any free port); got "99999"');
    expect(problems).toContain('DATABASE_URL: must start with postgresql:// or postgres:// (leave it unset for embedded storage in DATA_DIR)');
    for (const problem of problems) expect(problem).toMatch(/^[A-Z_]+: [^\n]+$/);
  });

  it('names every bad variable at once, with the reason', () => {
    const problems = problemsOf({ PORT: 'abc', LOG_LEVEL: 'loud', REPORT_TIMEZONE: 'Mars/Base', REOPEN_WINDOW: 'soon' });
    expect(problems).toHaveLength(4);
    expect(problems.find((p) => p.startsWith('PORT:'))).toBe('PORT: must be a port number from 0 to 65535 (0: any free port); got "abc"');
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toBeDefined();
    expect(problems.find((p) => p.startsWith('REPORT_TIMEZONE:'))).toContain('IANA time zone');
    expect(problems.find((p) => p.startsWith('REOPEN_WINDOW:'))).toContain('duration');
  });

  it('reads on/off settings as true or false, 1/0, yes/no or on/off in any case, and says so when it cannot', () => {
    for (const [text, on] of [['true', true], ['FALSE', false], ['1', true], ['0', false], ['Yes', true], ['no', false], [' on ', true], ['off', false]] as const) {
      expect(loadConfig({ REDACT_PII: text }).REDACT_PII, text).toBe(on);
    }
    expect(loadConfig({ REDACT_PII: '' }).REDACT_PII).toBe(false);
    expect(problemsOf({ REDACT_PII: 'maybe', STORE_RAW_ALERTS: 'constructor' })).toEqual([
      'REDACT_PII: must be true or false (also 1/0, yes/no, on/off), got "maybe"',
      'STORE_RAW_ALERTS: must be true or false (also 1/0, yes/no, on/off), got "constructor"',
    ]);
  });

  it('reads FLAP_DETECTION as fires within a window: twice in 30 minutes unless set, or off', () => {
    expect(loadConfig({}).FLAP_DETECTION).toEqual({ fires: 2, windowMs: 1_800_000 });
    expect(loadConfig({ FLAP_DETECTION: '5 / 1h' }).FLAP_DETECTION).toEqual({ fires: 5, windowMs: 3_600_000 });
    expect(loadConfig({ FLAP_DETECTION: 'off' }).FLAP_DETECTION).toBeUndefined();
    expect(problemsOf({ FLAP_DETECTION: '3/10s' })[0]).toMatch(/^FLAP_DETECTION: must be <fires>\/<window>/);
  });

  it('reads PAGE_RATE_LIMIT as texts and calls per person in 10 minutes: 5 unless set, or off', () => {
    expect(loadConfig({}).PAGE_RATE_LIMIT).toBe(5);
    expect(loadConfig({ PAGE_RATE_LIMIT: '12' }).PAGE_RATE_LIMIT).toBe(12);
    expect(loadConfig({ PAGE_RATE_LIMIT: 'OFF' }).PAGE_RATE_LIMIT).toBeUndefined();
    expect(problemsOf({ PAGE_RATE_LIMIT: '5/m' })).toEqual(['PAGE_RATE_LIMIT: must be how many texts and calls one person may get in 10 minutes (1 or more, e.g. 5), or "off"; got "5/m"']);
  });

  it('requires the settings that go together', () => {
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1' })).toEqual([
      'SLACK_SIGNING_SECRET: required when SLACK_BOT_TOKEN is set (Slack requests are verified with it)',
    ]);
    expect(problemsOf({ DISCORD_BOT_TOKEN: 'abc' })).toHaveLength(2);
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slackEnabled).toBe(true);
    expect(problemsOf({ SMTP_URL: 'smtp://mail.example.com:587' })).toEqual(['EMAIL_FROM: required when SMTP_URL is set (the sender of page and verification emails)']);
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465', EMAIL_FROM: 'Incident Bot <pager@example.com>' }).EMAIL_FROM).toBe('Incident Bot <pager@example.com>');
  });

  it('says what an SMTP URL and a sender look like, without printing the URL`s password', () => {
    const problems = problemsOf({ SMTP_URL: 'mail.example.com:25', EMAIL_FROM: 'pager' });
    expect(problems).toEqual([
      'SMTP_URL: must be smtp://user:pass@host:587 or smtps://user:pass@host:465',
      'EMAIL_FROM: must be an address, optionally with a name: Incident Bot <pager@example.com>',
    ]);
  });

  it('refuses a write token that is also the read or webhook token, without printing it', () => {
    const same = 'one-token-for-everything-0123';
    expect(problemsOf({ API_TOKEN: same, API_WRITE_TOKEN: same, WEBHOOK_TOKEN: same })).toEqual([
      'API_WRITE_TOKEN: must differ from API_TOKEN (whoever holds API_TOKEN could then change incidents)',
      'API_WRITE_TOKEN: must differ from WEBHOOK_TOKEN (whoever holds WEBHOOK_TOKEN could then change incidents)',
    ]);
    expect(problemsOf({ API_WRITE_TOKEN: 'short' })).toEqual(['API_WRITE_TOKEN: must be at least 16 characters']);
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

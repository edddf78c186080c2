import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { RATE_LIMIT_FORMAT, parseRateLimitSetting } from './abuse/rate-limit-setting.js';
import { parseConfigMaxBytes } from './config-files/config-file-limits.js';
import { cronExpressionProblem } from './time/cron-expression.js';
import { parseDuration } from './time/duration.js';
import { readRetentionPeriod } from './retention/retention-period.js';

/** Settings whose values are never printed, not even in an error about them. */
export const SECRET_SETTINGS = [
  'DATABASE_URL',
  'WEBHOOK_TOKEN',
  'API_TOKEN',
  'API_WRITE_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'DISCORD_BOT_TOKEN',
  'MATTERMOST_BOT_TOKEN',
  'MATTERMOST_COMMAND_TOKENS',
  'TEAMS_APP_PASSWORD',
  'SMTP_URL',
  'NTFY_TOKEN',
  'PAGE_WEBHOOK_SECRET',
  'TWILIO_AUTH_TOKEN',
  'OIDC_CLIENT_SECRET',
] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const url = (what: string) =>
  optionalText.refine((value) => value === undefined || URL.canParse(value), `must be a URL (${what})`);

const duration = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be a duration such as 30s, 15m or 1h (got "${value}")` });
        return z.NEVER;
      }
      return ms;
    });

/** A RETAIN_* setting: how long a kind of data is kept (30d, 12h, 52w), or "forever"; undefined means forever. */
const retention = (fallback: string, floorMs: number) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const reading = readRetentionPeriod(value, floorMs);
      if (reading.ok) return reading.value;
      ctx.addIssue({ code: 'custom', message: `${reading.problem}; got "${value.slice(0, 40)}"` });
      return z.NEVER;
    });

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const FLAG_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false, on: true, off: false };

/** An on/off setting: true or false (also 1/0, yes/no, on/off, in any case). */
const flag = (fallback: boolean) =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const word = value?.trim().toLowerCase();
      if (word === undefined || word === '') return fallback;
      const on = FLAG_WORDS[word];
      if (on !== undefined && Object.hasOwn(FLAG_WORDS, word)) return on;
      ctx.addIssue({ code: 'custom', message: `must be true or false (also 1/0, yes/no, on/off), got "${value!.slice(0, 40)}"` });
      return z.NEVER;
    });

const timeZone = z
  .string()
  .trim()
  .default('UTC')
  .refine((zone) => isValidTimeZone(zone), 'must be an IANA time zone such as Europe/Berlin');

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const rateLimit = (fallback: string) =>
  z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx) => {
      const parsed = parseRateLimitSetting(value === '' ? fallback : value);
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `must be ${RATE_LIMIT_FORMAT} (got "${value}")` });
        return z.NEVER;
      }
      return parsed;
    });

const PROXY_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/** Fastify's trustProxy: false, a hop count, or the proxies' addresses. Never "trust everyone". */
const trustProxy = z
  .string()
  .trim()
  .default('off')
  .transform((value, ctx): false | number | string => {
    const lower = value.toLowerCase();
    if (['', 'off', 'false', 'no', '0'].includes(lower)) return false;
    if (/^\d+$/.test(value)) return Number(value);
    const entries = value.split(',').map((entry) => entry.trim());
    const valid = (entry: string) => {
      if (PROXY_NAMES.includes(entry.toLowerCase())) return true;
      const [ip = '', bits, extra] = entry.split('/');
      if (extra !== undefined || isIP(ip) === 0) return false;
      return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (isIP(ip) === 4 ? 32 : 128));
    };
    const bad = entries.filter((entry) => !valid(entry));
    if (bad.length > 0 || ['true', 'yes', 'on'].includes(lower)) {
      ctx.addIssue({
        code: 'custom',
        message: `must be "off", the number of proxies in front of the bot (1), or their addresses (10.0.0.0/8, loopback); got "${value}" (trusting any X-Forwarded-For would let every client choose its own address)`,
      });
      return z.NEVER;
    }
    return entries.join(',');
  });

/**
 * The environment with every empty or blank value left out: `PORT=` in a .env file or `-e PORT=`
 * in Docker means "unset, use the default", for every setting alike.
 */
export function withoutBlankValues(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
}

const settingsObject = z.object({
  PORT: z
    .string()
    .default('3000')
    .transform((value, ctx) => {
      const text = value.trim();
      if (/^\d{1,5}$/.test(text) && Number(text) <= 65535) return Number(text);
      ctx.addIssue({ code: 'custom', message: `must be a port number from 0 to 65535 (0: any free port); got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }),
  // Bot processes sharing PORT on this machine, each a full replica (one event loop each): a
  // number, or "auto" for one per core. More than one needs PostgreSQL.
  PROCESSES: z
    .string()
    .default('1')
    .transform((value, ctx) => {
      const count = value.trim().toLowerCase() === 'auto' ? availableParallelism() : /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
      if (!Number.isInteger(count) || count < 1 || count > 64) {
        ctx.addIssue({ code: 'custom', message: 'must be a whole number of processes from 1 to 64, or "auto" (one per core)' });
        return z.NEVER;
      }
      return count;
    }),
  DATABASE_URL: optionalText.refine(
    (value) => value === undefined || /^postgres(ql)?:\/\//.test(value),
    'must start with postgresql:// or postgres:// (leave it unset for embedded storage in DATA_DIR)',
  ),
  DATA_DIR: z.string().trim().min(1).default('./data'),
  PLAYBOOKS_DIR: z.string().trim().min(1).default('./playbooks'),
  ONCALL_FILE: z.string().trim().min(1).default('./oncall.yaml'),
  // Larger files (oncall.yaml, each playbook) are refused unread: parsing runs on the thread that answers /healthz.
  CONFIG_MAX_BYTES: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const parsed = parseConfigMaxBytes(value);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed.bytes;
    }),
  PUBLIC_URL: url('the address Slack, Discord and people use to reach the bot'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  WEBHOOK_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  API_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  API_WRITE_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, 'must be at least 16 characters'),
  SLACK_BOT_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith('xoxb-'), 'must be a bot token (xoxb-...)'),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith('xapp-'), 'must be an app-level token (xapp-...)'),
  SLACK_API_URL: url('Slack Web API base, e.g. https://slack.com/api/'),
  DISCORD_BOT_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText.refine((v) => v === undefined || /^\d+$/.test(v), 'must be a numeric id'),
  DISCORD_GUILD_ID: optionalText.refine((v) => v === undefined || /^\d+$/.test(v), 'must be a numeric id'),
  DISCORD_API_URL: url('Discord REST base, e.g. https://discord.com/api'),
  MATTERMOST_URL: url('the Mattermost server, e.g. https://chat.example.com'),
  MATTERMOST_BOT_TOKEN: optionalText,
  MATTERMOST_TEAM: optionalText.refine((v) => v === undefined || /^[a-z0-9][a-z0-9-]{0,63}$/.test(v), 'must be the team\'s name as in its URL (lowercase letters, digits and -), e.g. engineering'),
  // Mattermost gives each slash command its own token: /incident's and /oncall's, comma-separated.
  MATTERMOST_COMMAND_TOKENS: optionalText.refine((v) => v === undefined || v.split(',').filter((t) => t.trim()).every((t) => /^\s*(?:(?:incident|oncall):)?[a-z0-9]{26}\s*$/.test(t)), 'must be the tokens Mattermost showed for the /incident and /oncall slash commands (26 lowercase letters and digits each), comma-separated, each best named by its command: incident:<token>,oncall:<token>'),
  TEAMS_APP_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v), 'must be the bot\'s Microsoft App ID (a GUID)'),
  TEAMS_APP_PASSWORD: optionalText,
  TEAMS_TENANT_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v), 'must be the Microsoft Entra tenant id (a GUID)'),
  // The team whose channels hold incident threads and INCIDENTS_CHANNEL/REPORT_CHANNEL (its id, from the team's link).
  TEAMS_TEAM_ID: optionalText.refine((v) => v === undefined || /^19:[A-Za-z0-9_-]+@thread\.(tacv2|skype)$/.test(v), 'must be the team\'s id as in its link: 19:…@thread.tacv2'),
  TEAMS_API_URL: url('where the bot gets its token and the Bot Framework keys; unset for Microsoft\'s own'),
  // Microsoft Graph does for Teams what the Bot Connector cannot (a channel per incident, files); off, the bot needs no Graph rights.
  TEAMS_GRAPH: z.enum(['on', 'off'], { message: 'must be "on" (channels and files through Microsoft Graph; needs the Graph permissions in the README) or "off"' }).default('off'),
  // The team's Microsoft 365 group id (the groupId=… in the team's link): what Graph knows the team by.
  TEAMS_GROUP_ID: optionalText.refine((v) => v === undefined || /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v), 'must be the team\'s group id (the GUID after groupId= in the team\'s link)'),
  TEAMS_GRAPH_URL: url('Microsoft Graph base, e.g. https://graph.microsoft.com/v1.0; unset for Microsoft\'s own'),
  SMTP_URL: optionalText.refine((v) => v === undefined || /^smtps?:\/\/[^/]/.test(v), 'must be smtp://user:pass@host:587 or smtps://user:pass@host:465'),
  EMAIL_FROM: optionalText.refine((v) => v === undefined || /^(?:[^<>@\r\n]+<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/.test(v), 'must be an address, optionally with a name: Incident Bot <pager@example.com>'),
  NTFY_URL: url('the ntfy server pages are pushed through, e.g. https://ntfy.example.com'),
  NTFY_TOKEN: optionalText,
  PAGE_WEBHOOK_SECRET: optionalText.refine((v) => v === undefined || (/^whsec_[A-Za-z0-9+/]+=*$/.test(v) && Buffer.from(v.slice(6), 'base64').length >= 24), 'must be whsec_ and at least 24 random bytes in base64 (openssl rand -base64 32)'),
  TWILIO_ACCOUNT_SID: optionalText.refine((v) => v === undefined || /^AC[0-9a-f]{32}$/i.test(v), 'must be an account SID: AC and 32 hex digits'),
  TWILIO_AUTH_TOKEN: optionalText,
  TWILIO_FROM_NUMBER: optionalText.refine((v) => v === undefined || /^\+[1-9]\d{6,14}$/.test(v), 'must be an E.164 number: + then the country code and number (+15005550006)'),
  TWILIO_API_URL: url('Twilio REST base, e.g. https://api.twilio.com'),
  PAGE_RATE_LIMIT: z
    .string()
    .default('5')
    .transform((value, ctx) => {
      const text = value.trim().toLowerCase();
      if (text === 'off') return undefined;
      if (/^\d{1,4}$/.test(text) && Number(text) >= 1) return Number(text);
      ctx.addIssue({ code: 'custom', message: `must be how many texts and calls one person may get in 10 minutes (1 or more, e.g. 5), or "off"; got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }),
  // The web console's sign-in through the company's identity provider (OpenID Connect).
  OIDC_ISSUER: url('the identity provider, e.g. https://login.example.com/realms/company'),
  OIDC_CLIENT_ID: optionalText,
  OIDC_CLIENT_SECRET: optionalText,
  INCIDENTS_CHANNEL: optionalText,
  REPORT_CHANNEL: optionalText,
  REPORT_CRON: z
    .string()
    .trim()
    .default('0 9 * * 1')
    .superRefine((value, ctx) => {
      const problem = cronExpressionProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  REPORT_TIMEZONE: timeZone,
  REOPEN_WINDOW: duration('30m'),
  CHANGE_EVENT_WINDOW: duration('2h'),
  // A cover request nobody took is reminded in the channel after this long, and the team's lead told after twice as long.
  COVER_TIMEOUT: duration('2h'),
  // How far ahead on-call gaps are posted to the team's channel (once each).
  GAP_WARNING_DAYS: z
    .string()
    .default('7')
    .transform((value, ctx) => {
      const text = value.trim().toLowerCase();
      if (text === 'off') return undefined;
      if (/^\d{1,2}$/.test(text) && Number(text) >= 1 && Number(text) <= 90) return Number(text);
      ctx.addIssue({ code: 'custom', message: `must be a whole number of days from 1 to 90, or "off"; got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }),
  // A DM an hour before each shift, and a summary to both people at each handoff.
  SHIFT_NOTICES: flag(true),
  // Amazon SNS (CloudWatch alarms): certificates come from sns.<region>.amazonaws.com unless this
  // names another host (host[:port]) to fetch them from, with SNS_CA_FILE's CA trusted: for tests.
  SNS_CERT_HOST: optionalText.refine((value) => value === undefined || /^[a-z0-9.-]+(:\d{1,5})?$/i.test(value), 'must be a host name, with :port if not 443 (e.g. localhost:8443)'),
  SNS_CA_FILE: optionalText.superRefine((path, ctx) => {
    if (path === undefined) return;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): it names a PEM file of the CA to trust` });
      return;
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) ctx.addIssue({ code: 'custom', message: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
  }),
  FLAP_DETECTION: z
    .string()
    .default('2/30m')
    .transform((value, ctx) => {
      const text = value.trim().toLowerCase();
      if (text === 'off') return undefined;
      const match = /^(\d{1,3})\s*\/\s*(\S+)$/.exec(text);
      const windowMs = match ? parseDuration(match[2]!) : undefined;
      if (match && Number(match[1]) >= 2 && windowMs !== undefined && windowMs >= 60_000) return { fires: Number(match[1]), windowMs };
      ctx.addIssue({ code: 'custom', message: `must be <fires>/<window>: an alert firing that many times (2 or more) within the window (1m or more) is flapping, e.g. 3/30m; or "off"; got "${value.slice(0, 40)}"` });
      return z.NEVER;
    }),
  REDACT_PII: flag(false),
  STORE_RAW_ALERTS: flag(true),
  // Generous: a real Alertmanager storm (every group flushing at once) stays far under them;
  // they stop a leaked token or a runaway script from taking the whole bot. Per address is the
  // larger because without TRUST_PROXY every sender behind one load balancer shares an address.
  // The ingest benchmark, which measures capacity, sets its own.
  WEBHOOK_RATE_LIMIT: rateLimit('1000/s burst 10000'),
  WEBHOOK_RATE_LIMIT_PER_ADDRESS: rateLimit('2000/s burst 20000'),
  TRUST_PROXY: trustProxy,
  // Per person in chat: room for a responder's quick burst of commands in a busy incident, not
  // for a script hammering the handlers (and the audit table) with thousands.
  COMMAND_RATE_LIMIT: rateLimit('20/m burst 10'),
  // Retention (SECURITY.md, "How long it is kept"): what the daily purge removes, and when.
  RETAIN_RAW_PAYLOADS: retention('30d', HOUR_MS),
  RETAIN_RESOLVED_ALERTS: retention('365d', DAY_MS),
  RETAIN_AUDIT: retention('365d', DAY_MS),
  RETAIN_PROCESSED_REQUESTS: retention('7d', HOUR_MS),
  RETAIN_INCIDENTS: retention('forever', DAY_MS),
});

const settingsSchema = z.preprocess((env) => withoutBlankValues(env as NodeJS.ProcessEnv), settingsObject);

/** One slash command's token; `command` set when the setting names it (then it runs that command only). */
export interface CommandToken {
  command?: 'incident' | 'oncall';
  token: string;
}

/** MATTERMOST_COMMAND_TOKENS as a list: `incident:<token>,oncall:<token>`, or bare tokens (either runs either command). */
export function commandTokens(value: string): CommandToken[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const named = /^(incident|oncall):(.*)$/.exec(entry);
      return named ? { command: named[1] as 'incident' | 'oncall', token: named[2]! } : { token: entry };
    });
}

/** Every setting the bot reads, by name: README's table and .env.example list each. */
export const SETTING_NAMES: readonly string[] = Object.keys(settingsObject.shape);

export type Settings = z.infer<typeof settingsSchema>;

export interface Config extends Settings {
  /** Which storage DATABASE_URL selects. */
  storage: 'embedded' | 'postgres';
  slackEnabled: boolean;
  discordEnabled: boolean;
  mattermostEnabled: boolean;
  teamsEnabled: boolean;
  /** ONCALL_FILE was given (not the default): the file must then exist at start. */
  oncallFileSet: boolean;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads every setting at once and reports every problem at once, naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = settingsSchema.safeParse(env);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '?');
      // zod messages for enums/types may quote the received value; a secret's never is.
      const message = SECRET_SETTINGS.includes(name as (typeof SECRET_SETTINGS)[number])
        ? issue.message.replace(/received .*/i, 'invalid value')
        : issue.message;
      problems.push(`${name}: ${message}`);
    }
    throw new ConfigError(problems);
  }
  const settings = parsed.data;
  const requireTogether = (present: keyof Settings, needed: (keyof Settings)[], why: string) => {
    if (settings[present] === undefined) return;
    for (const name of needed) {
      if (settings[name] === undefined) problems.push(`${name}: required when ${present} is set (${why})`);
    }
  };
  if (settings.SLACK_BOT_TOKEN && !settings.SLACK_APP_TOKEN) {
    requireTogether('SLACK_BOT_TOKEN', ['SLACK_SIGNING_SECRET'], 'Slack requests are verified with it');
  }
  if (settings.SLACK_APP_TOKEN && !settings.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN: required when SLACK_APP_TOKEN is set (Socket Mode still calls the Web API)');
  if (settings.SLACK_SIGNING_SECRET && !settings.SLACK_BOT_TOKEN) problems.push('SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET is set');
  requireTogether('DISCORD_BOT_TOKEN', ['DISCORD_APPLICATION_ID', 'DISCORD_GUILD_ID'], 'slash commands are registered for that guild');
  requireTogether('MATTERMOST_BOT_TOKEN', ['MATTERMOST_URL', 'MATTERMOST_TEAM', 'MATTERMOST_COMMAND_TOKENS', 'PUBLIC_URL'], 'the bot calls that server, opens channels in that team, checks each slash command\'s token, and its buttons call back PUBLIC_URL/mattermost/actions');
  for (const name of ['MATTERMOST_URL', 'MATTERMOST_TEAM', 'MATTERMOST_COMMAND_TOKENS'] as const) {
    if (settings[name] !== undefined && settings.MATTERMOST_BOT_TOKEN === undefined) problems.push(`MATTERMOST_BOT_TOKEN: required when ${name} is set (the bot account's access token)`);
  }
  requireTogether('TEAMS_APP_ID', ['TEAMS_APP_PASSWORD', 'TEAMS_TENANT_ID', 'TEAMS_TEAM_ID'], 'the bot signs in as that app, in that tenant, and opens incident threads in that team');
  for (const name of ['TEAMS_APP_PASSWORD', 'TEAMS_TENANT_ID', 'TEAMS_TEAM_ID'] as const) {
    if (settings[name] !== undefined && settings.TEAMS_APP_ID === undefined) problems.push(`TEAMS_APP_ID: required when ${name} is set (the bot's Microsoft App ID)`);
  }
  if (settings.TEAMS_GRAPH === 'on') {
    if (settings.TEAMS_APP_ID === undefined) problems.push('TEAMS_APP_ID: required when TEAMS_GRAPH is on (Graph is called as the bot\'s app)');
    if (settings.TEAMS_GROUP_ID === undefined) problems.push('TEAMS_GROUP_ID: required when TEAMS_GRAPH is on (Graph knows the team by its group id: groupId=… in the team\'s link)');
  }
  requireTogether('SMTP_URL', ['EMAIL_FROM'], 'the sender of page and verification emails');
  requireTogether('TWILIO_ACCOUNT_SID', ['TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'], 'SMS pages are sent from that number with that account');
  if (settings.OIDC_ISSUER) {
    const issuer = new URL(settings.OIDC_ISSUER);
    if (issuer.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(issuer.hostname)) problems.push('OIDC_ISSUER: must be an https:// address (sign-in tokens must not cross the network in clear text)');
  }
  requireTogether('OIDC_ISSUER', ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET', 'PUBLIC_URL'], 'the console signs people in as that client, and the provider sends them back to PUBLIC_URL/ui/auth/callback');
  for (const name of ['OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const) {
    if (settings[name] !== undefined && settings.OIDC_ISSUER === undefined) problems.push(`OIDC_ISSUER: required when ${name} is set (the provider that client belongs to)`);
  }
  if (settings.NTFY_TOKEN && !settings.NTFY_URL) problems.push('NTFY_URL: required when NTFY_TOKEN is set (the server the token is for)');
  // The write token acknowledges and resolves: whoever holds only the read or webhook token must not.
  for (const other of ['API_TOKEN', 'WEBHOOK_TOKEN'] as const) {
    if (settings.API_WRITE_TOKEN !== undefined && settings.API_WRITE_TOKEN === settings[other]) problems.push(`API_WRITE_TOKEN: must differ from ${other} (whoever holds ${other} could then change incidents)`);
  }
  // A resolved alert is what an alert firing again within REOPEN_WINDOW re-opens its incident by.
  if (settings.RETAIN_RESOLVED_ALERTS !== undefined && settings.RETAIN_RESOLVED_ALERTS <= settings.REOPEN_WINDOW) problems.push('RETAIN_RESOLVED_ALERTS: must be longer than REOPEN_WINDOW (an alert firing again within that window re-opens its incident through the resolved alert)');
  if (settings.PROCESSES > 1 && !settings.DATABASE_URL) problems.push(`PROCESSES: ${settings.PROCESSES} processes need PostgreSQL (DATABASE_URL); embedded storage in DATA_DIR belongs to one process`);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...settings,
    storage: settings.DATABASE_URL ? 'postgres' : 'embedded',
    slackEnabled: settings.SLACK_BOT_TOKEN !== undefined,
    discordEnabled: settings.DISCORD_BOT_TOKEN !== undefined,
    mattermostEnabled: settings.MATTERMOST_BOT_TOKEN !== undefined,
    teamsEnabled: settings.TEAMS_APP_ID !== undefined,
    oncallFileSet: (env.ONCALL_FILE ?? '').trim() !== '',
  };
}

import { pino, type Logger } from 'pino';
import { SECRET_SETTINGS } from './config.js';
import { mayHoldSecret, redactSecrets } from './privacy/redact-pii.js';

export type { Logger };

const CENSOR = '[redacted]';

/** Paths pino masks wherever they appear in a log object, so secrets never reach logs. */
export const REDACTED_PATHS = [
  'token',
  'password',
  'secret',
  'authorization',
  'cookie',
  '*.token',
  '*.password',
  '*.secret',
  '*.authorization',
  '*.cookie',
  'headers["set-cookie"]',
  'headers["proxy-authorization"]',
  'headers["x-slack-signature"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  '*.headers["proxy-authorization"]',
  '*.headers["x-slack-signature"]',
  ...SECRET_SETTINGS.map((name) => `config.${name}`),
];

/**
 * Shorter values are not masked by value: replacing every "pw" in every line would garble the
 * logs. They are still masked where a pattern finds them (URL passwords, headers, tokens).
 */
const MIN_MASKED_VALUE_LENGTH = 8;

/** The values of the secret settings (of DATABASE_URL, its password), for masking by value. */
export function secretValuesOf(settings: Partial<Record<(typeof SECRET_SETTINGS)[number], string | undefined>>): string[] {
  const values = new Set<string>();
  // The database URL itself stays readable (which host, which user); its password is the secret.
  // URLs stay readable (which host, which user); their passwords are the secret.
  const urls = new Set<string>(['DATABASE_URL', 'SMTP_URL']);
  for (const name of SECRET_SETTINGS) {
    const value = settings[name];
    if (value && !urls.has(name)) values.add(value);
  }
  // Each slash command's token alone is a secret too.
  for (const entry of settings.MATTERMOST_COMMAND_TOKENS?.split(',') ?? []) {
    const token = entry.trim().replace(/^(incident|oncall):/, '');
    if (token) values.add(token);
  }
  for (const name of urls) {
    const value = settings[name as (typeof SECRET_SETTINGS)[number]];
    if (!value || !URL.canParse(value)) continue;
    const password = new URL(value).password;
    if (password) {
      values.add(password);
      values.add(decodeURIComponent(password));
    }
  }
  return [...values].filter((value) => value.length >= MIN_MASKED_VALUE_LENGTH);
}

/**
 * Scrubs each serialized line before it is written: pino's path redaction only sees field
 * names, while a token can sit inside a message, an error's message or stack, or a URL. The
 * line is parsed and its strings scrubbed one by one, so a mask can never break the JSON.
 */
export function lineScrubber(secrets: readonly string[]): (line: string) => string {
  // Longest first, so a value containing another (a URL containing its password) is masked whole.
  const needles = [...new Set(secrets)].sort((a, b) => b.length - a.length);
  const escapedNeedles = needles.map((needle) => JSON.stringify(needle).slice(1, -1));
  const scrubText = (text: string) => {
    let out = text;
    for (const needle of needles) if (out.includes(needle)) out = out.split(needle).join(CENSOR);
    return redactSecrets(out);
  };
  const scrub = (value: unknown): unknown => {
    if (typeof value === 'string') return scrubText(value);
    if (Array.isArray(value)) return value.map(scrub);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, scrub(inner)]));
    return value;
  };
  return (line) => {
    // The serialized line holds every string of the record (JSON-escaped): if neither a known
    // value nor a secret's shape is in it, nothing inside can need masking.
    if (!mayHoldSecret(line) && !escapedNeedles.some((needle) => line.includes(needle))) return line;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return scrubText(line);
    }
    const scrubbed = JSON.stringify(scrub(parsed));
    return line.endsWith('\n') ? `${scrubbed}\n` : scrubbed;
  };
}

export interface LoggerOptions {
  /** Values masked wherever they appear in a line (the secret settings: see secretValuesOf). */
  secrets?: readonly string[];
}

export function createLogger(level: string, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level,
      base: { service: 'incident-bot' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      formatters: { level: (label) => ({ level: label }) },
      hooks: { streamWrite: lineScrubber(options.secrets ?? []) },
    },
    destination,
  );
}

import { join } from 'node:path';
import { TOKEN_FILES, type AccessToken, type AccessTokens } from './access-tokens.js';

const TEST_ALERT = '{"title":"Test alert: checkout error rate above 5%","severity":"critical","service":"checkout"}';

/** The header that sends a token: its value when this start generated it, else the setting it came from. */
function bearer(token: AccessToken): string {
  return token.generated ? `'Authorization: Bearer ${token.token}'` : `"Authorization: Bearer $${token.setting}"`;
}

/**
 * Shown once, on the terminal, when a start generated any token: the values of the webhook and
 * read tokens and the quick start's remaining steps, an incident opened, listed and resolved.
 * The write token's value is not printed (terminal output often ends up in collected logs):
 * the CLI reads it from its file.
 */
export function firstRunBanner(tokens: AccessTokens, baseUrl: string, dataDir: string, cliSettings: Record<string, string> = {}): string | undefined {
  const generated = Object.values(tokens).filter((token) => token.generated);
  if (generated.length === 0) return undefined;
  const label: Record<AccessToken['setting'], string> = { WEBHOOK_TOKEN: 'webhook token', API_TOKEN: 'read API token', API_WRITE_TOKEN: 'write API token' };
  const value = (token: AccessToken) => (token.setting === 'API_WRITE_TOKEN' ? '(not shown: the CLI reads it from the file)' : token.token);
  return [
    '',
    `  First start: generated into ${dataDir} and kept there for the next starts (shown only this once; set ${generated.map((token) => token.setting).join(', ')} to use your own):`,
    '',
    ...generated.map((token) => `    ${label[token.setting].padEnd(17)}${join(dataDir, TOKEN_FILES[token.setting]).padEnd(25)} ${value(token)}`),
    '',
    '  1. Send a test alert; it opens an incident:',
    '',
    `    curl -sS -X POST ${baseUrl}/webhooks/generic \\`,
    `      -H ${bearer(tokens.WEBHOOK_TOKEN)} -H 'Content-Type: application/json' \\`,
    `      -d '${TEST_ALERT}'`,
    '',
    '  2. List the open incidents:',
    '',
    `    curl -sS ${baseUrl}/api/incidents -H ${bearer(tokens.API_TOKEN)}`,
    '',
    '  3. Close it without chat (the number from step 2; also: ack, mitigate, note):',
    '',
    // The CLI finds the bot by PORT and its tokens in DATA_DIR: this start's, when not the defaults.
    `    ${Object.entries(cliSettings).map(([name, setting]) => `${name}=${shellWord(setting)} `).join('')}npm run cli -- incident resolve 1 "it was the test alert"`,
    '',
  ].join('\n');
}

/** A value as one shell word: quoted when it holds anything but plain path characters. */
function shellWord(value: string): string {
  return /^[\w./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

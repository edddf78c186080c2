import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('info', stream), text: () => lines.join('') };
}

describe('logs', () => {
  it('never contain tokens, signing secrets, passwords or authorization headers', () => {
    const { log, text } = capture();
    const config = loadConfig({
      DATABASE_URL: 'postgresql://bot:db-password-1@db/bot',
      WEBHOOK_TOKEN: 'webhook-token-secret-1',
      API_TOKEN: 'api-token-secret-000001',
      SLACK_BOT_TOKEN: 'xoxb-slack-secret-1',
      SLACK_SIGNING_SECRET: 'signing-secret-1',
      DISCORD_BOT_TOKEN: 'discord-secret-1',
      DISCORD_APPLICATION_ID: '1',
      DISCORD_GUILD_ID: '2',
    });
    log.info({ config }, 'started');
    log.warn({ req: { headers: { authorization: 'Bearer webhook-token-secret-1', 'x-slack-signature': 'v0=abc-secret' } } }, 'refused');
    log.error({ token: 'xoxb-slack-secret-1', password: 'db-password-1', nested: { secret: 'signing-secret-1' } }, 'oops');
    const output = text();
    for (const secret of ['db-password-1', 'webhook-token-secret-1', 'api-token-secret-000001', 'xoxb-slack-secret-1', 'signing-secret-1', 'discord-secret-1', 'abc-secret']) {
      expect(output).not.toContain(secret);
    }
    expect(output).toContain('[redacted]');
    expect(output).toContain('"msg":"refused"');
  });
});

import { resolve } from 'node:path';
import type { CliIo } from '../cli-command.js';
import type { Config } from '../config.js';
import { botAddress } from '../http/bot-address.js';

/**
 * Called when the CLI is about to read the embedded storage itself, which means no bot holds it. If a
 * bot answers on this machine's PORT all the same, that bot keeps its data elsewhere (PostgreSQL
 * through a DATABASE_URL set only for `npm start`, or another DATA_DIR), and what the CLI is
 * about to print is not what the bot holds: says so on stderr, once, rather than answer from a
 * database nobody writes to.
 */
export async function noteIfBotUsesOtherStorage(io: CliIo, config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'PORT'>, timeoutMs = 500): Promise<void> {
  if (config.DATABASE_URL) return;
  const base = botAddress(config.PORT);
  try {
    const answer = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'incident-bot-cli' } });
    const body = (await answer.json().catch(() => undefined)) as { status?: string } | undefined;
    if (!answer.ok || body?.status !== 'ok') return;
  } catch {
    return;
  }
  io.err(
    `Note: this command reads the embedded storage in ${resolve(config.DATA_DIR)}, but the bot answering at ${base} does not keep its data there ` +
      '(it would hold it): it runs on PostgreSQL (a DATABASE_URL set only for npm start?) or another DATA_DIR. Give this command the same DATABASE_URL or DATA_DIR to read what the bot stores.',
  );
}

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { expect } from 'vitest';
import { startBot, type RunningBot } from '../../src/main.js';
import type { Clock } from '../../src/time/clock.js';
import { LEFT_BY } from './left-by.js';
import { createPostgresDatabase, type DatabaseKind } from './test-database.js';

export interface TestBot extends RunningBot {
  dataDir: string;
  /** Closes the bot and deletes its storage. */
  destroy(): Promise<void>;
}

/** The real bot on a random port, on embedded storage in a temp folder or a fresh PostgreSQL database. */
/** `options.clock`: the bot's clock (a ManualClock, for a test that moves time with JobTime). */
export async function startTestBot(kind: DatabaseKind, env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestBot> {
  const dataDir = mkdtempSync(join(tmpdir(), 'incident-bot-test-'));
  // Names the test in the suite's leftovers report if this folder is never destroyed.
  writeFileSync(join(dataDir, LEFT_BY), `${expect.getState().testPath ?? ''} ${expect.getState().currentTestName ?? ''}`.trim());
  let postgres: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  let bot: RunningBot;
  try {
    postgres = kind === 'postgres' ? await createPostgresDatabase() : undefined;
    // An ONCALL_FILE that is set must exist: an empty one means no routes, people or policies.
    if (env.ONCALL_FILE === undefined) writeFileSync(join(dataDir, 'oncall.yaml'), '');
    const config = loadConfig({
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      // No routes, people or policies unless the test brings its own oncall.yaml.
      ONCALL_FILE: join(dataDir, 'oncall.yaml'),
      ...(postgres ? { DATABASE_URL: postgres.url } : {}),
      // The periodic notices post on their own: only the tests of them turn them on.
      GAP_WARNING_DAYS: 'off',
      SHIFT_NOTICES: 'false',
      ...env,
    });
    bot = await startBot(config, { log: createLogger(config.LOG_LEVEL), host: '127.0.0.1', ...(options.clock ? { clock: options.clock } : {}) });
  } catch (error) {
    // A bot that never started leaves neither its folder nor its database behind.
    await postgres?.drop().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return Object.assign(Object.create(null), bot, {
    dataDir,
    close: bot.close,
    async destroy() {
      await bot.close();
      await postgres?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  }) as TestBot;
}

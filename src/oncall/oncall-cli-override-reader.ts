import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliIo } from '../cli-command.js';
import { loadConfig } from '../config.js';
import type { PrismaClient } from '../db/database.js';
import { StartupError } from '../startup-error.js';
import type { ScheduleOverride } from './on-call-at.js';
import { overridesBetween } from './stored-overrides.js';

export interface OverridesRead {
  overrides: ScheduleOverride[];
  /** Why the stored overrides could not be read, said to the user next to the answer. */
  notIncluded?: string;
}

export type ReadOverrides = (io: CliIo, from: Date, to: Date) => Promise<OverridesRead>;

type OpenPrisma = (io: CliIo) => Promise<{ prisma: PrismaClient; close(): Promise<void> }>;

/**
 * The overrides set from chat, read from the bot's database so that the CLI answers as chat does.
 * No database yet means none was ever set (and none is created just to ask). Embedded storage
 * held by the running bot cannot be opened a second time: the answer then says what it leaves out.
 */
export function storedOverridesReader(openPrisma: OpenPrisma): ReadOverrides {
  return async (io, from, to) => {
    const config = loadConfig(io.env);
    if (!config.DATABASE_URL && !existsSync(join(resolve(config.DATA_DIR), 'pglite'))) return { overrides: [] };
    let storage: Awaited<ReturnType<OpenPrisma>>;
    try {
      storage = await openPrisma(io);
    } catch (error) {
      if (error instanceof StartupError && error.code === 'data_dir_locked') {
        return {
          overrides: [],
          notIncluded:
            `Overrides set from chat are not included: the running bot holds the embedded database in DATA_DIR ${resolve(config.DATA_DIR)}. ` +
            '/oncall in chat includes them; with PostgreSQL (DATABASE_URL) this command reads them while the bot runs.',
        };
      }
      throw error;
    }
    try {
      return { overrides: await overridesBetween(storage.prisma, from, to) };
    } finally {
      await storage.close();
    }
  };
}

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliIo } from '../cli-command.js';
import { loadConfig } from '../config.js';
import type { PrismaClient } from '../db/database.js';
import type { ContactVia } from '../paging/contact-methods.js';
import { verifiedAmong } from '../paging/page-notifications.js';
import type { ContactMethodState } from '../paging/contact-verification-requests.js';
import { readHeartbeats, type HeartbeatView } from '../heartbeats/heartbeat-list.js';
import { heartbeatFromJson, type HeartbeatJson } from '../heartbeats/heartbeat-routes.js';
import { callBotApi, refusal, type ApiAnswer } from '../http/bot-api-client.js';
import type { OncallConfig } from './oncall-config.js';
import { StartupError } from '../startup-error.js';
import { noteIfBotUsesOtherStorage } from '../storage/other-storage-note.js';
import type { PersonConfig } from './oncall-config.js';
import type { ScheduleOverride } from './on-call-at.js';
import { overridesBetween } from './stored-overrides.js';

/** What the CLI read from the bot's database, or why it could not (said to the user next to the answer). */
export interface StoredRead<T> {
  value: T;
  notIncluded?: string;
}

export interface OverridesRead {
  overrides: ScheduleOverride[];
  notIncluded?: string;
}

export type ReadOverrides = (io: CliIo, from: Date, to: Date) => Promise<OverridesRead>;
/** The methods a person verified; undefined when the database could not be read (then `notIncluded` says why). */
export type ReadVerified = (io: CliIo, person: PersonConfig) => Promise<StoredRead<Set<ContactVia> | undefined>>;

type OpenPrisma = (io: CliIo) => Promise<{ prisma: PrismaClient; close(): Promise<void> }>;

/** How to ask the running bot instead, when it holds embedded storage: its read API's path, and the value in its answer. */
interface AskTheBot<T> {
  path: string;
  read(answer: ApiAnswer): T;
}

/**
 * Reads from the bot's database so that the CLI answers as chat does. No database yet means
 * nothing was ever stored (and none is created just to ask): `empty`. Embedded storage held by
 * the running bot cannot be opened a second time: the bot's read API answers instead, and when
 * it cannot either, the answer says what it leaves out (`locked`).
 */
async function readStored<T, L>(
  openPrisma: OpenPrisma,
  io: CliIo,
  values: { empty: T; locked: L },
  what: { missing: string; inChat: string },
  read: (prisma: PrismaClient) => Promise<T>,
  ask: AskTheBot<T>,
): Promise<StoredRead<T | L>> {
  const config = loadConfig(io.env);
  if (!config.DATABASE_URL && !existsSync(join(resolve(config.DATA_DIR), 'pglite'))) {
    await noteIfBotUsesOtherStorage(io, config);
    return { value: values.empty };
  }
  let storage: Awaited<ReturnType<OpenPrisma>>;
  try {
    storage = await openPrisma(io);
  } catch (error) {
    if (!(error instanceof StartupError && error.code === 'data_dir_locked')) throw error;
    const asked = await callBotApi(io, { scope: 'read', method: 'GET', path: ask.path });
    if (asked?.ok) return { value: ask.read(asked.answer) };
    const notIncluded =
      `${what.missing} not included: the running bot holds the embedded database in DATA_DIR ${resolve(config.DATA_DIR)}. ` +
      `${what.inChat}; with PostgreSQL (DATABASE_URL) this command reads them while the bot runs.`;
    return { value: values.locked, notIncluded: asked ? `${notIncluded} Asking the running bot failed too: ${refusal(asked)}` : notIncluded };
  }
  try {
    return { value: await read(storage.prisma) };
  } finally {
    await storage.close();
  }
}

type OverrideView = { origin: string; schedule: string; person: string; startsAt: string; endsAt: string; createdAt?: string };

/** The overrides set from chat, the API or the CLI. */
export function storedOverridesReader(openPrisma: OpenPrisma): ReadOverrides {
  return async (io, from, to) => {
    const read = await readStored(openPrisma, io, { empty: [], locked: [] }, { missing: 'Overrides set from chat, the API or this CLI are', inChat: '/oncall in chat includes them' }, (prisma) => overridesBetween(prisma, from, to), {
      path: `/api/overrides?${new URLSearchParams({ from: from.toISOString(), to: to.toISOString() })}`,
      // Planned leave comes from this CLI's own oncall.yaml, as when it reads the database.
      read: (answer) =>
        (answer.overrides as OverrideView[])
          .filter((view) => view.origin !== 'oncall.yaml')
          .map((view) => ({ scheduleKey: view.schedule, personKey: view.person, startsAt: new Date(view.startsAt), endsAt: new Date(view.endsAt), createdAt: new Date(view.createdAt ?? view.startsAt) })),
    });
    return { overrides: read.value, ...(read.notIncluded ? { notIncluded: read.notIncluded } : {}) };
  };
}

/** The contact methods a person verified (`/oncall verify`), for the addresses oncall.yaml gives them now. */
export function storedVerificationsReader(openPrisma: OpenPrisma): ReadVerified {
  return (io, person) =>
    readStored(
      openPrisma,
      io,
      { empty: new Set<ContactVia>(), locked: undefined },
      { missing: 'Which contact methods are verified is', inChat: '/oncall contact in chat shows it' },
      async (prisma) => {
        const rows = await prisma.contactVerification.findMany({ where: { person: { handle: person.key }, verifiedAt: { not: null } }, select: { via: true, address: true } });
        return verifiedAmong(rows, person);
      },
      {
        path: `/api/people/${encodeURIComponent(person.key)}/contact-methods`,
        read: (answer) => new Set<ContactVia>((answer.methods as ContactMethodState[]).filter((m) => m.state === 'verified').map((m) => m.via)),
      },
    );
}

/** The heartbeats oncall.yaml declares, with their last beats; undefined when the running bot holds embedded storage. */
export type ReadHeartbeats = (io: CliIo, config: OncallConfig) => Promise<StoredRead<HeartbeatView[] | undefined>>;

export function storedHeartbeatsReader(openPrisma: OpenPrisma): ReadHeartbeats {
  return (io, config) =>
    readStored(
      openPrisma,
      io,
      { empty: Object.values(config.heartbeats).map((h) => ({ name: h.name, intervalMs: h.intervalMs, graceMs: h.graceMs, lastBeatAt: null, beats: 0, missedSince: null })), locked: undefined },
      { missing: 'Heartbeats are', inChat: '/oncall heartbeats in chat shows them' },
      (prisma) => readHeartbeats(prisma, config),
      { path: '/api/heartbeats', read: (answer) => (answer.heartbeats as HeartbeatJson[]).map(heartbeatFromJson) },
    );
}

import { createWriteStream, existsSync, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { AuditLog } from '../access/audit-log.js';
import { UsageError, type CliCommand, type CliIo } from '../cli-command.js';
import { flagValue, parseFlags } from '../cli-flags.js';
import { loadConfig } from '../config.js';
import type { PrismaClient } from '../db/database.js';
import { openBotApi, refusal, type ApiAnswer } from '../http/bot-api-client.js';
import { createLogger } from '../logging.js';
import { StartupError } from '../startup-error.js';
import { systemClock, type Clock } from '../time/clock.js';
import { readInstantOrAgo } from '../time/instant.js';
import { exportIncidentsOpened, type ExportRange } from './incident-export-queries.js';

export type OpenPrisma = (io: CliIo) => Promise<{ prisma: PrismaClient; close(): Promise<void> }>;

const USAGE = 'export --since <7d|ISO time> [--until <7d|ISO time>] [--out <file>] [--url <bot address>]';

/** Where the lines go: stdout, or a file written beside its name and renamed into place once complete. */
interface LineSink {
  write(line: string): Promise<void>;
  /** Moves a complete file into place. */
  finish(): Promise<void>;
  /** Leaves no half-written file behind. */
  abandon(): Promise<void>;
}

function stdoutSink(io: CliIo): LineSink {
  return { write: async (line) => io.out(line), finish: async () => {}, abandon: async () => {} };
}

/** Opens the file at once, so that a folder that does not exist or cannot be written is said before anything is read. */
function fileSink(file: string): LineSink {
  const target = resolve(file);
  const partial = `${target}.partial`;
  const stream: WriteStream = createWriteStream(partial, { fd: openSync(partial, 'w') });
  let failure: Error | undefined;
  stream.on('error', (error) => (failure = error));
  const closed = async () => {
    if (!stream.closed) {
      stream.end();
      await once(stream, 'close');
    }
    if (failure) throw failure;
  };
  return {
    async write(line) {
      if (failure) throw failure;
      if (!stream.write(`${line}\n`)) await Promise.race([once(stream, 'drain'), once(stream, 'close')]);
    },
    async finish() {
      await closed();
      renameSync(partial, target);
    },
    async abandon() {
      await closed().catch(() => {});
      rmSync(partial, { force: true });
    },
  };
}

function rangeText(range: ExportRange): string {
  return `opened from ${range.since.toISOString()}${range.until ? ` until ${range.until.toISOString()}` : ''}`;
}

/** From the database directly: PostgreSQL at any time, embedded storage while the bot is stopped. */
async function exportFromDatabase(storage: { prisma: PrismaClient }, redact: boolean, range: ExportRange, sink: LineSink): Promise<number> {
  let count = 0;
  for await (const document of exportIncidentsOpened(storage.prisma, range, { redact })) {
    await sink.write(JSON.stringify(document));
    count++;
  }
  // Data leaving the bot is on the audit trail, whichever way it left.
  await new AuditLog(storage.prisma, createLogger('silent')).record({
    actorName: `${userInfo().username} (command line)`,
    platform: 'cli',
    action: 'cli.incidents.export',
    args: { since: range.since.toISOString(), ...(range.until ? { until: range.until.toISOString() } : {}), redacted: redact, incidents: count },
    result: 'ok',
  });
  return count;
}

/** From the running bot's API (GET /api/incidents/export, read token): the same documents, streamed. */
async function exportThroughBot(io: CliIo, url: string | undefined, range: ExportRange, sink: LineSink): Promise<number | undefined> {
  const query = new URLSearchParams({ since: range.since.toISOString(), ...(range.until ? { until: range.until.toISOString() } : {}) });
  const response = await openBotApi(io, { url, scope: 'read', method: 'GET', path: `/api/incidents/export?${query}` });
  if (!response) return undefined;
  if (!response.ok || !response.body) {
    const raw = await response.text();
    let answer: ApiAnswer = {};
    try {
      answer = JSON.parse(raw) as ApiAnswer;
    } catch {
      // Not the bot's JSON (a proxy's page): shown as it came.
    }
    io.err(refusal({ status: response.status, answer, raw }));
    return undefined;
  }
  let count = 0;
  let rest = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = rest.indexOf('\n')) !== -1) {
      const line = rest.slice(0, end);
      rest = rest.slice(end + 1);
      if (line) {
        await sink.write(line);
        count++;
      }
    }
  }
  rest += decoder.decode();
  // Every line the bot sends ends with a newline: anything after the last one is a cut-off document.
  if (rest.trim()) throw new Error('the answer ended in the middle of a document');
  return count;
}

/**
 * `incident-bot export --since 7d`: every incident opened in the range as one JSON document per
 * line (JSON Lines), by number, for a data warehouse or an auditor. It reads the database itself
 * when it can; while the running bot holds the embedded store (or with --url) it asks the bot's
 * API for the same documents, so the result is the same either way.
 */
export function exportCliCommand(openPrisma: OpenPrisma, clock: Clock = systemClock): CliCommand {
  return {
    name: ['export'],
    usage: USAGE,
    summary: 'every incident opened in a time range, with its alerts, timeline, roles, pages, playbook and postmortem, as JSON Lines (masked under REDACT_PII)',
    async run(args, io) {
      const { values } = parseFlags({
        args,
        options: { since: { type: 'string' }, until: { type: 'string' }, out: { type: 'string' }, url: { type: 'string' } },
      });
      if (values.since === undefined) throw new UsageError('Say where the export starts: --since 7d, or --since 2026-01-01 for an ISO time (UTC unless it has an offset)');
      const now = clock.now();
      const since = flagValue('--since', values.since, (text) => readInstantOrAgo(text, now));
      const until = values.until === undefined ? undefined : flagValue('--until', values.until, (text) => readInstantOrAgo(text, now));
      if (until && until <= since) throw new UsageError(`--until must be after --since (${until.toISOString()} is not after ${since.toISOString()})`);
      if (values.out !== undefined && !values.out.trim()) throw new UsageError('--out must name a file');
      const range: ExportRange = { since, ...(until ? { until } : {}) };
      const config = loadConfig(io.env);

      // The file first: a folder that cannot be written is said before the database is opened.
      let sink: LineSink;
      try {
        sink = values.out === undefined ? stdoutSink(io) : fileSink(values.out);
      } catch (error) {
        io.err(`Cannot write ${resolve(values.out!)}.partial (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): --out must name a file in a folder you can write.`);
        return 1;
      }
      let storage: Awaited<ReturnType<OpenPrisma>> | undefined;
      if (values.url === undefined) {
        if (!config.DATABASE_URL && !existsSync(join(resolve(config.DATA_DIR), 'pglite'))) {
          await sink.abandon();
          io.err(`There is no database in DATA_DIR ${resolve(config.DATA_DIR)}: nothing was ever stored there. Set DATA_DIR (or DATABASE_URL) as the bot has it.`);
          return 1;
        }
        try {
          storage = await openPrisma(io);
        } catch (error) {
          // The running bot holds the embedded store: it serves the same export over its API.
          if (!(error instanceof StartupError && error.code === 'data_dir_locked')) {
            await sink.abandon();
            throw error;
          }
        }
      }

      let count: number | undefined;
      try {
        count = storage ? await exportFromDatabase(storage, config.REDACT_PII, range, sink) : await exportThroughBot(io, values.url, range, sink);
      } catch (error) {
        await sink.abandon();
        io.err(`The export stopped part way (${(error as Error).message})${values.out !== undefined ? '; no file was written' : '; what was printed is incomplete'}.`);
        return 1;
      } finally {
        await storage?.close();
      }
      if (count === undefined) {
        await sink.abandon();
        return 1;
      }
      try {
        await sink.finish();
      } catch (error) {
        await sink.abandon();
        io.err(`Could not finish ${resolve(values.out!)} (${(error as Error).message}); no file was written.`);
        return 1;
      }
      if (values.out !== undefined) io.out(`Exported ${count} incident(s) ${rangeText(range)} to ${resolve(values.out)}${storage ? '' : ' (through the running bot)'}.`);
      return 0;
    },
  };
}

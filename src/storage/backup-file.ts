import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { StoreEvent, StoreSink, TableSums } from './store-events.js';
import { StorageCopyError } from './storage-copy-error.js';
import type { SequenceState } from './store-tables.js';

/**
 * A backup file: gzip-compressed JSON lines. The first line says what it is and the schema
 * version (the migrations applied); then per table a ["table", name] line, its rows (one JSON
 * object each, as PostgreSQL wrote it) and ["end", name, rows, sha256]; then ["sequences", …];
 * last ["trailer", {…, sha256 of every line before it}]. A file without its trailer was cut short.
 */
export const BACKUP_FORMAT = 'incident-bot-backup';
export const BACKUP_VERSION = 1;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  /** 'pglite' (embedded) or 'postgres'. */
  from: string;
  /** The migrations applied to the store it was taken from, oldest first. */
  migrations: string[];
  tables: string[];
}

export interface BackupContents {
  header: BackupHeader;
  sums: TableSums;
  rows: number;
  sequences: SequenceState[];
  bytes: number;
}

/** A sink that writes a backup file; `close()` writes the trailer and waits for the file to be on disk. */
export function backupFileWriter(path: string, header: BackupHeader): { sink: StoreSink; close(): Promise<void>; abort(): void } {
  const file = createWriteStream(path, { mode: 0o600 });
  const gzip = createGzip({ level: 6 });
  gzip.pipe(file);
  const whole = createHash('sha256');
  let rows = 0;
  let tables = 0;
  let failure: Error | undefined;
  gzip.on('error', (error) => (failure = error));
  file.on('error', (error) => (failure = error));
  const write = async (line: string) => {
    if (failure) throw failure;
    const text = `${line}\n`;
    whole.update(text);
    if (!gzip.write(text)) await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      gzip.once('drain', () => {
        gzip.off('error', onError);
        file.off('error', onError);
        resolve();
      });
      gzip.once('error', onError);
      file.once('error', onError);
    });
  };
  const sink: StoreSink = async (event) => {
    switch (event.kind) {
      case 'table':
        tables++;
        return write(JSON.stringify(['table', event.name]));
      case 'rows':
        rows += event.rows.length;
        // One write per batch: a row is PostgreSQL's JSON text, on one line (JSON text has no raw newline).
        return write(event.rows.join('\n'));
      case 'tableEnd':
        return write(JSON.stringify(['end', event.name, event.rows, event.sha256]));
      case 'sequences':
        return write(JSON.stringify(['sequences', event.sequences]));
    }
  };
  const headerLine = `${JSON.stringify(header)}\n`;
  whole.update(headerLine);
  gzip.write(headerLine);
  return {
    sink,
    async close() {
      const digest = whole.digest('hex');
      gzip.end(`${JSON.stringify(['trailer', { tables, rows, sha256: digest }])}\n`);
      await finished(file);
      if (failure) throw failure;
    },
    abort() {
      gzip.destroy();
      file.destroy();
    },
  };
}

type Marker = ['table', string] | ['end', string, number, string] | ['sequences', SequenceState[]] | ['trailer', { tables: number; rows: number; sha256: string }];

const ROWS_PER_EVENT = 500;

/**
 * Reads a backup file, checking it whole as it goes: what it is, its checksums, its counts and
 * its trailer. With a sink, hands it the rows; without one it only checks. A damaged or
 * truncated file throws before the sink sees the end of the table it is in, and the caller loads
 * inside one transaction, so a bad file changes nothing.
 */
export async function readBackupFile(path: string, sink?: StoreSink): Promise<BackupContents> {
  const size = await stat(path).then(
    (found) => {
      if (!found.isFile()) throw new StorageCopyError('no_store', `Cannot read ${path}: it is not a file`);
      return found.size;
    },
    (error: NodeJS.ErrnoException) => {
      throw new StorageCopyError('no_store', `Cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
    },
  );
  const lines = linesOf(path);
  const whole = createHash('sha256');
  let lineNumber = 0;
  let header: BackupHeader | undefined;
  let table: string | undefined;
  let tableHash = createHash('sha256');
  let tableRows = 0;
  let batch: string[] = [];
  let totalRows = 0;
  let sequences: SequenceState[] = [];
  let sawSequences = false;
  let trailer: { tables: number; rows: number; sha256: string } | undefined;
  const sums: TableSums = new Map();
  const damaged = (what: string) => new StorageCopyError('damaged', `${path} is damaged at line ${lineNumber}: ${what}.`);
  const emitRows = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    await sink?.({ kind: 'rows', rows });
  };
  const emit = async (event: StoreEvent) => sink?.(event);
  try {
    for await (const line of lines) {
      lineNumber++;
      if (trailer) throw damaged('there is more after the trailer');
      if (lineNumber === 1) {
        header = readHeader(path, line);
        whole.update(`${line}\n`);
        continue;
      }
      if (line.startsWith('{')) {
        if (!table) throw damaged('a row outside any table');
        if (!line.endsWith('}')) throw damaged('a row cut short');
        whole.update(`${line}\n`);
        tableHash.update(line).update('\n');
        tableRows++;
        batch.push(line);
        if (batch.length >= ROWS_PER_EVENT) await emitRows();
        continue;
      }
      const marker = readMarker(line, damaged);
      if (marker[0] !== 'trailer') whole.update(`${line}\n`);
      switch (marker[0]) {
        case 'table':
          if (table) throw damaged(`table ${JSON.stringify(marker[1])} starts before ${JSON.stringify(table)} ends`);
          if (!header!.tables.includes(marker[1])) throw damaged(`table ${JSON.stringify(marker[1])} is not in the header`);
          table = marker[1];
          tableHash = createHash('sha256');
          tableRows = 0;
          await emit({ kind: 'table', name: table });
          break;
        case 'end': {
          const [, name, rows, sha256] = marker;
          if (name !== table) throw damaged(`the end of ${JSON.stringify(name)} where ${table ? JSON.stringify(table) : 'no table'} was open`);
          const actual = tableHash.digest('hex');
          if (rows !== tableRows) throw damaged(`table "${name}" should have ${rows} rows and has ${tableRows}`);
          if (sha256 !== actual) throw damaged(`the rows of table "${name}" do not match their checksum`);
          await emitRows();
          await emit({ kind: 'tableEnd', name, rows, sha256 });
          sums.set(name, { rows, sha256 });
          totalRows += rows;
          table = undefined;
          break;
        }
        case 'sequences':
          if (table) throw damaged(`the sequences inside table "${table}"`);
          sequences = marker[1];
          sawSequences = true;
          await emit({ kind: 'sequences', sequences });
          break;
        case 'trailer':
          if (table) throw damaged(`the trailer inside table "${table}"`);
          trailer = marker[1];
          if (trailer.sha256 !== whole.digest('hex')) throw damaged('the file does not match its checksum');
          if (trailer.rows !== totalRows || trailer.tables !== sums.size) throw damaged('the totals in the trailer do not match the tables');
          break;
      }
    }
  } catch (error) {
    if (error instanceof StorageCopyError) throw error;
    if (error instanceof LineTooLong) throw damaged(`a line longer than ${MAX_LINE_BYTES / 1024 / 1024} MiB (no row the bot stores is that long)`);
    const code = (error as NodeJS.ErrnoException).code;
    if (code?.startsWith('Z_')) throw fromGzip(path, error as Error, lineNumber);
    // The file system's errors only: what the sink throws (the database refusing a row) goes on as it is.
    if ((error as NodeJS.ErrnoException).syscall) throw new StorageCopyError('no_store', `Cannot read ${path}: ${(error as Error).message}`);
    throw error;
  } finally {
    await lines.return(undefined);
  }
  if (!header) throw new StorageCopyError('not_a_backup', `${path} is empty: it is not an incident-bot backup.`);
  if (!sawSequences && trailer) throw damaged('the sequences are missing');
  if (!trailer) throw new StorageCopyError('truncated', `${path} is truncated: it ends at line ${lineNumber}, before its trailer, so the backup was not written completely.`);
  const missing = header.tables.filter((name) => !sums.has(name));
  if (missing.length) throw damaged(`tables in the header are missing: ${missing.join(', ')}`);
  return { header, sums, rows: totalRows, sequences, bytes: size };
}

function fromGzip(path: string, error: Error, lineNumber: number): StorageCopyError {
  const code = (error as NodeJS.ErrnoException).code;
  if (lineNumber === 0 && code === 'Z_DATA_ERROR') return new StorageCopyError('not_a_backup', `${path} is not an incident-bot backup (it is not gzip-compressed).`);
  if (code === 'Z_BUF_ERROR' || /unexpected end/i.test(error.message)) {
    return new StorageCopyError('truncated', `${path} is truncated after line ${lineNumber}: the backup was not written completely (or was cut when copied).`);
  }
  return new StorageCopyError('damaged', `${path} is damaged after line ${lineNumber} (${error.message}).`);
}

function readHeader(path: string, line: string): BackupHeader {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    value = undefined;
  }
  const header = value as Partial<BackupHeader> | undefined;
  if (!header || header.format !== BACKUP_FORMAT) throw new StorageCopyError('not_a_backup', `${path} is not an incident-bot backup (its first line does not say "${BACKUP_FORMAT}").`);
  if (typeof header.version !== 'number' || header.version > BACKUP_VERSION) {
    throw new StorageCopyError('newer_schema', `${path} is in backup format ${String(header.version)}, newer than this version of the bot reads (${BACKUP_VERSION}). Restore it with the version that made it, or a newer one.`);
  }
  const names = (list: unknown) => Array.isArray(list) && list.every((name) => typeof name === 'string' && name.length > 0 && name.length <= 255);
  if (!names(header.migrations) || !names(header.tables) || typeof header.createdAt !== 'string') {
    throw new StorageCopyError('damaged', `${path} is damaged at line 1: the header lacks its migrations, tables or time.`);
  }
  return header as BackupHeader;
}

function readMarker(line: string, damaged: (what: string) => StorageCopyError): Marker {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw damaged('a line that is not JSON');
  }
  if (!Array.isArray(value)) throw damaged('a line that is neither a row nor a marker');
  const [kind] = value as unknown[];
  const ok =
    (kind === 'table' && typeof value[1] === 'string') ||
    (kind === 'end' && typeof value[1] === 'string' && Number.isInteger(value[2]) && typeof value[3] === 'string') ||
    (kind === 'sequences' && Array.isArray(value[1]) && (value[1] as unknown[]).every(isSequenceState)) ||
    (kind === 'trailer' && typeof value[1] === 'object' && value[1] !== null);
  if (!ok) throw damaged(`an unknown marker ${JSON.stringify(String(kind)).slice(0, 40)}`);
  return value as Marker;
}

function isSequenceState(value: unknown): value is SequenceState {
  const state = value as Partial<SequenceState> | null;
  return typeof state === 'object' && state !== null && typeof state.name === 'string' && (state.lastValue === null || (typeof state.lastValue === 'string' && /^-?\d{1,19}$/.test(state.lastValue)));
}

/** Longer than any row the bot writes (a request body is at most 1 MiB): past it, the file is not ours. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

class LineTooLong extends Error {}

/**
 * The file's lines, decompressed, split on '\n' over bytes (never a string longer than
 * MAX_LINE_BYTES, however the file was made); a read or zlib error comes out of the loop.
 */
async function* linesOf(path: string): AsyncGenerator<string> {
  const input = createReadStream(path);
  const gunzip = createGunzip();
  input.on('error', (error) => gunzip.destroy(error));
  input.pipe(gunzip);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let start = 0;
      for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
        pending.push(chunk.subarray(start, end));
        const line = Buffer.concat(pending).toString('utf8');
        pending = [];
        pendingBytes = 0;
        start = end + 1;
        yield line;
      }
      if (start < chunk.length) {
        pending.push(chunk.subarray(start));
        pendingBytes += chunk.length - start;
        if (pendingBytes > MAX_LINE_BYTES) throw new LineTooLong();
      }
    }
    if (pendingBytes > 0) yield Buffer.concat(pending).toString('utf8');
  } finally {
    gunzip.destroy();
    input.destroy();
  }
}

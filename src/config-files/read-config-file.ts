import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { formatByteSize } from './byte-size.js';
import { wholeFileProblem, type ConfigFileProblem } from './config-file-problem.js';

export type ConfigFileRead = { kind: 'text'; text: string } | { kind: 'missing' } | { kind: 'refused'; problem: ConfigFileProblem };

const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a configuration file as untrusted input: only a regular file (a FIFO, socket, device or
 * folder named *.yaml is refused unread), and only up to `maxBytes`. The file is opened
 * non-blocking, because opening a FIFO for reading otherwise waits for a writer, and checked
 * through the open descriptor, so it cannot be swapped between the check and the read.
 */
export function readConfigFile(file: string, maxBytes: number): ConfigFileRead {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    return refused(file, OPEN_FAILURES.get(code ?? '') ?? `cannot be opened (${code ?? (error as Error).message})`);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) return refused(file, `is ${kindOf(stats)}, not a regular file: not read`);
    if (stats.size > maxBytes) return refused(file, tooLarge(stats.size, maxBytes));
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const read = readSync(fd, chunk, 0, CHUNK_BYTES, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
      // It grew after the size check (someone is still writing it): never read past the limit.
      if (total > maxBytes) return refused(file, `grew past the limit of ${formatByteSize(maxBytes)} per configuration file (CONFIG_MAX_BYTES) while being read: not read`);
    }
    return { kind: 'text', text: Buffer.concat(chunks, total).toString('utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return refused(file, `could not be read (${code ?? (error as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

const OPEN_FAILURES = new Map([
  ['EACCES', 'cannot be read: permission denied'],
  ['EPERM', 'cannot be read: permission denied'],
  ['ENXIO', 'is a socket or a device, not a regular file: not read'],
  ['ELOOP', 'is a loop of symbolic links'],
  ['ENOTDIR', 'cannot be reached: a part of its path is a file, not a folder'],
  ['EISDIR', 'is a folder, not a regular file: not read'],
]);

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a folder';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}

function tooLarge(bytes: number, maxBytes: number): string {
  return `is ${formatByteSize(bytes)} (${bytes} bytes), over the limit of ${formatByteSize(maxBytes)} per configuration file (CONFIG_MAX_BYTES): not read`;
}

function refused(file: string, message: string): ConfigFileRead {
  return { kind: 'refused', problem: wholeFileProblem(file, message) };
}

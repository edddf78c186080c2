import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseByteSize } from '../../../src/config-files/byte-size.js';
import { parseConfigMaxBytes } from '../../../src/config-files/config-file-limits.js';
import { readConfigFile } from '../../../src/config-files/read-config-file.js';
import { problemsOf } from '../../support/config-problems.js';
import { loadConfig } from '../../../src/config.js';
import { makeFifo } from '../../support/hostile-yaml.js';

const KIB = 1024;

describe('reading a configuration file as untrusted input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'read-config-'));
  const servers: Server[] = [];
  afterAll(() => {
    for (const server of servers) server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const refusal = (path: string, maxBytes = 64 * KIB) => {
    const read = readConfigFile(path, maxBytes);
    return read.kind === 'refused' ? `${read.problem.line}:${read.problem.column} ${read.problem.path}: ${read.problem.message}` : read.kind;
  };

  it('reads a regular file, and tells a missing one apart', () => {
    writeFileSync(join(dir, 'good.yaml'), 'people: {}\n');
    expect(readConfigFile(join(dir, 'good.yaml'), KIB)).toEqual({ kind: 'text', text: 'people: {}\n' });
    expect(readConfigFile(join(dir, 'absent.yaml'), KIB)).toEqual({ kind: 'missing' });
  });

  it('refuses a FIFO without waiting for a writer (reading it used to hang the bot)', () => {
    makeFifo(join(dir, 'pipe.yaml'));
    expect(refusal(join(dir, 'pipe.yaml'))).toBe('1:1 (file): is a FIFO (named pipe), not a regular file: not read');
  });

  it('refuses a socket and a folder named *.yaml', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(join(dir, 'socket.yaml'), resolve));
    expect(refusal(join(dir, 'socket.yaml'))).toBe('1:1 (file): is a socket or a device, not a regular file: not read');
    mkdirSync(join(dir, 'folder.yaml'));
    expect(refusal(join(dir, 'folder.yaml'))).toBe('1:1 (file): is a folder, not a regular file: not read');
  });

  it('refuses a file over the limit unread, naming its size, the limit and the setting', () => {
    writeFileSync(join(dir, 'limit.yaml'), 'x'.repeat(64 * KIB));
    expect(readConfigFile(join(dir, 'limit.yaml'), 64 * KIB).kind).toBe('text');
    writeFileSync(join(dir, 'big.yaml'), 'x'.repeat(6 * 1024 * KIB));
    expect(refusal(join(dir, 'big.yaml'), 1024 * KIB)).toBe('1:1 (file): is 6 MiB (6291456 bytes), over the limit of 1 MiB per configuration file (CONFIG_MAX_BYTES): not read');
  });
});

describe('CONFIG_MAX_BYTES', () => {
  it('is 1 MiB unless set, and takes bytes, KiB or MiB', () => {
    expect(loadConfig({}).CONFIG_MAX_BYTES).toBe(1024 * KIB);
    expect(loadConfig({ CONFIG_MAX_BYTES: '512KiB' }).CONFIG_MAX_BYTES).toBe(512 * KIB);
    expect(loadConfig({ CONFIG_MAX_BYTES: '2 MiB' }).CONFIG_MAX_BYTES).toBe(2048 * KIB);
    expect(loadConfig({ CONFIG_MAX_BYTES: '100000' }).CONFIG_MAX_BYTES).toBe(100_000);
    expect(parseByteSize('1.5KiB')).toBe(1536);
    expect(parseByteSize('12 parsecs')).toBeUndefined();
  });

  it('refuses what is not a size, and sizes outside 4 KiB to 16 MiB, naming the setting', () => {
    expect(problemsOf({ CONFIG_MAX_BYTES: 'lots' })).toEqual(['CONFIG_MAX_BYTES: must be a size in bytes, KiB or MiB, such as 1MiB, 512KiB or 1048576 (got "lots")']);
    expect(problemsOf({ CONFIG_MAX_BYTES: '1GiB' })[0]).toMatch(/^CONFIG_MAX_BYTES: must be a size/);
    expect(problemsOf({ CONFIG_MAX_BYTES: '64MiB' })).toEqual(['CONFIG_MAX_BYTES: must be between 4 KiB and 16 MiB (got 64 MiB)']);
    expect(parseConfigMaxBytes('100')).toEqual({ problem: 'must be between 4 KiB and 16 MiB (got 100 bytes)' });
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging.js';
import { OncallFileError } from '../../../src/oncall/oncall-file.js';
import { OncallStore } from '../../../src/oncall/oncall-store.js';
import { aliasBomb, makeFifo } from '../../support/hostile-yaml.js';

describe('OncallStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oncall-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a good edit, keeps the last good version when an edit is broken, and picks up file changes', async () => {
    const file = join(dir, 'oncall.yaml');
    writeFileSync(file, 'people:\n  alice: { name: Alice }\n');
    const store = OncallStore.open(file, createLogger('silent'));
    const seen: string[][] = [];
    store.onChange((config) => void seen.push(Object.keys(config.people)));
    expect(Object.keys(store.config.people)).toEqual(['alice']);

    writeFileSync(file, 'people:\n  alice: { name: Alice }\n  bob: { name: Bob }\n');
    expect(await store.reload('SIGHUP')).toBe(true);
    expect(Object.keys(store.config.people)).toEqual(['alice', 'bob']);

    writeFileSync(file, 'people:\n  alice: { nmae: Alice }\n');
    expect(await store.reload('SIGHUP')).toBe(false);
    expect(Object.keys(store.config.people)).toEqual(['alice', 'bob']);

    store.watch();
    writeFileSync(file, 'people:\n  carol: { name: Carol }\n');
    const deadline = Date.now() + 5_000;
    while (!store.config.people.carol && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    store.close();
    expect(Object.keys(store.config.people)).toEqual(['carol']);
    expect(seen).toEqual([['alice', 'bob'], ['carol']]);
  });

  it('refuses an alias bomb, an oversized file, a FIFO and a list of 6000 people on reload, keeping the last good version', async () => {
    const file = join(dir, 'hostile.yaml');
    writeFileSync(file, 'people:\n  alice: { name: Alice }\n');
    const store = OncallStore.open(file, createLogger('silent'), { maxBytes: 128 * 1024 });
    const outcomes: string[][] = [];
    store.onReload((outcome) => void outcomes.push(outcome.problems));
    const hostileFiles = [
      () => writeFileSync(file, aliasBomb('people: {}\n')),
      () => writeFileSync(file, `people:\n${'  alice: { name: Alice }\n'.repeat(6000)}`),
      () => writeFileSync(file, `people:\n${Array.from({ length: 6000 }, (_, i) => `  p${i}: {}`).join('\n')}\n`),
      () => (rmSync(file), makeFifo(file)),
    ];
    for (const write of hostileFiles) {
      write();
      expect(await store.reload('SIGHUP')).toBe(false);
      expect(Object.keys(store.config.people)).toEqual(['alice']);
    }
    expect(outcomes.map((problems) => problems.map((p) => p.replace(file, 'oncall.yaml')))).toEqual([
      [expect.stringMatching(/^oncall\.yaml:3:8 \(yaml\): aliases expand too often/)],
      ['oncall.yaml:1:1 (file): is 146.5 KiB (150008 bytes), over the limit of 128 KiB per configuration file (CONFIG_MAX_BYTES): not read'],
      ['oncall.yaml:3002:10 people.p3000: 6000 entries under people: oncall.yaml lists at most 3000'],
      ['oncall.yaml:1:1 (file): is a FIFO (named pipe), not a regular file: not read'],
    ]);
  });

  it('refuses to start on an alias bomb with its line, never with the parser\'s own exception', () => {
    const file = join(dir, 'bomb.yaml');
    writeFileSync(file, aliasBomb('people: {}\n'));
    expect(() => OncallStore.open(file, createLogger('silent'))).toThrow(OncallFileError);
    expect(() => OncallStore.open(file, createLogger('silent'))).toThrow(/bomb\.yaml:3:8 \(yaml\): aliases expand too often/);
  });

  it('refuses to start on a broken file, naming the problem', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'teams:\n  db: { name: DB, members: [ghost] }\n');
    expect(() => OncallStore.open(file, createLogger('silent'))).toThrow(/broken\.yaml:2:\d+ teams\.db\.members\[0\]: no person "ghost"/);
  });
});

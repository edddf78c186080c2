import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging.js';
import { OncallStore } from '../../../src/oncall/oncall-store.js';

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

  it('refuses to start on a broken file, naming the problem', () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'teams:\n  db: { name: DB, members: [ghost] }\n');
    expect(() => OncallStore.open(file, createLogger('silent'))).toThrow(/broken\.yaml:2:\d+ teams\.db\.members\[0\]: no person "ghost"/);
  });
});

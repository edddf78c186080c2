import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPGliteTemplate } from '../../../src/db/build-pglite-template.js';
import { openPGlite } from '../../../src/db/database.js';
import { pendingMigrations, readMigrations } from '../../../src/db/migrator.js';
import { pgliteTemplateKey } from '../../../src/db/pglite-template.js';
import { pgliteStartParams } from '../../../src/db/pglite-settings.js';

describe('the embedded database template made at install', () => {
  const dir = mkdtempSync(join(tmpdir(), 'template-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives a new DATA_DIR a cluster with every migration already applied, which then works as usual', { timeout: 120_000 }, async () => {
    const { path, bytes } = await buildPGliteTemplate();
    expect(existsSync(path)).toBe(true);
    expect(bytes).toBeGreaterThan(100_000);
    const database = await openPGlite(join(dir, 'pglite'));
    try {
      expect(await pendingMigrations(database)).toEqual([]);
      const person = await database.prisma.person.create({ data: { name: 'Pia' } });
      expect((await database.prisma.person.findUniqueOrThrow({ where: { id: person.id } })).name).toBe('Pia');
    } finally {
      await database.close();
    }
    // Reopened, it is the same cluster, not a new one.
    const again = await openPGlite(join(dir, 'pglite'));
    try {
      expect(await again.prisma.person.count()).toBe(1);
    } finally {
      await again.close();
    }
  });

  it('is keyed by PGlite`s version, the server settings and every migration, so a stale one is never loaded', () => {
    const key = pgliteTemplateKey(pgliteStartParams());
    expect(key).toMatch(/^[0-9a-f]{16}$/);
    expect(pgliteTemplateKey([...pgliteStartParams(), '-c', 'work_mem=8MB'])).not.toBe(key);
    expect(readMigrations().length).toBeGreaterThan(0);
  });
});

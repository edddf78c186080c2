import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { fingerprintOf } from '../../../src/alerts/generic.js';
import { projectRoot } from '../../../src/project-root.js';
import { describeEachDatabase } from '../../support/test-database.js';

const MIGRATION = join(projectRoot(), 'prisma', 'migrations', '20261206090000_generic_fingerprint_title', 'migration.sql');

/** The default before this migration: the labels alone (the title when there were none). */
function oldFingerprint(labels: Record<string, string>, title: string): string {
  const keys = Object.keys(labels).sort();
  const identity = keys.length ? keys.map((k) => `${k}=${labels[k]}`).join('\n') : `title=${title}`;
  return createHash('sha256').update(identity).digest('hex').slice(0, 16);
}

describeEachDatabase('migration 20261206090000: generic alerts stored under the old default fingerprint', (db) => {
  it('gives an alert placed only by service and team the new one, and leaves every other alert as it was', async () => {
    const prisma = db().database.prisma;
    const alert = (fingerprint: string, title: string, labels: Record<string, string>, source = 'generic') =>
      prisma.alert.create({ data: { source, fingerprint, status: 'firing', title, labels, annotations: {}, links: {}, startsAt: new Date(), lastReceivedAt: new Date(), contentHash: 'x' } });
    const placed = { service: 'checkout', team: 'payments' };
    const byService = await alert(oldFingerprint(placed, 'Checkout 5xx above 5%'), 'Checkout 5xx above 5%', placed);
    const byLabels = await alert(oldFingerprint({ host: 'db-1', service: 'db' }, 'Disk full'), 'Disk full', { host: 'db-1', service: 'db' });
    const untitled = await alert(oldFingerprint({}, 'No labels'), 'No labels', {});
    const ownFingerprint = await alert('sent-by-the-sender', 'Own fingerprint', { service: 'checkout' });
    const otherSource = await alert(oldFingerprint({ service: 'x' }, 'Grafana'), 'Grafana', { service: 'x' }, 'grafana');

    // Applied again over these rows (the test database has every migration already): it is one UPDATE.
    await prisma.$executeRawUnsafe(readFileSync(MIGRATION, 'utf8'));
    const after = async (id: number) => (await prisma.alert.findUniqueOrThrow({ where: { id } })).fingerprint;
    // The migration computes in SQL what the bot computes in JavaScript: the next notification finds it.
    expect(await after(byService.id)).toBe(fingerprintOf(placed, 'Checkout 5xx above 5%'));
    expect(await after(byService.id)).not.toBe(byService.fingerprint);
    for (const row of [byLabels, untitled, ownFingerprint, otherSource]) expect(await after(row.id)).toBe(row.fingerprint);
    // Labels of its own still identify an alert; with none, the title did and still does.
    expect(fingerprintOf({ host: 'db-1', service: 'db' }, 'Disk full')).toBe(byLabels.fingerprint);
    expect(fingerprintOf({}, 'No labels')).toBe(untitled.fingerprint);
  });
});

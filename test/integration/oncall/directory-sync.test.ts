import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../../src/db/sql.js';
import { createLogger } from '../../../src/logging.js';
import { syncDirectory } from '../../../src/oncall/directory-sync.js';
import { DirectorySyncer } from '../../../src/oncall/directory-syncer.js';
import { eventually } from '../../support/eventually.js';
import { loadOncallFile, parseOncallYaml } from '../../../src/oncall/oncall-file.js';
import { projectRoot } from '../../../src/project-root.js';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/test-database.js';

const shipped = loadOncallFile(join(projectRoot(), 'oncall.yaml')).config;

for (const kind of databaseKinds()) {
  describe(`directory sync [${kind}]`, () => {
    // Embedded storage has one connection, so its rounds differ little: one is enough there.
    it('runs concurrently on a fresh database (replicas starting together) without an error, and leaves one row per person and membership', { timeout: 180_000 }, async () => {
      for (let round = 0; round < (kind === 'postgres' ? 3 : 1); round++) {
        const db = await createTestDatabase(kind);
        try {
          const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => syncDirectory(db.database.prisma, shipped)));
          expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
          const people = await db.database.prisma.person.findMany({ orderBy: { handle: 'asc' } });
          expect(people.map((p) => p.handle)).toEqual(Object.keys(shipped.people).sort());
          const members = await db.database.prisma.teamMember.count();
          expect(members).toBe(Object.values(shipped.teams).reduce((n, team) => n + team.members.length, 0));
        } finally {
          await db.drop();
        }
      }
    });

    it('runs concurrently with an edit that adds a person (two replicas reloading) without an error', { timeout: 120_000 }, async () => {
      const db = await createTestDatabase(kind);
      try {
        await syncDirectory(db.database.prisma, shipped);
        for (let round = 0; round < 3; round++) {
          const handle = `newcomer${round}`;
          const edited = { ...shipped, people: Object.assign(Object.create(null), shipped.people, { [handle]: { key: handle, name: `Newcomer ${round}`, email: `${handle}@example.com`, timeZone: 'UTC', roles: [] } }) };
          const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => syncDirectory(db.database.prisma, edited)));
          expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason))).toEqual([]);
          expect(await db.database.prisma.person.count({ where: { handle } })).toBe(1);
        }
      } finally {
        await db.drop();
      }
    });

    it('a sync the database refuses changes nothing, is logged, and is retried until it goes through', { timeout: 120_000 }, async () => {
      const db = await createTestDatabase(kind);
      const lines: { level: string; msg: string; retryInMs?: number }[] = [];
      const log = createLogger('info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l))), done()) }));
      const syncer = new DirectorySyncer(db.database.prisma, log, () => 100);
      try {
        expect(await syncer.sync(parseOncallYaml('people:\n  alice: { name: Alice }\n'))).toBe(true);
        // The database says no to one row of the next edit (as a unique key taken by another writer would).
        await db.database.sql.query(sql`ALTER TABLE people ADD CONSTRAINT test_refuses_newcomer CHECK (handle IS DISTINCT FROM 'newcomer')`);
        const edit = parseOncallYaml('people:\n  alice: { name: Alice Renamed }\n  newcomer: { name: Newcomer }\n');
        expect(await syncer.sync(edit)).toBe(false);
        const people = await db.database.prisma.person.findMany();
        expect(people.map((p) => [p.handle, p.name])).toEqual([['alice', 'Alice']]);
        expect(lines.find((l) => l.level === 'error')?.msg).toContain('the last good directory stays until a retry succeeds');

        await db.database.sql.query(sql`ALTER TABLE people DROP CONSTRAINT test_refuses_newcomer`);
        await eventually('the retried sync', async () => (await db.database.prisma.person.count({ where: { handle: 'newcomer' } })) === 1, 30_000);
        expect((await db.database.prisma.person.findUniqueOrThrow({ where: { handle: 'alice' } })).name).toBe('Alice Renamed');
      } finally {
        await syncer.close();
        await db.drop();
      }
    });

    describe('chat ids: oncall.yaml is authoritative', () => {
      let db: TestDatabase;
      beforeAll(async () => {
        db = await createTestDatabase(kind);
      });
      afterAll(async () => {
        await db?.drop();
      });
      const prisma = () => db.database.prisma;
      const person = (handle: string) => prisma().person.findUniqueOrThrow({ where: { handle } });

      it('moves a Slack id the file names from whoever holds it to the person the file names', async () => {
        // Someone first seen in chat, and another listed person, each holding an id the file now gives to alice.
        const stranger = await prisma().person.create({ data: { name: 'Stranger', slackId: 'U0STRANGE1' } });
        await syncDirectory(prisma(), parseOncallYaml('people:\n  bob: { name: Bob, slack: U0ALICE001 }\n  alice: { name: Alice, email: alice@example.com }\n'));
        const bob = await person('bob');
        const alice = await person('alice');
        expect(bob.slackId).toBe('U0ALICE001');

        await syncDirectory(prisma(), parseOncallYaml('people:\n  alice: { name: Alice, email: alice@example.com, slack: U0ALICE001 }\n  bob: { name: Bob }\n  sam: { name: Sam, slack: U0STRANGE1 }\n'));
        // Each keeps their own row (their history), whatever the ids did.
        expect(await person('alice')).toMatchObject({ id: alice.id, slackId: 'U0ALICE001' });
        expect(await person('bob')).toMatchObject({ id: bob.id, slackId: null });
        // A person first seen in chat whose id the file names becomes that person, history and all.
        expect((await person('sam')).id).toBe(stranger.id);
        expect(await prisma().person.count({ where: { slackId: 'U0ALICE001' } })).toBe(1);
      });

      it('keeps a Slack id linked by confirmed email while the file names none, and replaces it when the file names one', async () => {
        await syncDirectory(prisma(), parseOncallYaml('people:\n  carol: { name: Carol, email: carol@example.com }\n'));
        await prisma().person.update({ where: { handle: 'carol' }, data: { slackId: 'U0CAROL001', slackLinkedByEmail: true } });
        await syncDirectory(prisma(), parseOncallYaml('people:\n  carol: { name: Carol C., email: carol@example.com }\n'));
        expect(await person('carol')).toMatchObject({ name: 'Carol C.', slackId: 'U0CAROL001', slackLinkedByEmail: true });

        await syncDirectory(prisma(), parseOncallYaml('people:\n  carol: { name: Carol, email: carol@example.com, slack: U0CAROL002 }\n'));
        expect(await person('carol')).toMatchObject({ slackId: 'U0CAROL002', slackLinkedByEmail: false });
      });

      it('drops a Slack id the file stopped naming', async () => {
        await syncDirectory(prisma(), parseOncallYaml('people:\n  dave: { name: Dave, slack: U0DAVE0001 }\n'));
        await syncDirectory(prisma(), parseOncallYaml('people:\n  dave: { name: Dave }\n'));
        expect((await person('dave')).slackId).toBeNull();
      });

      it('takes the email away from a person first seen in chat, who then goes through the audited email link again', async () => {
        const chatFirst = await prisma().person.create({ data: { name: 'Erin in chat', email: 'erin@example.com', slackId: 'U0ERIN0001' } });
        await syncDirectory(prisma(), parseOncallYaml('people:\n  erin: { name: Erin, email: erin@example.com }\n'));
        expect(await person('erin')).toMatchObject({ email: 'erin@example.com', slackId: null });
        expect(await prisma().person.findUniqueOrThrow({ where: { id: chatFirst.id } })).toMatchObject({ email: null, slackId: null, handle: null });
      });
    });
  });
}

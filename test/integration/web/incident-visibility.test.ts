import { beforeAll, expect, it } from 'vitest';
import { isInIncident } from '../../../src/access/incident-access-facts.js';
import { sql } from '../../../src/db/sql.js';
import { parseIncidentListFilter } from '../../../src/web/incident-list-filter.js';
import { readIncidentList } from '../../../src/web/incident-list-page.js';
import { canSeeIncident } from '../../../src/web/incident-page.js';
import type { Viewer } from '../../../src/web/web-viewer.js';
import { describeEachDatabase } from '../../support/test-database.js';

describeEachDatabase('who sees which incident in the web console', (db) => {
  const people: Record<string, number> = {};
  const incidents: Record<string, number> = {};

  beforeAll(async () => {
    const { sql: q } = db().database;
    await q.query(sql`TRUNCATE incidents, people RESTART IDENTITY CASCADE`);
    for (const [handle, slack] of [['alice', 'U1'], ['bob', 'U2'], ['carol', 'U3'], ['dave', 'U4'], ['erin', 'U5'], ['frank', 'U6']] as const) {
      const [row] = await q.query<{ id: number }>(sql`INSERT INTO people (handle, name, slack_id, updated_at) VALUES (${handle}, ${handle}, ${slack}, now()) RETURNING id`);
      people[handle] = Number(row!.id);
    }
    const incident = async (name: string, isPrivate: boolean) => {
      const [row] = await q.query<{ id: number }>(sql`INSERT INTO incidents (title, severity, private, source, opened_at, updated_at) VALUES (${name}, 2, ${isPrivate}, 'manual', now(), now()) RETURNING id`);
      incidents[name] = Number(row!.id);
      return Number(row!.id);
    };
    await incident('public', false);
    const commanded = await incident('commanded by alice', true);
    await q.query(sql`INSERT INTO incident_roles (incident_id, role, person_id, assigned_at) VALUES (${commanded}::int, 'commander', ${people.alice}::int, now())`);
    const paged = await incident('bob paged', true);
    await q.query(sql`INSERT INTO pages (incident_id, person_id, level, escalation_version, message, status) VALUES (${paged}::int, ${people.bob}::int, 0, 0, 'page', 'sent')`);
    const noted = await incident('erin noted', true);
    await q.query(sql`INSERT INTO timeline_events (incident_id, at, kind, actor_type, actor_id, actor_name, text) VALUES (${noted}::int, now(), 'note', 'person', ${people.erin}::int, 'erin', 'looking')`);
    const invited = await incident('dave invited', true);
    const [channel] = await q.query<{ id: number }>(sql`INSERT INTO chat_channels (incident_id, platform, channel_id, name, private) VALUES (${invited}::int, 'slack', 'C9', 'inc-x', true) RETURNING id`);
    await q.query(sql`INSERT INTO chat_channel_invites (chat_channel_id, user_id) VALUES (${Number(channel!.id)}::int, 'U4')`);
  });

  const viewer = (handle: string, isAdmin = false): Viewer => ({
    personId: people[handle]!, handle, name: handle, timeZone: 'UTC', isAdmin, canSeeReports: isAdmin, canSeeAudit: isAdmin,
    csrfToken: 'x', chatIds: [`U${['alice', 'bob', 'carol', 'dave', 'erin', 'frank'].indexOf(handle) + 1}`],
  });
  const listed = async (who: Viewer) => {
    const parsed = parseIncidentListFilter({ status: 'all' }, [], 'UTC');
    if (!('filter' in parsed)) throw new Error('filter');
    const { rows } = await readIncidentList(db().database.sql, who, parsed.filter);
    return rows.map((row) => row.title).sort();
  };

  it('shows a private incident to the people in it (role, page, timeline entry, channel invite) and to admins only', async () => {
    expect(await listed(viewer('alice'))).toEqual(['commanded by alice', 'public']);
    expect(await listed(viewer('bob'))).toEqual(['bob paged', 'public']);
    expect(await listed(viewer('erin'))).toEqual(['erin noted', 'public']);
    expect(await listed(viewer('dave'))).toEqual(['dave invited', 'public']);
    expect(await listed(viewer('frank'))).toEqual(['public']);
    expect(await listed(viewer('carol', true))).toEqual(['bob paged', 'commanded by alice', 'dave invited', 'erin noted', 'public']);
  });

  it('is the same rule as the one chat permissions use (isInIncident), for every person and incident', async () => {
    for (const handle of ['alice', 'bob', 'dave', 'erin', 'frank']) {
      for (const [name, id] of Object.entries(incidents)) {
        if (name === 'public') continue;
        expect(await isInIncident(db().database.prisma, id, people[handle]!), `${handle} in "${name}"`).toBe(await canSeeIncident(db().database, viewer(handle), id));
      }
    }
  });

  it('answers a direct look-up the same way', async () => {
    expect(await canSeeIncident(db().database, viewer('frank'), incidents['bob paged']!)).toBe(false);
    expect(await canSeeIncident(db().database, viewer('bob'), incidents['bob paged']!)).toBe(true);
    expect(await canSeeIncident(db().database, viewer('frank'), incidents.public!)).toBe(true);
    expect(await canSeeIncident(db().database, viewer('carol', true), 999_999)).toBe(false);
  });
});

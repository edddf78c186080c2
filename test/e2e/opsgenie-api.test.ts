import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFixture } from '../support/fixtures.js';
import { readJson } from '../support/read-json.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { databaseKinds } from '../support/test-database.js';

// Two integrations' API keys, as Opsgenie's are (UUIDs).
const NOC_KEY = '5f2b8c1e-7d3a-4e9b-a6c0-1b2d3e4f5a6b';
const DB_KEY = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';

for (const kind of databaseKinds()) {
  describe(`Opsgenie Alert API drop-in [${kind}]`, () => {
    let bot: TestBot;
    const dir = mkdtempSync(join(tmpdir(), 'opsgenie-api-'));
    beforeAll(async () => {
      const oncall = join(dir, 'oncall.yaml');
      writeFileSync(
        oncall,
        [
          'teams:',
          '  noc: { name: NOC }',
          '  databases: { name: Databases, services: [postgres] }',
          'routes:',
          '  - id: noc',
          '    team: noc',
          '    match: { labels: { never: matches } }',
          '  - id: databases',
          '    service: postgres',
          '    match: { labels: { never: matches } }',
          'opsgenie_keys:',
          `  ${NOC_KEY}: noc`,
          `  ${DB_KEY}: databases`,
        ].join('\n'),
      );
      bot = await startTestBot(kind, { ONCALL_FILE: oncall });
    });
    afterAll(async () => {
      await bot?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    const call = (method: string, path: string, key: string | undefined, body?: unknown) =>
      fetch(`${bot.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(key ? { authorization: `GenieKey ${key}` } : {}) },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    const requestStatus = async (requestId: string, key = NOC_KEY) => readJson(call('GET', `/v2/alerts/requests/${requestId}`, key));
    const alertByAlias = (alias: string) =>
      bot.database.prisma.alert.findUniqueOrThrow({ where: { source_fingerprint: { source: 'opsgenie', fingerprint: alias } }, include: { incident: { include: { team: true } } } });

    it("opens an incident from Opsgenie's documented create request, on the key's route, and answers as Opsgenie does", async () => {
      const created = await call('POST', '/v2/alerts', NOC_KEY, sharedFixture('opsgenie/create-alert.json'));
      expect(created.status).toBe(202);
      const answer = await readJson(created);
      expect(answer).toEqual({ result: 'Request will be processed', took: expect.any(Number), requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });

      const alert = await alertByAlias('Life is too short for no alias');
      expect(alert).toMatchObject({ title: 'An example alert message', description: 'Every alert needs a description', sourceSeverity: 'P1' });
      expect(alert.labels).toMatchObject({ key1: 'value1', key2: 'value2', entity: 'An example entity', tags: 'OverwriteQuietHours,Critical', team: 'NOC' });
      expect(alert.annotations).toMatchObject({ actions: 'Restart, AnExampleAction', responders: expect.stringContaining('schedule First Responders Schedule') });
      expect(alert.incident).toMatchObject({ severity: 1, routeId: 'noc', team: { key: 'noc' } });

      const status = await requestStatus(answer.requestId);
      expect(status).toEqual({
        data: { success: true, isSuccess: true, action: 'Create', status: 'Created alert', alertId: String(alert.id), alias: 'Life is too short for no alias', processedAt: expect.any(String) },
        took: expect.any(Number),
        requestId: expect.any(String),
      });
      // The same alias again is a repeat (Opsgenie's dedup), not a second incident.
      const again = await readJson(call('POST', '/v2/alerts', NOC_KEY, sharedFixture('opsgenie/create-alert.json')));
      expect((await requestStatus(again.requestId)).data).toMatchObject({ success: true, status: 'Alert is deduplicated', alertId: String(alert.id) });
      expect(await bot.database.prisma.incident.count({ where: { routeId: 'noc' } })).toBe(1);
    });

    it('acknowledges, notes and closes by alias, id and tiny id, as Opsgenie does', async () => {
      const open = (alias: string) => call('POST', '/v2/alerts', DB_KEY, { message: `Replication lag on ${alias}`, alias, details: { service: 'postgres' } });
      expect((await open('db-1/lag')).status).toBe(202);
      const alert = await alertByAlias('db-1/lag');
      expect(alert.incident).toMatchObject({ status: 'triggered', service: 'postgres', team: { key: 'databases' } });

      const ack = await readJson(call('POST', '/v2/alerts/db-1%2Flag/acknowledge?identifierType=alias', DB_KEY, { user: 'Monitoring Script' }));
      expect((await requestStatus(ack.requestId, DB_KEY)).data).toMatchObject({ action: 'Acknowledge', success: true, status: 'Acknowledged alert' });
      expect((await alertByAlias('db-1/lag')).incident?.status).toBe('acknowledged');

      const note = await readJson(call('POST', `/v2/alerts/${alert.id}/notes?identifierType=tiny`, DB_KEY, sharedFixture('opsgenie/close-alert.json')));
      expect((await requestStatus(note.requestId, DB_KEY)).data).toMatchObject({ action: 'AddNote', success: true, status: 'Added note' });
      const notes = await bot.database.prisma.timelineEvent.findMany({ where: { incidentId: alert.incidentId!, kind: 'note' } });
      expect(notes.map((n) => [n.actorName, n.text])).toEqual([['opsgenie', 'Monitoring Script via AWS Lambda: Action executed via Alert API']]);

      // The default identifierType is id; Alertmanager's close carries only `source`.
      const close = await readJson(call('POST', `/v2/alerts/${alert.id}/close`, DB_KEY, { source: 'alertmanager' }));
      expect((await requestStatus(close.requestId, DB_KEY)).data).toMatchObject({ action: 'Close', success: true, status: 'Closed alert', alias: 'db-1/lag' });
      expect(await alertByAlias('db-1/lag')).toMatchObject({ status: 'resolved' });
      const twice = await readJson(call('POST', '/v2/alerts/db-1%2Flag/close?identifierType=alias', DB_KEY, {}));
      expect((await requestStatus(twice.requestId, DB_KEY)).data).toMatchObject({ success: true, status: 'Alert is already closed' });

      const missing = await call('POST', '/v2/alerts/no-such-alias/close?identifierType=alias', DB_KEY, {});
      expect(missing.status).toBe(202);
      expect((await requestStatus((await readJson(missing)).requestId, DB_KEY)).data).toMatchObject({ success: false, status: 'Alert does not exist' });
    });

    it("lets a key act only on its own alerts and read only its own requests, as PagerDuty's keys do", async () => {
      await call('POST', '/v2/alerts', DB_KEY, { message: 'Vacuum stuck', alias: 'db-2/vacuum' });
      const foreign = await readJson(call('POST', '/v2/alerts/db-2%2Fvacuum/close?identifierType=alias', NOC_KEY, {}));
      expect((await requestStatus(foreign.requestId, NOC_KEY)).data).toMatchObject({ success: false, status: 'Alert does not exist' });
      expect((await alertByAlias('db-2/vacuum')).status).toBe('firing');
      const hijack = await readJson(call('POST', '/v2/alerts', NOC_KEY, { message: 'Now mine', alias: 'db-2/vacuum' }));
      expect((await requestStatus(hijack.requestId, NOC_KEY)).data).toMatchObject({ success: false, status: 'Alias belongs to an alert created with another API key' });
      expect((await alertByAlias('db-2/vacuum')).title).toBe('Vacuum stuck');
      // Another key's request id reads as unknown.
      const notYours = await call('GET', `/v2/alerts/requests/${hijack.requestId}`, DB_KEY);
      expect(notYours.status).toBe(404);
      expect(await readJson(notYours)).toMatchObject({ message: expect.stringContaining('not found'), requestId: expect.any(String) });
    });

    it('refuses what Opsgenie refuses, with its error bodies, before reading the body when the key is wrong', async () => {
      const none = await call('POST', '/v2/alerts', undefined, { message: 'x' });
      expect(none.status).toBe(401);
      expect(await readJson(none)).toMatchObject({ message: expect.stringMatching(/^Could not authenticate: no GenieKey/), took: expect.any(Number), requestId: expect.any(String) });
      const wrong = await call('POST', '/v2/alerts', 'eb243592-faa2-4ba2-a551q-1afdf565c889', { message: 'x' });
      expect(wrong.status).toBe(401);
      expect(JSON.stringify(await readJson(wrong))).not.toContain('eb243592');
      // A body far over the limit is not read at all with a wrong key.
      expect((await call('POST', '/v2/alerts', 'wrong-key-wrong-key-wrong-key', JSON.stringify({ message: 'x'.repeat(2 * 1024 * 1024) }))).status).toBe(401);

      const empty = await call('POST', '/v2/alerts', NOC_KEY, { message: '  ', priority: 'P9' });
      expect(empty.status).toBe(422);
      expect(await readJson(empty)).toMatchObject({
        message: 'Request body is not processable. Please check the errors.',
        errors: { message: 'Message can not be empty.', priority: 'Priority should be one of [P1, P2, P3, P4, P5]' },
      });
      const missing = await call('POST', '/v2/alerts', NOC_KEY, { alias: 'no-message' });
      expect(missing.status).toBe(422);
      expect((await readJson(missing)).errors).toEqual({ message: 'Message can not be empty.' });
      expect((await call('POST', '/v2/alerts', NOC_KEY, '{"message": ')).status).toBe(400);
      const badType = await call('POST', '/v2/alerts/x/close?identifierType=name', NOC_KEY, {});
      expect(badType.status).toBe(422);
      expect((await readJson(badType)).errors.identifierType).toContain('one of id, alias, tiny');

      // Cut at 130 characters, as Opsgenie cuts it.
      await call('POST', '/v2/alerts', NOC_KEY, { message: 'é'.repeat(200), alias: 'long-message' });
      expect((await alertByAlias('long-message')).title).toBe('é'.repeat(130));
    });

    it("takes Alertmanager's update_alerts: the message and description follow the template", async () => {
      await call('POST', '/v2/alerts', DB_KEY, { message: 'Disk 90% full', alias: 'db-3/disk', description: 'old' });
      expect((await call('PUT', '/v2/alerts/db-3%2Fdisk/message?identifierType=alias', DB_KEY, { message: 'Disk 95% full' })).status).toBe(202);
      expect((await call('PUT', '/v2/alerts/db-3%2Fdisk/description?identifierType=alias', DB_KEY, { description: 'new' })).status).toBe(202);
      expect(await alertByAlias('db-3/disk')).toMatchObject({ title: 'Disk 95% full', description: 'new' });
    });
  });
}

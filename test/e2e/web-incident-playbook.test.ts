import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireGenericAlert } from '../support/generic-alert.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';
import { incidentPageContent } from '../../src/web/incident-page.js';
import type { Viewer } from '../../src/web/web-viewer.js';

describe("the console's incident page: a resolved incident's playbook is not shown as running", () => {
  let bot: TestBot;
  beforeAll(async () => {
    // The shipped playbooks: every incident gets one (default when nothing more specific matches).
    bot = await startTestBot('pglite');
  }, 60_000);
  afterAll(async () => {
    await bot?.destroy();
  });
  const admin: Viewer = { personId: 0, handle: 'admin', name: 'Admin', timeZone: 'UTC', isAdmin: true, canSeeReports: true, canSeeAudit: true, csrfToken: 'x', chatIds: [] };

  it('while open: running, with its current step; once resolved: where it stopped, the rest not done', { timeout: 60_000 }, async () => {
    const number = await fireGenericAlert(bot, { title: 'Checkout errors above 5%', severity: 'critical' });
    const open = (await incidentPageContent(bot.database, admin, number, { now: new Date() }))!;
    expect(open).toMatch(/<p>[^<]+: running<\/p>/);
    expect(open).toContain('aria-current="step">Acknowledge and take the incident <span class="muted">active</span>');
    await bot.incidents.resolve(number, { kind: 'source', name: 'test' }, 'rolled back');
    const resolved = (await incidentPageContent(bot.database, admin, number, { now: new Date() }))!;
    expect(resolved).toContain(': stopped when the incident was resolved</p>');
    expect(resolved).toContain('Acknowledge and take the incident <span class="muted">not done (where it stopped)</span>');
    expect(resolved).toContain('Establish the impact <span class="muted">not done</span>');
    expect(resolved).not.toMatch(/muted">(active|to do)</);
  });
});

import { randomBytes } from 'node:crypto';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeopleDirectory } from '../../src/chat/people-directory.js';
import { sql } from '../../src/db/sql.js';
import { createActionToken } from '../../src/paging/action-tokens.js';
import { parseOncallYaml } from '../../src/oncall/oncall-file.js';
import { webLinkCommandHandler } from '../../src/web/web-link-command.js';
import { seconds } from '../../src/web/report-page.js';
import type { WeeklyReport } from '../../src/reports/weekly-report.js';
import { freePort } from '../support/free-port.js';
import { launchBrowser } from '../support/headless-browser.js';
import { startOidcProvider, type RealOidcProvider } from '../support/real-oidc-provider.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const ONCALL = `
people:
  alice:
    name: Alice Martin
    email: Alice@Example.com
    slack: U0000000001
    timezone: Europe/Paris
  bob:
    name: Bob Stone
    email: bob@example.com
    slack: U0000000002
    timezone: America/New_York
  carol:
    name: Carol Admin
    email: carol@example.com
    slack: U0000000003
    roles: [admin]
teams:
  platform:
    name: Platform
    members: [alice, bob]
    services: [postgres]
    schedules: [platform-days]
schedules:
  platform-days:
    timezone: Europe/Paris
    layers:
      - name: days
        participants: [alice, bob]
        rotation: daily
        handoff: "08:00"
        start: 2026-01-05
        restrictions:
          - { days: [mon, tue, wed, thu, fri, sat, sun], from: "08:00", to: "20:00" }
`;

describe('the web console in a real browser, signed in through a real OpenID provider', () => {
  let bot: TestBot;
  let provider: RealOidcProvider;
  let browser: Browser;
  let oncallDir: string;
  const incidents: Record<string, number> = {};

  beforeAll(async () => {
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    provider = await startOidcProvider({
      redirectUri: `${publicUrl}/ui/auth/callback`,
      accounts: { alice: { email: 'alice@example.com', verified: true }, mallory: { email: 'mallory@example.com', verified: true }, unverified: { email: 'bob@example.com', verified: false } },
    });
    oncallDir = mkdtempSync(join(tmpdir(), 'web-console-'));
    writeFileSync(join(oncallDir, 'oncall.yaml'), ONCALL);
    bot = await startTestBot('pglite', {
      PORT: String(port),
      PUBLIC_URL: publicUrl,
      ONCALL_FILE: join(oncallDir, 'oncall.yaml'),
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
    });
    const personId = async (handle: string) => Number((await bot.database.sql.query<{ id: number }>(sql`SELECT id FROM people WHERE handle = ${handle}`))[0]!.id);
    const bob = { kind: 'person' as const, personId: await personId('bob'), name: 'Bob Stone' };
    incidents.public = (await bot.incidents.declare({ title: 'Checkout <b>latency</b> @here', severity: 2, team: 'platform' }, bob)).id;
    incidents.private = (await bot.incidents.declare({ title: 'Suspected credential leak', severity: 1, private: true }, bob)).id;
    // One incident with figures for the report: acknowledged after 15 minutes, resolved after 95.
    incidents.resolved = (await bot.incidents.declare({ title: 'Disk full on db-1', severity: 3, team: 'platform' }, bob)).id;
    await bot.incidents.acknowledge(incidents.resolved, bob);
    await bot.incidents.resolve(incidents.resolved, bob, 'old WAL removed');
    await bot.database.sql.query(sql`UPDATE incidents SET opened_at = resolved_at - interval '95 minutes', acknowledged_at = resolved_at - interval '80 minutes' WHERE id = ${incidents.resolved}::int`);
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await bot?.destroy();
    await provider?.close();
    if (oncallDir) rmSync(oncallDir, { recursive: true, force: true });
  });

  /** A fresh browser profile: no cookies from the other tests. */
  const freshPage = async (): Promise<Page> => (await browser.createBrowserContext()).newPage();

  const signInThroughProvider = async (page: Page, login: string) => {
    await page.goto(`${bot.url}/ui/incidents?status=all`);
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    await Promise.all([page.waitForNavigation(), page.click('#sign-in-oidc')]);
    // The provider's own login page, then its consent page.
    await page.type('input[name=login]', login);
    await page.type('input[name=password]', 'any-password');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    if (!page.url().startsWith(bot.url)) await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  };

  const bodyText = (page: Page) => page.$eval('body', (body) => (body as unknown as { innerText: string }).innerText);

  it('signs a listed person in through the provider and brings them back to the page they asked for', async () => {
    const page = await freshPage();
    await signInThroughProvider(page, 'alice');
    const url = new URL(page.url());
    expect(url.pathname + url.search).toBe('/ui/incidents?status=all');
    const text = await bodyText(page);
    expect(text).toContain('Alice Martin');
    // Text from outside is shown as text: no markup, no mention.
    expect(text).toContain('Checkout <b>latency</b> @here');
    expect(await page.$('main b')).toBeNull();
    // Bob's private incident is not listed for Alice, and its page says there is no such incident.
    expect(text).not.toContain('Suspected credential leak');
    const response = await page.goto(`${bot.url}/ui/incidents/${incidents.private}`);
    expect(response?.status()).toBe(404);
    expect(await bodyText(page)).not.toContain('credential');
    const cookies = await page.browserContext().cookies();
    const session = cookies.find((cookie) => cookie.name === 'incident_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
  });

  it('refuses people the provider knows but oncall.yaml does not, and emails the provider has not verified', async () => {
    const stranger = await freshPage();
    await signInThroughProvider(stranger, 'mallory');
    expect(await bodyText(stranger)).toContain('mallory@example.com is not the email of anyone in oncall.yaml');
    expect((await stranger.goto(`${bot.url}/ui/incidents`))?.url()).toContain('/ui/sign-in');

    const unverified = await freshPage();
    await signInThroughProvider(unverified, 'unverified');
    expect(await bodyText(unverified)).toContain('did not give a verified email address');
  });

  it('finishes a sign-in only in the browser that started it: a callback address handed to someone else signs nobody in', async () => {
    const attacker = await freshPage();
    await attacker.goto(`${bot.url}/ui/sign-in`);
    await Promise.all([attacker.waitForNavigation(), attacker.click('#sign-in-oidc')]);
    await attacker.type('input[name=login]', 'mallory');
    await attacker.type('input[name=password]', 'any-password');
    // Stop at the callback: its address (code and state) is what an attacker would send a victim.
    await attacker.setRequestInterception(true);
    let callback = '';
    attacker.on('request', (request) => {
      if (request.url().startsWith(`${bot.url}/ui/auth/callback`)) {
        callback = request.url();
        void request.abort();
      } else void request.continue();
    });
    await attacker.click('button[type=submit]');
    await attacker.waitForFunction(() => true);
    for (let i = 0; i < 50 && !callback; i++) {
      if (!attacker.url().startsWith(bot.url)) await attacker.click('button[type=submit]').catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(callback).toContain('code=');
    const victim = await freshPage();
    const answer = await victim.goto(callback);
    expect(answer?.status()).toBe(400);
    expect(await bodyText(victim)).toContain('This sign-in was not started in this browser');
    expect((await victim.browserContext().cookies()).find((cookie) => cookie.name === 'incident_session')).toBeUndefined();
  });

  it('shows one incident whole: facts, timeline in the reader’s zone, and the postmortem to read and download', async () => {
    const page = await freshPage();
    await signInThroughProvider(page, 'alice');
    const response = await page.goto(`${bot.url}/ui/incidents/${incidents.public}`);
    expect(response?.status()).toBe(200);
    const text = await bodyText(page);
    expect(text).toContain(`INC-${incidents.public}`);
    expect(text).toContain('Times in Europe/Paris');
    expect(text).toMatch(/Bob Stone\s+INC-\d+ declared/);
    expect(text).toContain('Postmortem: INC-');
    const session = (await page.browserContext().cookies()).find((cookie) => cookie.name === 'incident_session')!.value;
    const answer = await fetch(`${bot.url}/ui/incidents/${incidents.public}/postmortem.md`, { headers: { cookie: `incident_session=${session}` } });
    const download = { status: answer.status, disposition: answer.headers.get('content-disposition'), body: await answer.text() };
    expect(download.status).toBe(200);
    expect(download.disposition).toBe(`attachment; filename="postmortem-INC-${incidents.public}.md"`);
    expect(download.body).toMatch(/^# Postmortem: INC-\d+ Checkout <b>latency<\/b> @here/);
  });

  it('signs in with the one-time link /incident web sends, once, and only for 10 minutes', async () => {
    const handler = webLinkCommandHandler({ database: bot.database, oncall: () => parseOncallYaml(ONCALL), people: new PeopleDirectory(bot.database.prisma), publicUrl: () => bot.url });
    const reply = await handler['incident.web']({ kind: 'incident.web' }, { platform: 'slack', actor: { platformId: 'U0000000002' }, channelId: 'D1', timeZone: 'UTC' });
    expect(reply.visibility).toBe('ephemeral');
    const link = /http:\/\/\S+\/ui\/link\/[A-Za-z0-9_-]{43}/.exec(reply.message.sections[0]!.text ?? "")![0];

    const page = await freshPage();
    await page.goto(link);
    // Opening the link (as a chat preview would) signs nobody in: the button does.
    expect(await page.browserContext().cookies()).toEqual([]);
    await Promise.all([page.waitForNavigation(), page.click('#use-link')]);
    expect(new URL(page.url()).pathname).toBe('/ui/incidents');
    // Bob is in his private incident: he sees it.
    await page.goto(`${bot.url}/ui/incidents?status=all`);
    expect(await bodyText(page)).toContain('Suspected credential leak');

    const again = await freshPage();
    await again.goto(link);
    expect(await bodyText(again)).toContain('This link was already used');

    // Signing in again in the same browser ends the session it had.
    const first = (await page.browserContext().cookies()).find((cookie) => cookie.name === 'incident_session')!.value;
    const second = await handler['incident.web']({ kind: 'incident.web' }, { platform: 'slack', actor: { platformId: 'U0000000002' }, channelId: 'D1', timeZone: 'UTC' });
    await page.goto(/http:\/\/\S+\/ui\/link\/[A-Za-z0-9_-]{43}/.exec(second.message.sections[0]!.text ?? '')![0]);
    await Promise.all([page.waitForNavigation(), page.click('#use-link')]);
    expect((await fetch(`${bot.url}/ui/incidents`, { headers: { cookie: `incident_session=${first}` }, redirect: 'manual' })).status).toBe(303);

    // Another site's form cannot use a link to sign a visitor in as the link's owner.
    const planted = await handler['incident.web']({ kind: 'incident.web' }, { platform: 'slack', actor: { platformId: 'U0000000002' }, channelId: 'D1', timeZone: 'UTC' });
    const plantedLink = /http:\/\/\S+\/ui\/link\/[A-Za-z0-9_-]{43}/.exec(planted.message.sections[0]!.text ?? '')![0];
    const crossSite = await fetch(plantedLink, { method: 'POST', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }, redirect: 'manual' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.headers.get('set-cookie')).toBeNull();
    // Refused, not used up: its owner can still open it.
    const own = await freshPage();
    await own.goto(plantedLink);
    await Promise.all([own.waitForNavigation(), own.click('#use-link')]);
    expect(new URL(own.url()).pathname).toBe('/ui/incidents');
    const reused = await fetch(link, { method: 'POST' });
    expect(reused.status).toBe(410);
    expect(reused.headers.get('set-cookie')).toBeNull();

    const bobId = Number((await bot.database.sql.query<{ id: number }>(sql`SELECT id FROM people WHERE handle = 'bob'`))[0]!.id);
    const expired = await bot.database.transaction((tx) => createActionToken(tx, { purpose: 'web', personId: bobId, pageId: null, via: 'slack', address: null, validForMs: -1 }));
    const late = await fetch(`${bot.url}/ui/link/${expired}`, { method: 'POST' });
    expect(late.status).toBe(410);
    expect(await late.text()).toContain('It has expired');

    // Someone not in oncall.yaml gets no link.
    await expect(handler['incident.web']({ kind: 'incident.web' }, { platform: 'slack', actor: { platformId: 'U0000000099', name: 'Guest' }, channelId: 'D1', timeZone: 'UTC' })).rejects.toThrow(/not listed in oncall.yaml/);
  });

  it('refuses a forged session cookie and a form without the session’s check token; signing out ends the session everywhere', async () => {
    const forged = await freshPage();
    await forged.browserContext().setCookie({ name: 'incident_session', value: randomBytes(32).toString('base64url'), domain: '127.0.0.1', path: '/', httpOnly: true });
    await forged.goto(`${bot.url}/ui/incidents`);
    expect(new URL(forged.url()).pathname).toBe('/ui/sign-in');

    const page = await freshPage();
    await signInThroughProvider(page, 'alice');
    const session = (await page.browserContext().cookies()).find((cookie) => cookie.name === 'incident_session')!.value;
    const cookie = `incident_session=${session}`;
    const crossSite = await fetch(`${bot.url}/ui/sign-out`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'csrf=guessed', redirect: 'manual' });
    expect(crossSite.status).toBe(403);
    expect((await fetch(`${bot.url}/ui/incidents`, { headers: { cookie }, redirect: 'manual' })).status).toBe(200);

    await Promise.all([page.waitForNavigation(), page.click('header form button[type=submit]')]);
    expect(new URL(page.url()).pathname).toBe('/ui/sign-in');
    // The old cookie, replayed, opens nothing any more.
    expect((await fetch(`${bot.url}/ui/incidents`, { headers: { cookie }, redirect: 'manual' })).status).toBe(303);
  });

  it('works with the keyboard alone: skip link, filters, and following an incident', async () => {
    const page = await freshPage();
    await signInThroughProvider(page, 'alice');
    await page.goto(`${bot.url}/ui/incidents`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Skip to content');
    // Choose "all" in the status filter and submit, by keys only.
    await page.focus('#f-status');
    await page.keyboard.press('End');
    const focused = () => page.evaluate(() => {
      const active = (globalThis as unknown as { document: { activeElement: { tagName: string; textContent: string } } }).document.activeElement;
      return { tagName: active.tagName, textContent: active.textContent };
    });
    // Tab on through the other fields (a date field takes a stop per part) to the button.
    for (let stops = 0; stops < 15 && (await focused()).textContent !== 'Show'; stops++) await page.keyboard.press('Tab');
    expect(await focused()).toMatchObject({ tagName: 'BUTTON', textContent: 'Show' });
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(new URL(page.url()).searchParams.get('status')).toBe('all');
    // Tab to the first incident link and open it with Enter.
    await page.focus('tbody a');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    // Newest first: the incident declared last.
    expect(new URL(page.url()).pathname).toBe(`/ui/incidents/${incidents.resolved}`);
  });

  it('says what is wrong with a filter, field by field', async () => {
    const page = await freshPage();
    await signInThroughProvider(page, 'alice');
    const response = await page.goto(`${bot.url}/ui/incidents?status=closed&team=nope&severity=9&from=yesterday`);
    expect(response?.status()).toBe(400);
    const text = await bodyText(page);
    expect(text).toContain('Status: "closed" is not one of open, triggered, acknowledged, mitigated, resolved, all.');
    expect(text).toContain('Team: no team "nope" in oncall.yaml.');
    expect(text).toContain('Severity: "9" is not 1, 2, 3 or 4.');
    expect(text).toContain('Opened from: "yesterday" is not a date (YYYY-MM-DD).');
  });

  /** Signs in as the person with this Slack id through the link /incident web sends them. */
  const signInWithLink = async (slackId: string): Promise<Page> => {
    const handler = webLinkCommandHandler({ database: bot.database, oncall: () => parseOncallYaml(ONCALL), people: new PeopleDirectory(bot.database.prisma), publicUrl: () => bot.url });
    const reply = await handler['incident.web']({ kind: 'incident.web' }, { platform: 'slack', actor: { platformId: slackId }, channelId: 'D1', timeZone: 'UTC' });
    const link = /http:\/\/\S+\/ui\/link\/[A-Za-z0-9_-]{43}/.exec(reply.message.sections[0]!.text ?? '')![0];
    const page = await freshPage();
    await page.goto(link);
    await Promise.all([page.waitForNavigation(), page.click('#use-link')]);
    return page;
  };

  it('lets an admin see private incidents', async () => {
    const page = await signInWithLink('U0000000003');
    expect((await page.goto(`${bot.url}/ui/incidents/${incidents.private}`))?.status()).toBe(200);
  });

  it('shows managers and admins the report with the very figures of /api/reports/weekly', async () => {
    const page = await signInWithLink('U0000000003');
    expect((await page.goto(`${bot.url}/ui/reports?weeks=12`))?.status()).toBe(200);
    const api = (await (await fetch(`${bot.url}/api/reports/weekly?weeks=12`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } })).json()) as WeeklyReport;
    const shown = await page.$$eval('tr[data-group="all"]', (rows) =>
      rows.map((row) => [(row as unknown as { dataset: { week: string } }).dataset.week, ...Array.from((row as unknown as { children: ArrayLike<{ textContent: string }> }).children).map((cell) => cell.textContent)]));
    const expected = api.rows.filter((row) => row.group === 'all').map((row) => [row.week, row.week, String(row.count), ...[row.mtta, row.ttm, row.mttr].flatMap((stat) => [seconds(stat.mean), seconds(stat.p50), seconds(stat.p90)])]);
    expect(shown).toEqual(expected);
    expect(shown.length).toBe(12);
    // The resolved incident's figures are there as people read them: acknowledged in 15m, resolved in 1h 35m.
    expect(shown.some((row) => row.includes('15m') && row.includes('1h 35m'))).toBe(true);
    expect(await page.$('figure svg circle[data-series="MTTR"]')).not.toBeNull();
    const session = (await page.browserContext().cookies()).find((cookie) => cookie.name === 'incident_session')!.value;
    const csv = await fetch(`${bot.url}/ui/reports.csv?weeks=12`, { headers: { cookie: `incident_session=${session}` } });
    const apiCsv = await fetch(`${bot.url}/api/reports/weekly?weeks=12&format=csv`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } });
    expect(await csv.text()).toBe(await apiCsv.text());

    // A responder gets neither the page nor the link to it.
    const responder = await signInWithLink('U0000000001');
    expect(await responder.$('nav a[href="/ui/reports"]')).toBeNull();
    expect((await responder.goto(`${bot.url}/ui/reports`))?.status()).toBe(403);
  });

  it('shows who is on call now and next, and the shifts of the week and the month with the nights as gaps', async () => {
    // Bob covers two nights from now, 2 days ahead: an override fills part of a gap.
    const bobId = Number((await bot.database.sql.query<{ id: number }>(sql`SELECT id FROM people WHERE handle = 'bob'`))[0]!.id);
    const night = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 + 2 * 86_400_000 + 21 * 3_600_000);
    await bot.database.prisma.oncallOverride.create({ data: { scheduleKey: 'platform-days', personId: bobId, startsAt: night, endsAt: new Date(night.getTime() + 2 * 3_600_000), reason: 'covering' } });
    const page = await signInWithLink('U0000000001');
    await Promise.all([page.waitForNavigation(), page.click('nav a[href="/ui/oncall"]')]);
    const text = await bodyText(page);
    expect(text).toMatch(/Platform\s+platform-days\s+(Alice Martin|Bob Stone|nobody \(a gap\))/);
    // Covered 08:00 to 20:00 in Paris: every night of the week is a gap, and says so.
    const week = await page.$$eval('#shifts ~ div table tbody tr', (rows) => rows.map((row) => ({ gap: (row as unknown as { className: string }).className === 'gap', text: (row as unknown as { textContent: string }).textContent })));
    expect(week.filter((row) => row.gap).length).toBeGreaterThanOrEqual(7);
    expect(week.filter((row) => row.gap).every((row) => row.text.includes('nobody (a gap)'))).toBe(true);
    expect(week.some((row) => !row.gap && /Alice Martin|Bob Stone/.test(row.text))).toBe(true);
    expect(week.filter((row) => /Bob Stone\s*override/.test(row.text))).toHaveLength(1);
    expect(text).toMatch(/\d+ gap\(s\): nobody is on call/);
    await Promise.all([page.waitForNavigation(), page.click('a[href="/ui/oncall?view=month"]')]);
    const month = await page.$$eval('#shifts ~ div table tbody tr.gap', (rows) => rows.length);
    expect(month).toBeGreaterThanOrEqual(30);
    expect((await page.goto(`${bot.url}/ui/oncall?view=year`))?.status()).toBe(400);
  });

  it('shows admins the audit trail, sign-ins included, and nobody else', async () => {
    const page = await signInWithLink('U0000000003');
    await Promise.all([page.waitForNavigation(), page.click('nav a[href="/ui/audit"]')]);
    const text = await bodyText(page);
    expect(text).toMatch(/Carol Admin \(carol\)\s+web\s+web\.sign-in\s+ok/);
    expect(text).toContain('mallory@example.com');
    const responder = await signInWithLink('U0000000002');
    expect((await responder.goto(`${bot.url}/ui/audit`))?.status()).toBe(403);
  });
});

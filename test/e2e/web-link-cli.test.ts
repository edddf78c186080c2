import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

const ONCALL = `
people:
  alice: { name: Alice Martin, email: Alice@Example.com, roles: [admin] }
  bob: { name: Bob Stone, email: bob@example.com }
`;

describe('incident-bot web link: console sign-in without chat or an identity provider', () => {
  let bot: TestBot;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'web-link-'));
    writeFileSync(join(dir, 'oncall.yaml'), ONCALL);
    // Its own port, as a bot started with npm start has: the link is made of it.
    bot = await startTestBot('pglite', { ONCALL_FILE: join(dir, 'oncall.yaml'), PORT: String(await freePort()) });
    env = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(dir, 'oncall.yaml'), PORT: new URL(bot.url).port };
  }, 60_000);
  afterAll(async () => {
    await bot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints a one-time link that signs the person in once, and the sign-in page says how to get one', { timeout: 60_000 }, async () => {
    for (const path of ['/', '/ui', '/ui/']) {
      const entry = await fetch(`${bot.url}${path}`, { redirect: 'manual' });
      expect([path, entry.status, entry.headers.get('location')]).toEqual([path, 303, '/ui/incidents']);
    }
    const signInPage = await (await fetch(`${bot.url}/ui/sign-in`)).text();
    expect(signInPage).toContain('incident-bot web link &lt;your handle&gt;');

    const made = await runCli(['web', 'link', 'alice@example.com'], env);
    expect(made.code, made.stderr).toBe(0);
    const link = made.stdout.trim();
    expect(link).toMatch(new RegExp(`^http://localhost:${env.PORT}/ui/link/[A-Za-z0-9_-]{43}$`));
    expect(made.stderr).toContain('A sign-in link to the console for Alice Martin: valid 10 minutes, once.');
    const path = new URL(link).pathname;

    // Opening it only shows the button (a link preview does not use it up).
    const opened = await fetch(`${bot.url}${path}`);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('id="use-link"');
    const used = await fetch(`${bot.url}${path}`, { method: 'POST', redirect: 'manual' });
    expect(used.status).toBe(303);
    const cookie = used.headers.get('set-cookie')!.split(';')[0]!;
    const incidents = await fetch(`${bot.url}/ui/incidents`, { headers: { cookie } });
    expect(incidents.status).toBe(200);
    expect(await incidents.text()).toContain('Alice Martin');
    const again = await fetch(`${bot.url}${path}`, { method: 'POST', redirect: 'manual' });
    expect(again.status).toBe(410);
    expect(await again.text()).toContain('incident-bot web link &lt;you&gt;');

    // The audit trail says who the link was for, never the link.
    const audit = await (await fetch(`${bot.url}/api/audit?action=api.web-link`, { headers: { authorization: `Bearer ${bot.apiTokens.read}` } })).text();
    expect(audit).toContain('"as":"alice@example.com"');
    expect(audit).not.toContain(path.split('/').pop());
  });

  it('refuses someone oncall.yaml does not list, the read token, and bad usage, each saying why', { timeout: 60_000 }, async () => {
    const stranger = await runCli(['web', 'link', 'mallory'], env);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('The bot refused (422): Nobody in oncall.yaml is "mallory"');
    expect(stranger.stderr).toContain('  as: no person with that handle or email');
    const read = await fetch(`${bot.url}/api/web-links`, { method: 'POST', headers: { authorization: `Bearer ${bot.apiTokens.read}`, 'content-type': 'application/json' }, body: JSON.stringify({ as: 'alice' }) });
    expect(read.status).toBe(403);
    const anonymous = await fetch(`${bot.url}/api/web-links`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as: 'alice' }) });
    expect(anonymous.status).toBe(401);
    const extra = await fetch(`${bot.url}/api/web-links`, { method: 'POST', headers: { authorization: `Bearer ${bot.apiTokens.write}`, 'content-type': 'application/json' }, body: JSON.stringify({ as: 'alice', admin: true }) });
    expect(extra.status).toBe(422);
    const usage = await runCli(['web', 'link'], env);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('give one person of oncall.yaml');
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/project-root.js';
import { ManualClock } from '../../src/time/clock.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot } from '../support/start-test-bot.js';

/** A port nothing listens on: one the system just gave out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const fixtures = join(projectRoot(), 'test', 'fixtures', 'samples');

describe('incident-bot simulate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'simulate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = { DATA_DIR: join(dir, 'data'), ONCALL_FILE: join(dir, 'none.yaml') };

  it('shows routing, severity and grouping of a real Alertmanager payload by the shipped oncall.yaml, writing nothing', async () => {
    const result = await runCli(['simulate', join(fixtures, 'alertmanager/firing.json')], { ...env, ONCALL_FILE: join(projectRoot(), 'oncall.yaml') });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Source: alertmanager (detected); 2 alert(s)');
    expect(result.stdout).toContain('severity:    SEV1 (mapped from "critical")');
    expect(result.stdout).toContain('route:       api');
    expect(result.stdout).toContain('team:        payments');
    expect(result.stdout).toContain('escalation:  payments');
    expect(result.stdout).toContain('playbook:    api-errors');
    expect(result.stdout).toContain('group:       route:api:alertname=HighErrorRate,service=checkout');
    expect(result.stdout).toContain(`incident:    unknown (no database in ${join(dir, 'data')} yet)`);
  });

  it('prints JSON for scripts and respects --source', async () => {
    const result = await runCli(['simulate', join(fixtures, 'pagerduty/trigger.json'), '--source', 'pagerduty', '--json'], env);
    const report = JSON.parse(result.stdout);
    expect(report.source).toBe('pagerduty');
    expect(report.alerts[0].decision).toMatchObject({ routeId: 'default', severity: 1 });
  });

  it('takes the new senders, detected from the payload: Opsgenie, Datadog, and CloudWatch through SNS', async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['opsgenie/create-alert.json', 'opsgenie', { severity: 1 }],
      ['datadog/template-triggered.json', 'datadog', { severity: 2, service: 'checkout' }],
      ['cloudwatch/alarm-notification.json', 'cloudwatch', { routeId: 'default' }],
    ];
    for (const [file, source, decision] of cases) {
      const result = await runCli(['simulate', join(fixtures, file), '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.source).toBe(source);
      expect(report.alerts[0].decision).toMatchObject(decision);
    }
  });

  it('checks oncall.yaml: the shipped one passes, a broken one names each problem with its line', async () => {
    const good = await runCli(['oncall', 'check', join(projectRoot(), 'oncall.yaml')], env);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('is valid: 5 people, 3 teams, 3 schedules, 3 escalation policies, 4 routes.');
    // The parts a file may add are counted when it has them, so a typo that drops one shows.
    const extras = join(dir, 'extras.yaml');
    writeFileSync(
      extras,
      [
        'people:',
        '  alice: { name: Alice }',
        'heartbeats:',
        '  nightly-backup: { interval: 24h }',
        '  prometheus: { interval: 1m }',
        'pagerduty_routing_keys:',
        '  R0UTINGKEY9f8e7d6c5b4a39281706f5e4: default',
        'opsgenie_keys:',
        '  5f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b: default',
      ].join('\n'),
    );
    const counted = await runCli(['oncall', 'check', extras], env);
    expect(counted.code, counted.stderr).toBe(0);
    expect(counted.stdout.trim()).toBe(`${extras} is valid: 1 person, 0 teams, 0 schedules, 0 escalation policies, 0 routes, 2 heartbeats, 1 PagerDuty routing key, 1 Opsgenie API key.`);
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, 'teams:\n  db:\n    name: DB\n    members: [ghost]\n');
    const bad = await runCli(['oncall', 'check', file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe(`${file}:4:15 teams.db.members[0]: no person "ghost" under people`);
  });

  it('names the bad field of a payload, and bad usage', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ title: 'x', status: 'exploding' }));
    const bad = await runCli(['simulate', file], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('status: Invalid option');
    expect((await runCli(['simulate'], env)).code).toBe(2);
    expect((await runCli(['simulate', file, '--source', 'nagios'], env)).stderr).toContain('--source must be one of');
  });

  it('while the bot holds embedded storage, asks the running bot which open incident an alert would join', { timeout: 60_000 }, async () => {
    const bot = await startTestBot('pglite');
    try {
      const alert = { title: 'Queue backlog above 10k', group: 'queues' };
      const sent = await fetch(`${bot.url}/webhooks/generic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(alert),
      });
      expect(sent.status).toBe(200);
      const file = join(dir, 'backlog.json');
      // Another alert of the same group: the one sent is a repeat (see the next case).
      writeFileSync(file, JSON.stringify({ ...alert, title: 'Queue backlog above 20k' }));
      const port = new URL(bot.url).port;
      const botEnv = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(bot.dataDir, 'oncall.yaml'), PORT: port };
      const joins = await runCli(['simulate', file], botEnv);
      expect(joins.code, joins.stderr).toBe(0);
      expect(joins.stdout).toContain('incident:    joins open INC-1 "Queue backlog above 10k"');
      writeFileSync(file, JSON.stringify({ ...alert, title: 'Queue backlog above 20k', group: 'other' }));
      expect((await runCli(['simulate', file], botEnv)).stdout).toContain('incident:    opens a new incident');
      // Asking the wrong port says why it cannot tell, rather than a bare "unknown".
      const closed = await closedPort();
      const nobody = await runCli(['simulate', file], { ...botEnv, PORT: String(closed) });
      expect(nobody.stdout).toContain(`incident:    unknown (the running bot holds the embedded storage and did not answer at http://localhost:${closed} (ECONNREFUSED); set PORT as the bot has it)`);
    } finally {
      await bot.destroy();
    }
  });
  it('knows what the bot holds of the alert: a repeat, a stale occurrence, an incident it re-opens (asking the running bot)', { timeout: 60_000 }, async () => {
    const bot = await startTestBot('pglite');
    try {
      const send = async (body: unknown) => {
        const sent = await fetch(`${bot.url}/webhooks/generic`, { method: 'POST', headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        expect(sent.status).toBe(200);
        return ((await sent.json()) as { alerts: { outcome: string }[] }).alerts[0]!.outcome;
      };
      const startsAt = new Date(Date.now() - 20 * 60_000).toISOString();
      const endsAt = new Date(Date.now() - 10 * 60_000).toISOString();
      const firing = { title: 'Disk full on db-1', fingerprint: 'disk-db-1', starts_at: startsAt };
      const resolved = { ...firing, status: 'resolved', ends_at: endsAt };
      expect(await send(firing)).toBe('created');
      // Resolved before anyone acknowledged: INC-1 resolves itself.
      expect(await send(resolved)).toBe('resolved');
      const botEnv = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(bot.dataDir, 'oncall.yaml'), PORT: new URL(bot.url).port };
      const simulate = async (body: unknown) => {
        const file = join(dir, 'stored.json');
        writeFileSync(file, JSON.stringify(body));
        const result = await runCli(['simulate', file], botEnv);
        expect(result.code, result.stderr).toBe(0);
        const json = await runCli(['simulate', file, '--json'], botEnv);
        return { line: /incident: +(.*)/.exec(result.stdout)![1], outcome: JSON.parse(json.stdout).alerts[0].outcome };
      };
      const reopenedBy = { ...firing, starts_at: new Date().toISOString() };

      expect(await simulate(resolved)).toEqual({ outcome: 'unchanged', line: 'a repeat: nothing changes (already resolved in INC-1 "Disk full on db-1" (resolved))' });
      expect(await simulate(firing)).toEqual({ outcome: 'stale', line: `stale: this occurrence started ${startsAt}, before the alert last ended (${endsAt}); nothing is written` });
      const reopens = await simulate(reopenedBy);
      expect(reopens.outcome).toBe('reopened');
      expect(reopens.line).toMatch(/^reopens INC-1 "Disk full on db-1" \(resolved .*; it fired again within REOPEN_WINDOW, until .*\)$/);
      expect(await simulate({ ...firing, fingerprint: 'disk-db-2' })).toEqual({ outcome: 'created', line: 'opens a new incident' });
      // ...and the bot then does what simulate said, having written nothing meanwhile.
      expect(await bot.database.prisma.incident.count()).toBe(1);
      expect(await send(resolved)).toBe('unchanged');
      expect(await send(firing)).toBe('stale');
      expect(await send(reopenedBy)).toBe('reopened');
      expect(await simulate(reopenedBy)).toEqual({ outcome: 'unchanged', line: 'a repeat: nothing changes (already firing in INC-1 "Disk full on db-1")' });
    } finally {
      await bot.destroy();
    }
  });

  it('GET /api/alerts answers what the bot holds of one alert, to the read token, and names a bad query field', { timeout: 60_000 }, async () => {
    const bot = await startTestBot('pglite');
    try {
      await fetch(`${bot.url}/webhooks/generic`, { method: 'POST', headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Queue backlog', fingerprint: 'q-1', labels: { secret_label: 'kept out' } }) });
      const get = (query: string, token = bot.apiTokens.read) => fetch(`${bot.url}/api/alerts?${query}`, { headers: { authorization: `Bearer ${token}` } });
      expect((await fetch(`${bot.url}/api/alerts?source=generic&fingerprint=q-1`)).status).toBe(401);
      expect((await get('source=generic&fingerprint=q-1', bot.webhookToken)).status).toBe(401);
      const found = await get('source=generic&fingerprint=q-1');
      expect(found.status).toBe(200);
      const { alerts } = (await found.json()) as { alerts: Record<string, unknown>[] };
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ source: 'generic', fingerprint: 'q-1', status: 'firing', contentHash: expect.stringMatching(/^[0-9a-f]{64}$/), endsAt: null, heldByWindow: null, incident: { id: 1, title: 'Queue backlog', status: 'triggered', resolvedAt: null, reopensUntil: null } });
      expect(JSON.stringify(alerts[0])).not.toContain('kept out');
      expect(await (await get('source=generic&fingerprint=nope')).json()).toEqual({ alerts: [] });
      // Whether it came in with a routing key, asked by the key's hash: sent with the webhook token, it did not.
      expect(((await (await get(`source=generic&fingerprint=q-1&routingKeyHash=${'a'.repeat(64)}`)).json()) as { alerts: unknown[] }).alerts[0]).toMatchObject({ sameRoutingKey: false });
      expect((await get('source=generic&fingerprint=q-1&routingKeyHash=secret')).status).toBe(422);
      const bad = await get('source=nagios&fingerprint=q-1');
      expect(bad.status).toBe(422);
      expect(JSON.stringify(await bad.json())).toContain('must be one of alertmanager');
      const missing = await get('source=generic');
      expect(missing.status).toBe(422);
      expect(JSON.stringify(await missing.json())).toContain('fingerprint');
    } finally {
      await bot.destroy();
    }
    // Under REDACT_PII the read token sees masked text only: no hash of the unmasked text either,
    // which would let it test guesses of what was masked.
    const redacting = await startTestBot('pglite', { REDACT_PII: 'true' });
    try {
      await fetch(`${redacting.url}/webhooks/generic`, { method: 'POST', headers: { authorization: `Bearer ${redacting.webhookToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Login failures for bob.smith@example.com', fingerprint: 'login-1' }) });
      const answer = (await (await fetch(`${redacting.url}/api/alerts?source=generic&fingerprint=login-1`, { headers: { authorization: `Bearer ${redacting.apiTokens.read}` } })).json()) as { alerts: Record<string, unknown>[] };
      expect(answer.alerts[0]).toMatchObject({ status: 'firing', incident: { title: 'Login failures for [email]' } });
      expect(answer.alerts[0]).not.toHaveProperty('contentHash');
      // simulate, asking that bot, then cannot tell a repeat from new content, and says so.
      const file = join(dir, 'login.json');
      writeFileSync(file, JSON.stringify({ title: 'Login failures for bob.smith@example.com', fingerprint: 'login-1' }));
      const simulated = await runCli(['simulate', file], { DATA_DIR: redacting.dataDir, ONCALL_FILE: join(redacting.dataDir, 'oncall.yaml'), PORT: new URL(redacting.url).port });
      expect(simulated.stdout).toContain('incident:    already firing in INC-1 "Login failures for [email]": unchanged if it says what the bot holds, else its new content is stored');
    } finally {
      await redacting.destroy();
    }
  });

  it('a grouped notification: the second alert joins the incident the first opens; an unknown PagerDuty routing key is refused', { timeout: 60_000 }, async () => {
    const bot = await startTestBot('pglite', { ONCALL_FILE: join(projectRoot(), 'oncall.yaml') });
    try {
      const botEnv = { DATA_DIR: bot.dataDir, ONCALL_FILE: join(projectRoot(), 'oncall.yaml'), PORT: new URL(bot.url).port };
      const grouped = await runCli(['simulate', join(fixtures, 'alertmanager/firing.json'), '--json'], botEnv);
      expect(grouped.code, grouped.stderr).toBe(0);
      const outcomes = (JSON.parse(grouped.stdout) as { alerts: { outcome: string; effect: string }[] }).alerts;
      expect(outcomes.map((a) => a.outcome)).toEqual(['created', 'created']);
      expect(outcomes[0]!.effect).toBe('opens a new incident');
      expect(outcomes[1]!.effect).toMatch(/^joins the incident ".*" an alert above opens$/);
      // ...as the bot then does.
      const sent = await fetch(`${bot.url}/webhooks/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' }, body: readFileSync(join(fixtures, 'alertmanager/firing.json')) });
      const answers = ((await sent.json()) as { alerts: { outcome: string; incident: string }[] }).alerts;
      expect(answers.map((a) => [a.outcome, a.incident])).toEqual([['created', 'INC-1'], ['created', 'INC-1']]);

      const unknownKey = await runCli(['simulate', join(fixtures, 'pagerduty/trigger.json')], botEnv);
      expect(unknownKey.stdout).toContain('incident:    refused: its routing_key is neither under pagerduty_routing_keys in oncall.yaml nor the webhook token: the bot answers 400 Invalid routing key');
    } finally {
      await bot.destroy();
    }
  });
  it("judges REOPEN_WINDOW by the running bot's clock, not this machine's", { timeout: 60_000 }, async () => {
    // The bot's clock two hours behind this machine's: by this machine's, its incident resolved
    // long past REOPEN_WINDOW (30m); by the bot's, a moment ago.
    const bot = await startTestBot('pglite', {}, { clock: new ManualClock(new Date(Date.now() - 2 * 3600_000)) });
    try {
      const send = (body: unknown) => fetch(`${bot.url}/webhooks/generic`, { method: 'POST', headers: { authorization: `Bearer ${bot.webhookToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await send({ title: 'Disk full on db-2', fingerprint: 'disk-db-2' })).status).toBe(200);
      expect((await send({ title: 'Disk full on db-2', fingerprint: 'disk-db-2', status: 'resolved' })).status).toBe(200);
      const file = join(dir, 'skewed.json');
      writeFileSync(file, JSON.stringify({ title: 'Disk full on db-2', fingerprint: 'disk-db-2' }));
      const result = await runCli(['simulate', file], { DATA_DIR: bot.dataDir, ONCALL_FILE: join(bot.dataDir, 'oncall.yaml'), PORT: new URL(bot.url).port });
      expect(result.stdout).toMatch(/incident: +reopens INC-1 "Disk full on db-2"/);
      // --url asks that bot, from anywhere, with the read token.
      const remote = await runCli(['simulate', file, '--url', bot.url], { DATA_DIR: join(dir, 'elsewhere'), ONCALL_FILE: join(bot.dataDir, 'oncall.yaml'), API_TOKEN: bot.apiTokens.read });
      expect(remote.stdout).toMatch(/incident: +reopens INC-1 "Disk full on db-2"/);
      expect((await runCli(['simulate', file, '--url', 'localhost:1'], {})).code).toBe(2);
    } finally {
      await bot.destroy();
    }
  });
});

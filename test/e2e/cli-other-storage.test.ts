import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { runCli } from '../support/run-cli.js';
import { startTestBot, type TestBot } from '../support/start-test-bot.js';

/** A bot runs on this machine's PORT, but the CLI is pointed at storage the bot does not use. */
describe('the CLI says when it reads storage the running bot does not keep its data in', () => {
  let bot: TestBot;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'other-storage-'));
    writeFileSync(join(dir, 'oncall.yaml'), 'heartbeats:\n  nightly-backup: { interval: 24h }\n');
    bot = await startTestBot('pglite', { ONCALL_FILE: join(dir, 'oncall.yaml'), PORT: String(await freePort()) });
  }, 60_000);
  afterAll(async () => {
    await bot?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('notes it for a DATA_DIR with no database yet and for one it opened, and says nothing when it reads the bot\'s own', { timeout: 60_000 }, async () => {
    const elsewhere = { DATA_DIR: join(dir, 'not-the-bots'), ONCALL_FILE: join(dir, 'oncall.yaml'), PORT: new URL(bot.url).port };
    const note = `Note: this command reads the embedded storage in ${join(dir, 'not-the-bots')}, but the bot answering at http://localhost:${elsewhere.PORT} does not keep its data there`;
    const empty = await runCli(['heartbeats'], elsewhere);
    expect(empty.stdout).toContain('nightly-backup: waiting for its first beat');
    expect(empty.stderr).toContain(note);
    const opened = await runCli(['audit', '--since', '1d'], elsewhere);
    expect(opened.code, opened.stderr).toBe(0);
    expect(opened.stderr).toContain(note);
    // The bot's own DATA_DIR: it holds it, so the CLI asks the bot, and there is nothing to note.
    const own = await runCli(['heartbeats'], { ...elsewhere, DATA_DIR: bot.dataDir });
    expect(own.code, own.stderr).toBe(0);
    expect(own.stderr).not.toContain('Note:');
    // No bot on the port: nothing to compare with, nothing said.
    const alone = await runCli(['heartbeats'], { ...elsewhere, PORT: String(await freePort()) });
    expect(alone.stderr).toBe('');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCORD_BOT_PERMISSIONS, discordInviteUrl } from '../../src/chat/discord/discord-invite.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { startBot } from '../../src/main.js';
import { startFakeDiscord, type FakeDiscord } from '../support/fake-discord/index.js';

const TOKEN = 'discord-bot-token-for-setup-tests';

describe('the Discord invite address', () => {
  it('asks for the bot and applications.commands scopes in one server, with the permissions the bot uses and no more', () => {
    const url = new URL(discordInviteUrl('1100000000000000001', '1200000000000000002'));
    expect(`${url.origin}${url.pathname}`).toBe('https://discord.com/oauth2/authorize');
    expect(url.searchParams.get('client_id')).toBe('1100000000000000001');
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(url.searchParams.get('guild_id')).toBe('1200000000000000002');
    const granted = BigInt(url.searchParams.get('permissions')!);
    expect(granted).toBe(DISCORD_BOT_PERMISSIONS);
    const names = Object.entries(PermissionFlagsBits).filter(([, bit]) => (granted & bit) === bit).map(([name]) => name).sort();
    expect(names).toEqual(['AttachFiles', 'EmbedLinks', 'ManageChannels', 'ManageRoles', 'ReadMessageHistory', 'SendMessages', 'ViewChannel']);
  });
});

describe('starting with Discord settings Discord refuses', () => {
  let fake: FakeDiscord;
  let dir: string;
  beforeAll(async () => {
    fake = await startFakeDiscord({ token: TOKEN });
    dir = mkdtempSync(join(tmpdir(), 'discord-setup-'));
    writeFileSync(join(dir, 'oncall.yaml'), '');
  });
  afterAll(async () => {
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async (settings: Record<string, string>) => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (line: string) => lines.push(line) });
    const config = loadConfig({
      PORT: '0',
      DATA_DIR: join(dir, `data-${lines.length}-${Math.random().toString(36).slice(2)}`),
      ONCALL_FILE: join(dir, 'oncall.yaml'),
      DISCORD_BOT_TOKEN: TOKEN,
      DISCORD_APPLICATION_ID: fake.applicationId,
      DISCORD_GUILD_ID: fake.guildId,
      DISCORD_API_URL: fake.apiUrl,
      ...settings,
    });
    const outcome = await startBot(config, { log, host: '127.0.0.1' }).then(
      async (bot) => {
        await bot.close();
        return 'started';
      },
      (error: Error) => error.message,
    );
    return { outcome, log: lines.join('') };
  };

  it('prints the invite address at start', { timeout: 60_000 }, async () => {
    const { outcome, log } = await start({});
    expect(outcome).toBe('started');
    expect(log).toContain(discordInviteUrl(fake.applicationId, fake.guildId));
  });

  it('says what to fix when the bot is not in the server (Missing Access), with the invite address', { timeout: 60_000 }, async () => {
    const { outcome } = await start({ DISCORD_APPLICATION_ID: '1999999999999999999' });
    expect(outcome).toContain('Discord refused to register the slash commands in server');
    expect(outcome).toContain('50001 Missing Access');
    expect(outcome).toContain(discordInviteUrl('1999999999999999999', fake.guildId));
  });

  it('names DISCORD_GUILD_ID for an unknown server, and DISCORD_BOT_TOKEN for a refused token', { timeout: 60_000 }, async () => {
    expect((await start({ DISCORD_GUILD_ID: '1888888888888888888' })).outcome).toMatch(/^DISCORD_GUILD_ID: Discord knows no server 1888888888888888888/);
    expect((await start({ DISCORD_BOT_TOKEN: 'not-the-token-at-all' })).outcome).toMatch(/^Discord refused DISCORD_BOT_TOKEN \(401 Unauthorized\)/);
  });
});

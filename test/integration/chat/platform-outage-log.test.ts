import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ChatApiError, type ChatPort } from '../../../src/chat/chat-port.js';
import { DiscordChatPort } from '../../../src/chat/discord/discord-chat-port.js';
import type { NeutralMessage } from '../../../src/chat/neutral-message.js';
import { SlackChatPort } from '../../../src/chat/slack/slack-chat-port.js';
import { createLogger } from '../../../src/logging.js';
import { startFakeDiscord } from '../../support/fake-discord/index.js';
import { startFakeSlack } from '../../support/fake-slack/index.js';
import { startSwitchableProxy, type SwitchableProxy } from '../../support/switchable-tcp-proxy.js';

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

function capturingLogger() {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { log: createLogger('debug', destination), lines };
}

interface Platform {
  name: 'Slack' | 'Discord';
  method: string;
  start(log: ReturnType<typeof createLogger>): Promise<{ port: ChatPort; proxy: SwitchableProxy; channel: string; close(): Promise<void> }>;
}

const platforms: Platform[] = [
  {
    name: 'Slack',
    method: 'chat.postMessage',
    async start(log) {
      const fake = await startFakeSlack({ token: 'xoxb-outage', channels: [{ name: 'incidents' }] });
      const proxy = await startSwitchableProxy(fake.url);
      const port = SlackChatPort.create('xoxb-outage', `${proxy.url}/api/`, log);
      const channel = (await port.resolveChannel('#incidents'))!;
      return { port, proxy, channel, close: () => fake.close() };
    },
  },
  {
    name: 'Discord',
    method: 'POST message',
    async start(log) {
      const fake = await startFakeDiscord({ token: 'discord-outage-token' });
      const proxy = await startSwitchableProxy(fake.url);
      const port = DiscordChatPort.create({ token: 'discord-outage-token', guildId: fake.guildId, applicationId: fake.applicationId, apiUrl: `${proxy.url}/api`, log });
      const channel = (await port.resolveChannel('#general'))!;
      return { port, proxy, channel, close: () => fake.close() };
    },
  },
];

const message: NeutralMessage = { summary: 'INC-1 SEV2 triggered: Checkout errors', title: 'INC-1: Checkout errors', color: 'red', sections: [{ text: 'Error rate 5%' }] };

for (const platform of platforms) {
  describe(`${platform.name} out of reach`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const close of cleanup.splice(0)) await close();
    });

    it('is logged once with host, method and reason, and once when it answers again with the count of failed calls', async () => {
      const { log, lines } = capturingLogger();
      const { port, proxy, channel, close } = await platform.start(log);
      cleanup.push(close, () => proxy.close());

      await proxy.down();
      for (let i = 0; i < 4; i++) {
        const failure = await port.postMessage(channel, message).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(ChatApiError);
        expect((failure as ChatApiError).retryable).toBe(true);
      }
      await proxy.up();
      await port.postMessage(channel, message);
      await port.postMessage(channel, message);

      const said = lines.filter((line) => line.platform === platform.name.toLowerCase());
      expect(said.map((line) => [line.level, line.msg])).toEqual([
        [
          'warn',
          `${platform.name} API at ${proxy.host} is not answering (${platform.method}: connect ECONNREFUSED ${proxy.host}); ` +
            'what the bot sends waits in its job queue and is retried. Logged once; a line follows when it answers again',
        ],
        ['info', `${platform.name} API at ${proxy.host} answers again after 4 failed call(s)`],
      ]);
      expect(said[0]).toMatchObject({ host: proxy.host, method: platform.method, reason: `connect ECONNREFUSED ${proxy.host}` });
      expect(said[1]).toMatchObject({ failedCalls: 4, byMethod: { [platform.method]: 4 } });
      expect(lines.filter((line) => /http request failed/.test(line.msg))).toEqual([]);
    });
  });
}

import { UsageError, type CliCommand } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { callBotApi, refusal } from '../http/bot-api-client.js';

/** `incident-bot web link <person>`: a one-time console sign-in link, as `/incident web` sends in chat. */
export const webLinkCliCommand: CliCommand = {
  name: ['web', 'link'],
  usage: 'web link <person> [--url <bot address>]',
  summary: 'a one-time sign-in link to the web console for someone in oncall.yaml (valid 10 minutes; write token), for teams without chat or OpenID Connect',
  async run(args, io) {
    const { values, positionals } = parseFlags({ args, allowPositionals: true, options: { url: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError(`give one person of oncall.yaml (handle or email): incident-bot ${this.usage}`);
    const result = await callBotApi(io, { url: values.url, scope: 'write', method: 'POST', path: '/api/web-links', body: { as: positionals[0] } });
    if (!result) return 1;
    if (!result.ok) {
      io.err(refusal(result));
      return 1;
    }
    io.out(String(result.answer.url));
    io.err(String(result.answer.message));
    return 0;
  },
};

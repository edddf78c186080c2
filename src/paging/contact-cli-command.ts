import { UsageError, type CliCommand } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { callBotApi, printAnswer } from '../http/bot-api-client.js';
import type { ContactMethodState, VerificationRequest } from './contact-verification-requests.js';

const describeState = (method: ContactMethodState) =>
  `${method.via}: ${method.address} (${method.state === 'test sent' ? 'test sent, waiting for its code' : method.state}${method.noProvider ? '; no provider is configured for it' : ''})`;

/**
 * `incident-bot oncall contact <person>` and `oncall verify <person> [code]`: the chat's
 * `/oncall contact` and `/oncall verify` through the running bot's API, so that pages can reach
 * people by email, SMS, calls and push on teams without chat.
 */
export function contactCliCommands(): CliCommand[] {
  return [
    {
      name: ['oncall', 'contact'],
      usage: 'oncall contact <person> [--url <bot address>] [--json]',
      summary: "a person's contact methods from oncall.yaml, and which are verified (pages use only verified ones)",
      async run(args, io) {
        const { values, positionals } = parseFlags({ args, allowPositionals: true, options: { url: { type: 'string' }, json: { type: 'boolean' } } });
        if (positionals.length !== 1) throw new UsageError(`give one person of oncall.yaml (handle or email): incident-bot ${this.usage}`);
        const result = await callBotApi(io, { url: values.url, scope: 'read', method: 'GET', path: `/api/people/${encodeURIComponent(positionals[0]!)}/contact-methods` });
        return printAnswer(io, result, values.json, (answer) => {
          const methods = answer.methods as ContactMethodState[];
          return methods.length ? methods.map(describeState) : ['No contact methods beyond chat in oncall.yaml (email, phone, ntfy_topic, webhook under people).'];
        });
      },
    },
    {
      name: ['oncall', 'verify'],
      usage: 'oncall verify <person> [code] [--url <bot address>]',
      summary: "send a test with a code to a person's unverified contact methods, then confirm one with the code it carried (write token)",
      async run(args, io) {
        const { values, positionals } = parseFlags({ args, allowPositionals: true, options: { url: { type: 'string' } } });
        if (positionals.length < 1 || positionals.length > 2) throw new UsageError(`give the person, and the code once the test arrived: incident-bot ${this.usage}`);
        const [person, code] = positionals as [string, string | undefined];
        const result = await callBotApi(io, { url: values.url, scope: 'write', method: 'POST', path: `/api/people/${encodeURIComponent(person)}/contact-methods/verify`, body: code === undefined ? {} : { code } });
        return printAnswer(io, result, false, (answer) => {
          if (code !== undefined) return [String(answer.message)];
          const request = answer as unknown as VerificationRequest;
          return [
            ...request.sent.map((sent) => `${sent.via}: a test with a code is on its way to ${sent.address}`),
            ...request.notTestable.map((skipped) => `${skipped.via}: ${skipped.why}`),
            ...(request.sent.length ? [`Then: incident-bot oncall verify ${person} <code> (or open the link in the email or push).`] : request.notTestable.length === 0 ? ['Nothing to verify: every contact method oncall.yaml gives them is verified.'] : []),
          ];
        });
      },
    },
  ];
}

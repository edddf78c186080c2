import { UsageError, type CliCommand } from '../cli-command.js';
import { flagValue, parseFlags } from '../cli-flags.js';
import { callBotApi, refusal } from '../http/bot-api-client.js';
import { readIncidentNumber } from '../input-values.js';

const USAGE = 'incident ack|mitigate|resolve|reopen|severity|note <number> [summary, reason, 1-4 or note text] [--as <handle|email>] [--url <bot address>] [--json]';

/** Each verb, the write route it calls and what its words after the number are. */
const VERBS = {
  ack: { route: 'ack', words: 'none' },
  mitigate: { route: 'mitigate', words: 'none' },
  resolve: { route: 'resolve', words: 'summary' },
  note: { route: 'notes', words: 'text' },
  reopen: { route: 'reopen', words: 'reason' },
  severity: { route: 'severity', words: 'severity' },
} as const;
type Verb = keyof typeof VERBS;

/**
 * `incident-bot incident ack|mitigate|resolve|note <number>`: closes the loop without chat. It
 * asks the running bot through the write API rather than writing the database itself: on
 * embedded storage the bot holds DATA_DIR, and on PostgreSQL the same path keeps one set of
 * rules (roles, transitions, audit) and lets the bot update the card and stop paging at once.
 * The write token is API_WRITE_TOKEN or the one the bot generated into DATA_DIR.
 */
export const incidentCliCommand: CliCommand = {
  name: ['incident'],
  usage: USAGE,
  summary: 'acknowledge, mitigate, resolve, re-open, change the severity of or add a note to an incident through the running bot (the write API)',
  async run(args, io) {
    const { values, positionals } = parseFlags({
      args,
      allowPositionals: true,
      options: { as: { type: 'string' }, url: { type: 'string' }, json: { type: 'boolean' } },
    });
    const [verbWord, numberText, ...words] = positionals;
    if (verbWord === undefined || !(verbWord in VERBS)) {
      throw new UsageError(verbWord === undefined ? 'Say what to do: ack, mitigate, resolve, reopen, severity or note' : `Unknown action "${verbWord}": use ack, mitigate, resolve, reopen, severity or note`);
    }
    const verb = VERBS[verbWord as Verb];
    if (numberText === undefined) throw new UsageError(`Say which incident: incident ${verbWord} <number>`);
    const number = flagValue('<number>', numberText, readIncidentNumber);
    const text = words.join(' ').trim();
    if (verb.words === 'none' && text) throw new UsageError(`${verbWord} takes no text (got "${text.slice(0, 40)}"); add a note with: incident note ${number} <text>`);
    if (verb.words === 'text' && !text) throw new UsageError(`Say what to note: incident note ${number} <text>`);
    if (verb.words === 'severity' && !text) throw new UsageError(`Say which severity: incident severity ${number} <1-4>`);

    const body = {
      ...(values.as !== undefined ? { as: values.as } : {}),
      ...(verb.words === 'summary' && text ? { summary: text } : {}),
      ...(verb.words === 'text' ? { text } : {}),
      ...(verb.words === 'reason' && text ? { reason: text } : {}),
      ...(verb.words === 'severity' ? { severity: text } : {}),
    };
    const result = await callBotApi(io, { url: values.url, scope: 'write', method: 'POST', path: `/api/incidents/${number}/${verb.route}`, body });
    if (!result) return 1;
    if (values.json) io.out(result.raw);
    if (result.ok) {
      if (!values.json) io.out(result.answer.message ?? `Done (${result.status}).`);
      return 0;
    }
    io.err(refusal(result));
    return 1;
  },
};

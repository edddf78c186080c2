import { UsageError, type CliCommand } from '../cli-command.js';
import { flagValue, parseFlags } from '../cli-flags.js';
import { loadConfig } from '../config.js';
import { storedToken } from '../http/access-tokens.js';
import { botAddress } from '../http/bot-address.js';
import { readIncidentNumber } from '../input-values.js';

const USAGE = 'incident ack|mitigate|resolve|note <number> [summary or note text] [--as <handle|email>] [--url <bot address>] [--json]';

/** Each verb, the write route it calls and what its words after the number are. */
const VERBS = {
  ack: { route: 'ack', words: 'none' },
  mitigate: { route: 'mitigate', words: 'none' },
  resolve: { route: 'resolve', words: 'summary' },
  note: { route: 'notes', words: 'text' },
} as const;
type Verb = keyof typeof VERBS;

interface ApiAnswer {
  message?: string;
  problems?: { path: string; message: string }[];
}

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
  summary: 'acknowledge, mitigate, resolve or add a note to an incident through the running bot (the write API)',
  async run(args, io) {
    const { values, positionals } = parseFlags({
      args,
      allowPositionals: true,
      options: { as: { type: 'string' }, url: { type: 'string' }, json: { type: 'boolean' } },
    });
    const [verbWord, numberText, ...words] = positionals;
    if (verbWord === undefined || !(verbWord in VERBS)) {
      throw new UsageError(verbWord === undefined ? 'Say what to do: ack, mitigate, resolve or note' : `Unknown action "${verbWord}": use ack, mitigate, resolve or note`);
    }
    const verb = VERBS[verbWord as Verb];
    if (numberText === undefined) throw new UsageError(`Say which incident: incident ${verbWord} <number>`);
    const number = flagValue('<number>', numberText, readIncidentNumber);
    const text = words.join(' ').trim();
    if (verb.words === 'none' && text) throw new UsageError(`${verbWord} takes no text (got "${text.slice(0, 40)}"); add a note with: incident note ${number} <text>`);
    if (verb.words === 'text' && !text) throw new UsageError(`Say what to note: incident note ${number} <text>`);

    if (values.url !== undefined && !/^https?:\/\//.test(values.url)) throw new UsageError(`--url must be the bot's http(s) address, such as http://localhost:3000 (got ${JSON.stringify(values.url)})`);
    const config = loadConfig(io.env);
    // This machine by default: the generated token is in this machine's DATA_DIR, and PUBLIC_URL
    // may be a proxy that passes only what Slack and Discord need, or unreachable from inside.
    const base = (values.url ?? botAddress(config.PORT)).replace(/\/+$/, '');
    const token = config.API_WRITE_TOKEN ?? storedToken('API_WRITE_TOKEN', config.DATA_DIR);
    if (!token) {
      io.err(`No write token: set API_WRITE_TOKEN, or run this where the bot keeps its DATA_DIR (${config.DATA_DIR}), into which it generates api-write-token on its first start.`);
      return 1;
    }
    const body = {
      ...(values.as !== undefined ? { as: values.as } : {}),
      ...(verb.words === 'summary' && text ? { summary: text } : {}),
      ...(verb.words === 'text' ? { text } : {}),
    };
    const url = `${base}/api/incidents/${number}/${verb.route}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'user-agent': 'incident-bot-cli' },
        body: JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      io.err(`Could not reach the bot at ${base} (${cause?.code ?? cause?.message ?? (error as Error).message}). Is it running (npm start)? Set PORT as the bot has it, or give its address with --url (e.g. --url "$PUBLIC_URL").`);
      return 1;
    }
    const raw = await response.text();
    let answer: ApiAnswer = {};
    try {
      answer = JSON.parse(raw) as ApiAnswer;
    } catch {
      // A proxy's HTML error page, say: shown as it came, cut short.
    }
    if (values.json) io.out(raw);
    if (response.ok) {
      if (!values.json) io.out(answer.message ?? `Done (${response.status}).`);
      return 0;
    }
    const problems = (answer.problems ?? []).map((problem) => `  ${problem.path}: ${problem.message}`);
    io.err([`The bot refused (${response.status}): ${answer.message ?? raw.slice(0, 300)}`, ...problems].join('\n'));
    return 1;
  },
};

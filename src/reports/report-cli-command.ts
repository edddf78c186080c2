import type { CliCommand } from '../cli-command.js';
import { flagValue, parseFlags } from '../cli-flags.js';
import { callBotApi, refusal } from '../http/bot-api-client.js';
import { wholeNumber } from '../input-values.js';

/** `incident-bot report`: the weekly MTTA/MTTR report from the running bot (read token), as Markdown, CSV or JSON. */
export const reportCliCommand: CliCommand = {
  name: ['report'],
  usage: 'report [--weeks N] [--team <team>] [--csv | --json] [--url <bot address>]',
  summary: 'the weekly MTTA, time to mitigate and MTTR report (default: the last 4 weeks), as Markdown, CSV or JSON, from the running bot',
  async run(args, io) {
    const { values } = parseFlags({ args, options: { weeks: { type: 'string' }, team: { type: 'string' }, csv: { type: 'boolean' }, json: { type: 'boolean' }, url: { type: 'string' } } });
    const weeks = values.weeks === undefined ? 4 : flagValue('--weeks', values.weeks, wholeNumber(1, 104));
    const format = values.json ? 'json' : values.csv ? 'csv' : 'md';
    const query = new URLSearchParams({ weeks: String(weeks), format, ...(values.team ? { team: values.team } : {}) });
    const result = await callBotApi(io, { url: values.url, scope: 'read', method: 'GET', path: `/api/reports/weekly?${query}` });
    if (!result) return 1;
    if (!result.ok) {
      io.err(refusal(result));
      return 1;
    }
    io.out(result.raw.trimEnd());
    return 0;
  },
};

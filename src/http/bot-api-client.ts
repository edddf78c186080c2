import { UsageError, type CliIo } from '../cli-command.js';
import { loadConfig } from '../config.js';
import { storedToken } from './access-tokens.js';
import { botAddress } from './bot-address.js';

export interface ApiAnswer {
  message?: string;
  problems?: { path: string; message: string }[];
  [key: string]: unknown;
}

/**
 * Sends a CLI command's request to the running bot's API: its address (`--url`, else this
 * machine's PORT), the read or write token (the setting, else the one the bot generated into
 * DATA_DIR), and what went wrong said plainly. Returns the response with its body unread (for a
 * command that streams it), or undefined after telling the user why (exit 1).
 */
export async function openBotApi(io: CliIo, request: { url?: string; scope: 'read' | 'write'; method: 'GET' | 'POST'; path: string; body?: unknown }): Promise<Response | undefined> {
  if (request.url !== undefined && !/^https?:\/\//.test(request.url)) throw new UsageError(`--url must be the bot's http(s) address, such as http://localhost:3000 (got ${JSON.stringify(request.url)})`);
  const config = loadConfig(io.env);
  // This machine by default: the generated token is in this machine's DATA_DIR, and PUBLIC_URL
  // may be a proxy that passes only what Slack and Discord need, or unreachable from inside.
  const base = (request.url ?? botAddress(config.PORT)).replace(/\/+$/, '');
  const setting = request.scope === 'write' ? 'API_WRITE_TOKEN' : 'API_TOKEN';
  const token = config[setting] ?? storedToken(setting, config.DATA_DIR);
  if (!token) {
    io.err(`No ${request.scope} token: set ${setting}, or run this where the bot keeps its DATA_DIR (${config.DATA_DIR}), into which it generates ${setting === 'API_TOKEN' ? 'api-token' : 'api-write-token'} on its first start.`);
    return undefined;
  }
  try {
    return await fetch(`${base}${request.path}`, {
      method: request.method,
      headers: { authorization: `Bearer ${token}`, 'user-agent': 'incident-bot-cli', ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    io.err(`Could not reach the bot at ${base} (${cause?.code ?? cause?.message ?? (error as Error).message}). Is it running (npm start)? Set PORT as the bot has it, or give its address with --url (e.g. --url "$PUBLIC_URL").`);
    return undefined;
  }
}

/** Calls the running bot's API (see openBotApi): the parsed answer and the raw body, or undefined after telling the user why. */
export async function callBotApi(io: CliIo, request: { url?: string; scope: 'read' | 'write'; method: 'GET' | 'POST'; path: string; body?: unknown }): Promise<{ ok: boolean; status: number; answer: ApiAnswer; raw: string } | undefined> {
  const response = await openBotApi(io, request);
  if (!response) return undefined;
  const raw = await response.text();
  let answer: ApiAnswer = {};
  try {
    answer = JSON.parse(raw) as ApiAnswer;
  } catch {
    // A proxy's HTML error page, say: shown as it came, cut short.
  }
  return { ok: response.ok, status: response.status, answer, raw };
}

/** The bot's refusal, with each problem on its own line. */
export function refusal(result: { status: number; answer: ApiAnswer; raw: string }): string {
  const problems = (result.answer.problems ?? []).map((problem) => `  ${problem.path}: ${problem.message}`);
  return [`The bot refused (${result.status}): ${result.answer.message ?? result.raw.slice(0, 300)}`, ...problems].join('\n');
}

/**
 * A CLI command's end: exit 1 after saying why the bot could not be asked or refused, else the
 * raw answer (--json) or the lines made of it, exit 0.
 */
export function printAnswer(io: CliIo, result: Awaited<ReturnType<typeof callBotApi>>, json: boolean | undefined, lines: (answer: ApiAnswer) => string[]): number {
  if (!result) return 1;
  if (!result.ok) {
    io.err(refusal(result));
    return 1;
  }
  if (json) io.out(result.raw);
  else for (const line of lines(result.answer)) io.out(line);
  return 0;
}

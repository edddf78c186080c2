/** Discord's error answers: an HTTP status and `{message, code[, errors]}` JSON. */

export interface FieldProblem {
  path: Array<string | number>;
  code: string;
  message: string;
}

export class DiscordError extends Error {
  constructor(
    readonly status: number,
    readonly body: { message: string; code: number; errors?: unknown },
  ) {
    super(body.message);
  }
}

/** Invalid Form Body (50035) with Discord's nested `errors` tree: `{embeds: {0: {title: {_errors: [...]}}}}`. */
export function invalidFormBody(problems: FieldProblem[]): DiscordError {
  const tree: Record<string, unknown> = {};
  for (const problem of problems) {
    let node = tree;
    for (const key of problem.path) node = (node[String(key)] ??= {}) as Record<string, unknown>;
    ((node._errors ??= []) as unknown[]).push({ code: problem.code, message: problem.message });
  }
  return new DiscordError(400, { message: 'Invalid Form Body', code: 50035, errors: tree });
}

const KNOWN: Record<number, { status: number; message: string }> = {
  0: { status: 401, message: '401: Unauthorized' },
  10002: { status: 404, message: 'Unknown Application' },
  10003: { status: 404, message: 'Unknown Channel' },
  10004: { status: 404, message: 'Unknown Guild' },
  10007: { status: 404, message: 'Unknown Member' },
  10008: { status: 404, message: 'Unknown Message' },
  10013: { status: 404, message: 'Unknown User' },
  10015: { status: 404, message: 'Unknown Webhook' },
  10062: { status: 404, message: 'Unknown interaction' },
  30013: { status: 400, message: 'Maximum number of guild channels reached (500)' },
  40005: { status: 413, message: 'Request entity too large' },
  40060: { status: 400, message: 'Interaction has already been acknowledged.' },
  50001: { status: 403, message: 'Missing Access' },
  50005: { status: 403, message: 'Cannot edit a message authored by another user' },
  50006: { status: 400, message: 'Cannot send an empty message' },
  50007: { status: 403, message: 'Cannot send messages to this user' },
  50013: { status: 403, message: 'Missing Permissions' },
  50033: { status: 400, message: 'Invalid Recipient(s)' },
};

/** The error Discord answers with for a JSON error code, e.g. `discordError(50001)` is 403 Missing Access. */
export function discordError(code: number, override: { status?: number; message?: string } = {}): DiscordError {
  const known = KNOWN[code] ?? { status: 400, message: `Error ${code}` };
  return new DiscordError(override.status ?? known.status, { message: override.message ?? known.message, code });
}

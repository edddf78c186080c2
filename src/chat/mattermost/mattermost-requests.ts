import { createHmac, timingSafeEqual } from 'node:crypto';

/** Whether `given` is one of `tokens`, compared in constant time. */
export function isOneOf(given: string, tokens: readonly string[]): boolean {
  const candidate = Buffer.from(given);
  let found = false;
  for (const token of tokens) {
    const expected = Buffer.from(token);
    if (expected.length === candidate.length && timingSafeEqual(expected, candidate)) found = true;
  }
  return found;
}

/** The token Mattermost sends with a slash command: "Authorization: Token <token>". */
export function commandTokenOf(authorization: string | undefined): string | undefined {
  const match = /^Token ([A-Za-z0-9]{1,64})$/.exec(authorization ?? '');
  return match?.[1];
}

/**
 * The key that signs the bot's buttons and that the click URL carries. Mattermost does not sign
 * the requests it sends for a click, but it never shows a button's URL or context to users: a
 * request with this key came from the server, for a button the bot posted.
 */
export function actionKeyOf(botToken: string): Buffer {
  return createHmac('sha256', botToken).update('incident-bot mattermost actions').digest();
}

export function actionUrlKey(key: Buffer): string {
  return createHmac('sha256', key).update('url').digest('base64url');
}

/** A slash command as Mattermost posts it (application/x-www-form-urlencoded). */
export interface MattermostCommandRequest {
  command: string;
  text: string;
  user_id: string;
  user_name?: string;
  channel_id: string;
  team_id: string;
  trigger_id?: string;
}

export function parseCommandRequest(raw: string): MattermostCommandRequest | undefined {
  const form = new URLSearchParams(raw);
  const field = (name: string) => form.get(name) ?? undefined;
  const command = field('command');
  const userId = field('user_id');
  const channelId = field('channel_id');
  if (!command || !userId || !channelId) return undefined;
  return { command, text: field('text') ?? '', user_id: userId, user_name: field('user_name'), channel_id: channelId, team_id: field('team_id') ?? '', trigger_id: field('trigger_id') };
}

/** A click on an interactive button as Mattermost posts it (JSON). */
export interface MattermostActionRequest {
  user_id: string;
  user_name?: string;
  channel_id: string;
  team_id?: string;
  post_id: string;
  trigger_id?: string;
  context: unknown;
}

export function parseActionRequest(raw: string): MattermostActionRequest | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const text = (name: string) => (typeof body?.[name] === 'string' ? (body[name] as string) : undefined);
  const userId = text('user_id');
  const channelId = text('channel_id');
  const postId = text('post_id');
  if (!userId || !channelId || !postId) return undefined;
  return { user_id: userId, user_name: text('user_name'), channel_id: channelId, team_id: text('team_id'), post_id: postId, trigger_id: text('trigger_id'), context: body.context };
}

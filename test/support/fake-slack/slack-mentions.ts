/**
 * Who a message notifies, read the way Slack reads it: <@U…> (with or without |label),
 * <!channel>, <!here>, <!everyone> and <!subteam^S…> in the top-level text and in every mrkdwn
 * text object of the blocks, and the user, broadcast and usergroup elements of rich text.
 * plain_text objects are shown as written and notify nobody; &lt;!channel&gt; is text. With
 * link_names (or parse=full) Slack also turns a bare @channel, @here or @everyone into one.
 */

export interface SlackNotifications {
  users: string[];
  /** channel, here, everyone */
  broadcasts: string[];
  userGroups: string[];
}

const USER = /<@([A-Z0-9]+)(?:\|[^<>]*)?>/g;
const BROADCAST = /<!(channel|here|everyone)(?:\|[^<>]*)?>/g;
const USER_GROUP = /<!subteam\^([A-Za-z0-9]+)(?:\|[^<>]*)?>/g;
const BARE_BROADCAST = /(?<![\w<!])@(channel|here|everyone)\b/g;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Found {
  readonly users = new Set<string>();
  readonly broadcasts = new Set<string>();
  readonly userGroups = new Set<string>();

  text(text: string, linkNames: boolean): void {
    for (const match of text.matchAll(USER)) this.users.add(match[1]!);
    for (const match of text.matchAll(BROADCAST)) this.broadcasts.add(match[1]!);
    for (const match of text.matchAll(USER_GROUP)) this.userGroups.add(match[1]!);
    if (linkNames) for (const match of text.matchAll(BARE_BROADCAST)) this.broadcasts.add(match[1]!);
  }

  blocks(node: unknown, linkNames: boolean): void {
    if (Array.isArray(node)) return node.forEach((child) => this.blocks(child, linkNames));
    if (!isObject(node)) return;
    if (node.type === 'mrkdwn' && typeof node.text === 'string') this.text(node.text, linkNames);
    if (node.type === 'user' && typeof node.user_id === 'string') this.users.add(node.user_id);
    if (node.type === 'broadcast' && typeof node.range === 'string') this.broadcasts.add(node.range);
    if (node.type === 'usergroup' && typeof node.usergroup_id === 'string') this.userGroups.add(node.usergroup_id);
    for (const [key, value] of Object.entries(node)) if (key !== 'text' || typeof value !== 'string') this.blocks(value, linkNames);
  }

  result(): SlackNotifications {
    return { users: [...this.users].sort(), broadcasts: [...this.broadcasts].sort(), userGroups: [...this.userGroups].sort() };
  }
}

/** What Slack notifies for a message body (chat.postMessage, chat.update, a response_url post, a file comment). */
export function slackNotifications(message: { text?: unknown; blocks?: unknown; link_names?: unknown; parse?: unknown }): SlackNotifications {
  const linkNames = message.link_names === true || message.link_names === 'true' || message.link_names === 1 || message.link_names === '1' || message.parse === 'full';
  const found = new Found();
  if (typeof message.text === 'string') found.text(message.text, linkNames);
  found.blocks(message.blocks, linkNames);
  return found.result();
}

/** What Slack notifies for a text shown as message text: a channel topic or purpose, a file comment. */
export function slackTextNotifications(text: string): SlackNotifications {
  const found = new Found();
  found.text(text, false);
  return found.result();
}

import type { UserRef } from './parsed-command.js';

// Slack: <@U123> or <@U123|name> (with "escape users" on); Discord: <@123> or the legacy <@!123>;
// Teams (as its adapter writes them): <@entra-object-id|Name>.
const MENTION = /^<@!?([A-Za-z0-9-]{1,64})(?:\|([^>]*))?>$/;

/** The user a mention names; undefined when the text is not one mention. */
export function parseUserMention(text: string): UserRef | undefined {
  const match = MENTION.exec(text.trim());
  if (!match) return undefined;
  const name = match[2]?.trim();
  return name ? { platformId: match[1]!, name } : { platformId: match[1]! };
}

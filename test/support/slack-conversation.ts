import { eventually } from './eventually.js';
import type { FakeSlack } from './fake-slack/index.js';

/**
 * People talking to the bot through the Slack stand-in: slash commands and button clicks answered
 * on their response URLs, and what landed in a channel or someone's DMs (each message as JSON).
 */
/** Both are getters: the stand-in and the bot start after the test file is read. */
export function slackConversation(slack: () => FakeSlack, botUrl: () => string) {
  const requests = () => slack().requestsTo(`${botUrl()}/slack/events`);
  return {
    async command(command: '/incident' | '/oncall', text: string, user: string): Promise<string> {
      const sent = await requests().slashCommand({ command, text, user_id: user });
      return JSON.stringify((await eventually(`the answer to ${command} ${text}`, () => slack().state.responses.find((r) => r.url === sent.response_url))).body);
    },
    async click(action: string, value: string, user: string): Promise<string> {
      const sent = await requests().blockAction({ action_id: action, value, user_id: user });
      return JSON.stringify((await eventually(`the answer to ${action}`, () => slack().state.responses.find((r) => r.url === sent.response_url))).body);
    },
    dms: (user: string) => slack().state.channels.filter((c) => c.is_im && c.members.includes(user)).flatMap((c) => slack().state.messages(c.id).map((m) => JSON.stringify(m.blocks ?? m.text))),
    channel: (name: string) => slack().state.messages(name).map((m) => JSON.stringify(m.blocks ?? m.text)),
  };
}

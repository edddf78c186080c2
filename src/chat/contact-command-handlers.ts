import { CHAT_PLATFORMS, PLATFORM_DISPLAY_NAME, chatIdOf, hasChatIdentity } from './chat-identity.js';
import type { Database } from '../db/database.js';
import { enqueueJobs } from '../engine/job-store.js';
import { AppError } from '../errors.js';
import type { OncallConfig, PersonConfig } from '../oncall/oncall-config.js';
import { defaultRules, type ContactVia } from '../paging/contact-methods.js';
import { confirmVerificationCode, verificationStates } from '../paging/contact-verification.js';
import { requestVerifications, VERIFIABLE_VIAS, type VerifiableVia } from '../paging/contact-verification-requests.js';
import { addressOf, verifiedMethods, writeNotifications, type PlannedContact } from '../paging/page-notifications.js';
import { writePage } from '../delivery/page-request.js';
import { systemClock, type Clock } from '../time/clock.js';
import { formatDuration } from '../time/duration.js';
import type { CommandContext, CommandHandlers, CommandReply } from './commands/command-dispatch.js';
import type { PeopleDirectory } from './people-directory.js';

type ContactHandlers = Pick<CommandHandlers, 'oncall.contact' | 'oncall.verify' | 'oncall.test-page'>;

export interface ContactCommandDeps {
  database: Database;
  oncall: () => OncallConfig;
  people: PeopleDirectory;
  /** Whether a provider for the method is configured (SMTP_URL for email, ...). */
  canSend(via: VerifiableVia): boolean;
  onCommitted?: () => void;
  clock?: Clock;
}

const privately = (title: string, lines: string[]): CommandReply => ({ visibility: 'ephemeral', message: { summary: title, title, sections: [{ text: lines.join('\n') }] } });
const rules = (steps: { via: ContactVia; afterMs: number }[]) => steps.map((s) => `${s.via}${s.afterMs ? ` +${formatDuration(s.afterMs)}` : ''}`).join(', ') || 'nothing';

/** `/oncall contact` and `/oncall verify`: a person's own contact methods, answered to them alone. */
export function contactCommandHandlers(deps: ContactCommandDeps): ContactHandlers {
  const listed = (person: { id: number; name: string; handle: string | null }, whose: string): { id: number; name: string; config: PersonConfig } => {
    const config = person.handle ? deps.oncall().people[person.handle] : undefined;
    if (!config) throw new AppError('not_found', `${person.name} is not listed in oncall.yaml: contact methods are set there, under people, with ${whose} chat id.`);
    return { id: person.id, name: person.name, config };
  };
  const whoAsks = async (ctx: CommandContext) => listed((await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name)).person, 'your');

  return {
    async 'oncall.contact'(_command, ctx) {
      const { id, config } = await whoAsks(ctx);
      const states = await verificationStates(deps.database.sql, id);
      const lines = [`chat: ${CHAT_PLATFORMS.filter((platform) => chatIdOf(config, platform)).map((platform) => PLATFORM_DISPLAY_NAME[platform]).join(' and ') || 'no chat id in oncall.yaml'}`];
      for (const via of VERIFIABLE_VIAS) {
        const address = addressOf(config, via);
        if (!address) continue;
        const state = states.find((s) => s.via === via && s.address === address);
        const status = state?.verifiedAt ? 'verified' : state?.codePending ? 'test sent, waiting for its code' : 'not verified: `/oncall verify` sends a test';
        lines.push(`${via}: ${address} (${status}${deps.canSend(via) ? '' : '; no provider is configured for it yet'})`);
      }
      const fallback = defaultRules(config);
      lines.push('', `High urgency: ${rules(config.notify?.high ?? fallback.high)}${config.notify?.high ? '' : ' (default)'}`);
      lines.push(`Low urgency: ${rules(config.notify?.low ?? fallback.low)}${config.notify?.low ? '' : ' (default)'}${config.quietHours ? `, held ${config.quietHours.from}-${config.quietHours.to} (${config.timeZone})` : ''}`);
      return privately('Your contact methods for pages', lines);
    },

    async 'oncall.verify'(command, ctx) {
      const { id, config } = await whoAsks(ctx);
      if (command.code !== undefined) {
        const confirmed = await deps.database.transaction((tx) => confirmVerificationCode(tx, id, command.code!));
        if (!confirmed) throw new AppError('bad_request', 'That code is not one the bot sent you, or it expired (codes work for 30 minutes). `/oncall verify` sends new ones.');
        return { ...privately('Verified', [`Pages can now reach you by ${confirmed.via} at ${confirmed.address}.`]), audit: { via: confirmed.via } };
      }
      const request = await requestVerifications(deps.database, { id, config }, deps.canSend);
      const lines = [...request.sent.map((t) => `${t.via}: a test with a code is on its way to ${t.address}`), ...request.notTestable.map((n) => `${n.via}: ${n.why}`)];
      if (request.sent.length) {
        deps.onCommitted?.();
        lines.push('', 'Type `/oncall verify <code>` with the code it carries (or open the link in the email).');
      }
      if (lines.length === 0) lines.push(`Nothing to verify: every contact method oncall.yaml gives you is verified. More go under people.${config.key}: email, phone (SMS and calls), ntfy_topic (push), webhook.`);
      return privately('Verifying your contact methods', lines);
    },

    async 'oncall.test-page'(command, ctx) {
      const asker = await whoAsks(ctx);
      let target = asker;
      if (command.user) {
        target = listed(await deps.people.personFor(ctx.platform, command.user.platformId, command.user.name), 'their');
        if (target.id !== asker.id && !asker.config.roles.includes('admin')) throw new AppError('forbidden', `Only admins may send a test page to someone else; ${asker.name} is not one in oncall.yaml. \`/oncall test-page\` tests your own methods.`);
      }
      const lines: string[] = [];
      const sent = await deps.database.transaction(async (tx) => {
        const verified = await verifiedMethods(tx, target.id, target.config);
        const now = (deps.clock ?? systemClock).now();
        const contacts: PlannedContact[] = [];
        for (const via of VERIFIABLE_VIAS) {
          const address = addressOf(target.config, via);
          if (!address) continue;
          if (!verified.has(via)) lines.push(`${via}: not verified, so not tested (\`/oncall verify\`)`);
          else if (!deps.canSend(via)) lines.push(`${via}: no provider is configured for it yet`);
          else contacts.push({ via, address, at: now });
        }
        const { pageId, delivery } = await writePage(tx, { personId: target.id, message: `Test page from ${asker.name}. Nothing is wrong; this checks that pages reach ${target.name}.` });
        await enqueueJobs(tx, [delivery, ...(await writeNotifications(tx, pageId, contacts, now))]);
        return contacts;
      });
      deps.onCommitted?.();
      lines.unshift(`chat: a direct message${hasChatIdentity(target.config) ? '' : ' (no chat id in oncall.yaml: it will fail)'}`, ...sent.map((c) => `${c.via}: sent to ${c.address}`));
      return privately(`Test page to ${target.name}`, lines);
    },
  };
}

import type { CommandHandlers } from '../chat/commands/command-dispatch.js';
import type { PeopleDirectory } from '../chat/people-directory.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { createActionToken } from '../paging/action-tokens.js';

/** How long the link `/incident web` sends stays usable. */
export const WEB_LINK_VALID_MS = 10 * 60 * 1000;

/**
 * `/incident web`: a one-time sign-in link to the console, for teams without an identity
 * provider. Answered only to the asker; the token is stored hashed, used once, and never
 * written to the audit trail or the timeline.
 */
export function webLinkCommandHandler(deps: { database: Database; oncall: () => OncallConfig; people: PeopleDirectory; publicUrl: () => string }): Pick<CommandHandlers, 'incident.web'> {
  return {
    async 'incident.web'(_command, ctx) {
      const { person } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
      if (!person.handle || !deps.oncall().people[person.handle]) {
        throw new AppError('forbidden', `${person.name} is not listed in oncall.yaml (under people:, with their chat id): the console is for the people listed there.`);
      }
      const token = await deps.database.transaction((tx) => createActionToken(tx, { purpose: 'web', personId: person.id, pageId: null, via: ctx.platform, address: null, validForMs: WEB_LINK_VALID_MS }));
      const url = new URL(`/ui/link/${token}`, deps.publicUrl()).toString();
      return {
        visibility: 'ephemeral',
        message: {
          summary: 'Your sign-in link to the incident console',
          title: 'Your sign-in link to the incident console',
          sections: [{ text: `${url}\n_Valid for 10 minutes, once. Anyone with this link signs in as you: do not share it._` }],
        },
      };
    },
  };
}

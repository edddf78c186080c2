import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { MAINTENANCE_USAGE, parseMaintenanceCommand } from '../maintenance/maintenance-command.js';
import { endWindowNow, findWindow, listWindows, openWindow } from '../maintenance/maintenance-store.js';
import { describeMatcher, describeStart, describeWindow, mayManageWindow, ownerTeamOf } from '../maintenance/maintenance-window.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { systemClock, type Clock } from '../time/clock.js';
import type { CommandContext, CommandHandlers, CommandReply } from './commands/command-dispatch.js';
import type { PeopleDirectory } from './people-directory.js';

export interface MaintenanceCommandDeps {
  database: Database;
  oncall: () => OncallConfig;
  people: PeopleDirectory;
  onCommitted?: () => void;
  /** A window was opened or ended: alert intake reads the running windows again. */
  onWindowsChanged?: () => void;
  clock?: Clock;
}

const message = (visibility: CommandReply['visibility'], title: string, lines: string[]): CommandReply => ({ visibility, message: { summary: title, title, sections: [{ text: lines.join('\n') || '—' }] } });

/** `/incident maintenance start|list|end`: planned work, opened by the owning team's members or admins. */
export function maintenanceCommandHandlers(deps: MaintenanceCommandDeps): Pick<CommandHandlers, 'incident.maintenance'> {
  const clock = deps.clock ?? systemClock;
  const allowed = async (ctx: CommandContext, ownerTeam: string | undefined) => {
    const { person } = await deps.people.actorFor(ctx.platform, ctx.actor.platformId, ctx.actor.name);
    const decision = mayManageWindow(person, ownerTeam, deps.oncall());
    if (!decision.allowed) throw new AppError('forbidden', decision.reason);
    return person;
  };

  return {
    async 'incident.maintenance'(command, ctx) {
      const config = deps.oncall();
      const now = clock.now();
      const parsed = parseMaintenanceCommand(command.text, config, ctx.timeZone, now);
      if ('error' in parsed) throw new AppError('bad_request', `${parsed.error}. Usage: /incident maintenance ${MAINTENANCE_USAGE}`);
      if (parsed.action === 'list') {
        const windows = await listWindows(deps.database.sql, now);
        return message('ephemeral', `Maintenance windows (times in ${ctx.timeZone})`, windows.length ? windows.map((w) => `${describeWindow(w, ctx.timeZone, now)} · held ${w.held} alert(s)`) : ['None running or planned.']);
      }
      if (parsed.action === 'end') {
        const window = await findWindow(deps.database.sql, parsed.id);
        if (!window) throw new AppError('not_found', `No maintenance window #${parsed.id}; \`/incident maintenance list\` shows them`);
        await allowed(ctx, window.teamKey ?? undefined);
        if (!(await endWindowNow(deps.database, parsed.id, now))) throw new AppError('conflict', `Maintenance #${parsed.id} is already over`);
        deps.onWindowsChanged?.();
        deps.onCommitted?.();
        if (window.startsAt > now) return message('in_channel', `Maintenance #${parsed.id} cancelled`, [`${describeMatcher(window.matcher)}: it was planned from ${describeStart(window, ctx.timeZone)} and will not run.`]);
        return message('in_channel', `Maintenance #${parsed.id} ended early`, [`${describeMatcher(window.matcher)}: alerts still firing open their incidents now.`]);
      }
      const teamKey = ownerTeamOf(parsed.matcher, config) ?? null;
      const person = await allowed(ctx, teamKey ?? undefined);
      const id = await deps.database.transaction((tx) =>
        openWindow(tx, { ...parsed, teamKey, createdById: person.id, createdByName: person.name, origin: 'chat' }, now),
      );
      deps.onWindowsChanged?.();
      deps.onCommitted?.();
      const window = (await findWindow(deps.database.sql, id!))!;
      return {
        ...message('in_channel', `Maintenance #${id} ${window.startsAt > now ? 'planned' : 'started'}`, [
          describeWindow(window, ctx.timeZone, now),
          'Matching alerts are recorded but open no incident and page nobody; those still firing when it ends open their incidents then.',
        ]),
        audit: { window: id, startsAt: window.startsAt.toISOString(), endsAt: window.endsAt.toISOString(), matcher: window.matcher },
      };
    },
  };
}

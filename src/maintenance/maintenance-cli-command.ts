import { UsageError, type CliCommand, type CliIo } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { callBotApi, refusal } from '../http/bot-api-client.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { systemClock, type Clock } from '../time/clock.js';
import { formatDuration } from '../time/duration.js';
import { MAINTENANCE_USAGE, parseMaintenanceCommand } from './maintenance-command.js';
import { describeWindow, type MaintenanceWindow } from './maintenance-window.js';

interface WindowView {
  id: number;
  matcher: MaintenanceWindow['matcher'];
  team: string | null;
  startsAt: string;
  endsAt: string;
  /** Absent from a bot older than this CLI. */
  endedAt?: string | null;
  reason: string;
  createdBy: string;
  origin: string;
  held?: number;
}

const windowOf = (view: WindowView): MaintenanceWindow => ({
  id: view.id, matcher: view.matcher, teamKey: view.team, startsAt: new Date(view.startsAt), endsAt: new Date(view.endsAt), endedAt: view.endedAt ? new Date(view.endedAt) : null, reason: view.reason, createdByName: view.createdBy, origin: view.origin,
});

/**
 * `incident-bot maintenance list|start|end`: the chat command's words, through the running bot's
 * API (read token to list, write token to open or end). A time given with `at` is read in this
 * machine's zone.
 */
export function maintenanceCliCommand(loadOncall: (io: CliIo) => Promise<OncallConfig>, clock: Clock = systemClock): CliCommand {
  return {
    name: ['maintenance'],
    usage: `maintenance ${MAINTENANCE_USAGE} [--url <bot address>] [--json]`,
    summary: 'list, open or end maintenance windows through the running bot (matching alerts open no incident and page nobody)',
    async run(args, io) {
      const { values, positionals } = parseFlags({ args, allowPositionals: true, options: { url: { type: 'string' }, json: { type: 'boolean' } } });
      const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      const now = clock.now();
      const parsed = parseMaintenanceCommand(positionals.join(' '), await loadOncall(io), zone, now);
      if ('error' in parsed) throw new UsageError(parsed.error);
      const result =
        parsed.action === 'list'
          ? await callBotApi(io, { url: values.url, scope: 'read', method: 'GET', path: '/api/maintenance' })
          : parsed.action === 'end'
            ? await callBotApi(io, { url: values.url, scope: 'write', method: 'POST', path: `/api/maintenance/${parsed.id}/end` })
            : await callBotApi(io, {
                url: values.url,
                scope: 'write',
                method: 'POST',
                path: '/api/maintenance',
                body: { ...parsed.matcher, startsAt: parsed.startsAt.toISOString(), duration: formatDuration(parsed.endsAt.getTime() - parsed.startsAt.getTime()).replace(/\s+/g, ''), reason: parsed.reason },
              });
      if (!result) return 1;
      if (!result.ok) {
        io.err(refusal(result));
        return 1;
      }
      if (values.json) {
        io.out(result.raw);
        return 0;
      }
      const windows = (result.answer.windows ?? [result.answer.window]) as (WindowView | undefined)[];
      // Described as of the answer, by the bot's clock: a window just ended ended after this
      // command began, and this machine's clock may run behind the bot's.
      const asOf = typeof result.answer.asOf === 'string' ? new Date(result.answer.asOf) : undefined;
      const answeredAt = asOf && !Number.isNaN(asOf.getTime()) ? asOf : clock.now();
      const lines = windows.filter((w): w is WindowView => Boolean(w)).map((w) => `${describeWindow(windowOf(w), zone, answeredAt)}${w.held !== undefined ? ` · held ${w.held} alert(s)` : ''}`);
      for (const line of lines.length ? lines : ['No maintenance windows running or planned.']) io.out(line);
      return 0;
    },
  };
}

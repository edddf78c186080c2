import type { PrismaClient } from '../db/database.js';
import { AppError } from '../errors.js';
import type { RouteModule } from '../http/server.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { allOverridesBetween } from '../oncall/stored-overrides.js';
import type { Clock } from '../time/clock.js';
import { CALENDAR_DAYS, calendarFeed } from './calendar-feed.js';
import { feedByToken } from './calendar-store.js';

const NOT_FOUND = 'No calendar at this address: it was reset, or never was. Ask for the current one with /oncall calendar.';

/** GET /calendar/<token>.ics: the token in the path is the only credential (calendar apps send no headers), and the request has no body. */
export function calendarRoutes(deps: { prisma: PrismaClient; oncall: () => OncallConfig; clock: Clock; publicUrl: () => string }): RouteModule {
  return (app) => {
    app.get<{ Params: { file: string } }>('/calendar/:file', async (request, reply) => {
      const match = /^([A-Za-z0-9_-]{1,64})\.ics$/.exec(request.params.file);
      const subject = match ? await feedByToken(deps.prisma, match[1]!) : undefined;
      const config = deps.oncall();
      const known = subject && (subject.kind === 'person' ? config.people[subject.handle] : config.schedules[subject.key]);
      if (!subject || !known) throw new AppError('not_found', NOT_FOUND);
      const now = deps.clock.now();
      const overrides = await allOverridesBetween(deps.prisma, config, new Date(now.getTime() - 31 * 86_400_000), new Date(now.getTime() + CALENDAR_DAYS * 86_400_000));
      return reply
        .type('text/calendar; charset=utf-8')
        .header('Cache-Control', 'private, max-age=300')
        .header('Content-Disposition', 'inline; filename="oncall.ics"')
        .send(calendarFeed(config, subject, overrides, now, deps.publicUrl()));
    });
  };
}

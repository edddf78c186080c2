import { botAddress } from '../http/bot-address.js';
import type { AuditLog } from '../access/audit-log.js';
import { TokenBuckets } from '../abuse/token-buckets.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { commandReplies } from '../delivery/command-replies.js';
import type { Delivery } from '../delivery/delivery.js';
import type { IncidentService } from '../incidents/incident-service.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import { formatPlaybookProblem } from '../playbooks/playbook-file.js';
import type { PlaybookLibrary } from '../playbooks/playbook-library.js';
import type { PlaybookRunner } from '../playbooks/playbook-runner.js';
import type { NeutralMessage } from './neutral-message.js';
import { CommandGateway } from './commands/command-gateway.js';
import { contactCommandHandlers } from './contact-command-handlers.js';
import { maintenanceCommandHandlers } from './maintenance-command-handlers.js';
import { incidentCommandHandlers } from './incident-command-handlers.js';
import { oncallCommandHandlers } from './oncall-command-handlers.js';
import { webLinkCommandHandler } from '../web/web-link-command.js';
import type { PeopleDirectory } from './people-directory.js';
import type { Clock } from '../time/clock.js';

/** Every slash command and button, behind one gateway (permissions, rate limit, audit) that each chat adapter feeds. */
export function chatCommands(deps: {
  config: Config;
  database: Database;
  log: Logger;
  audit: AuditLog;
  people: PeopleDirectory;
  oncall: () => OncallConfig;
  incidents: IncidentService;
  onCommitted: () => void;
  delivery: Delivery;
  stepCard(incidentId: number): Promise<NeutralMessage | undefined>;
  runner: PlaybookRunner;
  playbooks: PlaybookLibrary;
  clock: Clock;
  onWindowsChanged?: () => void;
}): CommandGateway {
  const { config, database, log, audit, people, oncall, incidents, onCommitted, runner, playbooks } = deps;
  return new CommandGateway({
    handlers: {
      ...oncallCommandHandlers({ database, oncall, people, onCommitted, clock: deps.clock, publicUrl: () => botAddress(config.PORT, config.PUBLIC_URL), delivery: deps.delivery, incidentsChannel: config.INCIDENTS_CHANNEL, coverTimeoutMs: config.COVER_TIMEOUT }),
      ...contactCommandHandlers({ database, oncall, people, onCommitted, canSend: (via) => Boolean(deps.delivery.contact(via)), clock: deps.clock }),
      ...maintenanceCommandHandlers({ database, oncall, people, onCommitted, onWindowsChanged: deps.onWindowsChanged, clock: deps.clock }),
      ...webLinkCommandHandler({ database, oncall, people, publicUrl: () => botAddress(config.PORT, config.PUBLIC_URL) }),
      ...incidentCommandHandlers({
        prisma: database.prisma,
        database,
        reportTimeZone: config.REPORT_TIMEZONE,
        changeWindowMs: config.CHANGE_EVENT_WINDOW,
        clock: deps.clock,
        incidents,
        people,
        oncall,
        playbooks: { card: deps.stepCard, act: (id, action, actor, expected) => runner.act(id, action, actor, expected) },
        brokenPlaybooks: () => playbooks.problems().map(formatPlaybookProblem),
        ...commandReplies(deps.delivery, log),
      }),
    },
    prisma: database.prisma,
    people,
    oncall,
    audit,
    log,
    clock: deps.clock,
    limiter: config.COMMAND_RATE_LIMIT === 'off' ? undefined : new TokenBuckets(config.COMMAND_RATE_LIMIT),
  });
}

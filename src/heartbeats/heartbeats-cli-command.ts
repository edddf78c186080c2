import type { CliCommand, CliIo } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import type { OncallConfig } from '../oncall/oncall-config.js';
import type { ReadHeartbeats } from '../oncall/oncall-cli-stored-reads.js';
import { systemClock, type Clock } from '../time/clock.js';
import { describeHeartbeats } from './heartbeat-list.js';
import { heartbeatJson } from './heartbeat-routes.js';

/** `incident-bot heartbeats`: each heartbeat oncall.yaml declares, its last beat and whether it is missed. */
export function heartbeatsCliCommand(loadOncall: (io: CliIo) => Promise<OncallConfig>, read: ReadHeartbeats, clock: Clock = systemClock): CliCommand {
  return {
    name: ['heartbeats'],
    usage: 'heartbeats [--json]',
    summary: 'each heartbeat in oncall.yaml: its last beat, and whether it is missed',
    async run(args, io) {
      const { values } = parseFlags({ args, options: { json: { type: 'boolean' } } });
      const config = await loadOncall(io);
      const stored = await read(io, config);
      if (!stored.value) {
        io.err(`Note: ${stored.notIncluded}`);
        return 1;
      }
      if (values.json) {
        io.out(JSON.stringify({ heartbeats: stored.value.map(heartbeatJson) }, null, 2));
        return 0;
      }
      for (const line of describeHeartbeats(stored.value, clock.now())) io.out(line);
      return 0;
    },
  };
}

import { DateTime } from 'luxon';
import { UsageError, type CliCommand, type CliIo } from '../cli-command.js';
import { parseFlags } from '../cli-flags.js';
import { resolveWhen } from '../chat/commands/resolve-when.js';
import { callBotApi, printAnswer } from '../http/bot-api-client.js';
import { systemClock, type Clock } from '../time/clock.js';

interface OverrideJson {
  id: number | null;
  origin: string;
  scheduleName: string;
  person: string;
  personName: string;
  startsAt: string;
  endsAt: string;
  reason: string | null;
  createdBy: string | null;
}

function describe(o: OverrideJson, zone: string): string {
  const at = (iso: string) => DateTime.fromISO(iso).setZone(zone).toFormat('yyyy-MM-dd HH:mm');
  const id = o.id === null ? 'oncall.yaml' : `#${o.id}`;
  return `${id}  ${o.scheduleName}: ${o.personName} from ${at(o.startsAt)} to ${at(o.endsAt)}${o.reason ? ` (${o.reason})` : ''}${o.createdBy ? `, set by ${o.createdBy}` : ''}`;
}

const FLAGS = { url: { type: 'string' as const }, json: { type: 'boolean' as const } };

/**
 * `incident-bot oncall overrides [team]`, `oncall override add|remove`: the overrides through the
 * running bot's API (read token to list, write token to change, audited there). Times are read in
 * this machine's zone unless they carry their own offset.
 */
export function overrideCliCommands(clock: Clock = systemClock): CliCommand[] {
  const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;
  return [
    {
      name: ['oncall', 'overrides'],
      usage: 'oncall overrides [team] [--url <bot address>] [--json]',
      summary: 'current and coming overrides (set from chat, the API or the CLI, and planned leave in oncall.yaml), with their ids',
      async run(args, io) {
        const { values, positionals } = parseFlags({ args, allowPositionals: true, options: FLAGS });
        if (positionals.length > 1) throw new UsageError('Give at most one team');
        const query = positionals[0] ? `?team=${encodeURIComponent(positionals[0])}` : '';
        const result = await callBotApi(io, { url: values.url, scope: 'read', method: 'GET', path: `/api/overrides${query}` });
        return printAnswer(io, result, values.json, (a) => {
          const list = (a.overrides as OverrideJson[]).map((o) => describe(o, zone()));
          return list.length ? [`Times in ${zone()}:`, ...list] : ['No overrides now or coming.'];
        });
      },
    },
    {
      name: ['oncall', 'override'],
      usage: 'oncall override add <team|schedule> <person> <from> <to> [reason] | remove <id> [--url <bot address>] [--json]',
      summary: 'set an override (someone else on call for a stretch) or remove one, through the running bot',
      async run(args, io) {
        const { values, positionals } = parseFlags({ args, allowPositionals: true, options: FLAGS });
        const [action, ...rest] = positionals;
        if (action === 'remove') {
          if (rest.length !== 1 || !/^#?\d{1,9}$/.test(rest[0]!)) throw new UsageError('Give the id of the override to remove (as `oncall overrides` lists it)');
          const result = await callBotApi(io, { url: values.url, scope: 'write', method: 'POST', path: `/api/overrides/${rest[0]!.replace('#', '')}/remove` });
          return printAnswer(io, result, values.json, (a) => [`Removed ${describe(a.removed as OverrideJson, zone())}`]);
        }
        if (action !== 'add') throw new UsageError('Say add or remove');
        const [target, person, fromText, toText, ...reason] = rest;
        if (!target || !person || !fromText || !toText) throw new UsageError('add needs the team (or schedule), the person (as in oncall.yaml), from and to');
        const now = clock.now();
        const from = resolveWhen(fromText, zone(), now);
        const to = resolveWhen(toText, zone(), now);
        if (!from.ok) throw new UsageError(`from: ${from.message}`);
        if (!to.ok) throw new UsageError(`to: ${to.message}`);
        const result = await callBotApi(io, {
          url: values.url,
          scope: 'write',
          method: 'POST',
          path: '/api/overrides',
          body: { team: target, person, from: from.zoned.toISO(), to: to.zoned.toISO(), ...(reason.length ? { reason: reason.join(' ') } : {}) },
        });
        return printAnswer(io, result, values.json, (a) => [`Set ${describe(a.override as OverrideJson, zone())}`, ...(typeof a.warning === 'string' ? [`Note: ${a.warning}.`] : [])]);
      },
    },
  ];
}

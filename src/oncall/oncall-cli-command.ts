import { DateTime } from 'luxon';
import { UsageError, type CliCommand, type CliIo } from '../cli-command.js';
import { flagValue, parseFlags } from '../cli-flags.js';
import { isAppError } from '../errors.js';
import { wholeNumber } from '../input-values.js';
import { readInstant } from '../time/instant.js';
import type { OncallConfig } from './oncall-config.js';
import type { ReadOverrides, ReadVerified } from './oncall-cli-stored-reads.js';
import { shiftsBetween } from './on-call-at.js';
import { plannedOverlapping } from './stored-overrides.js';
import { findGaps, ONCALL_HORIZON_MS, onCallNow, policyFor, previewEscalation, schedulesFor } from './oncall-queries.js';
import { systemClock } from '../time/clock.js';
import { CONTACT_VIAS, urgencyOf } from '../paging/contact-methods.js';
import { describePlan, planNotifications } from '../paging/notification-plan.js';

type LoadOncall = (io: CliIo) => Promise<OncallConfig>;

function instant(text: string | undefined, flag: string): Date {
  if (text === undefined) return systemClock.now();
  // A time without an offset is read in the zone of the machine the CLI runs on.
  return flagValue(flag, text, (typed) => readInstant(typed, 'system'));
}

/** The longest stretch `oncall gaps` and `oncall shifts` look through. */
const MAX_SPAN_DAYS = 366;

function both(date: Date, zone: string): string {
  const local = DateTime.fromJSDate(date, { zone });
  // The zone's name (ICU's short names are "GMT+1" for most of the world); UTC once.
  if (local.offset === 0 && /^(UTC|Etc\/UTC|GMT|Etc\/GMT)$/i.test(zone)) return `${local.toFormat('ccc yyyy-MM-dd HH:mm')} UTC`;
  return `${local.toFormat('ccc yyyy-MM-dd HH:mm')} ${zone} (${DateTime.fromJSDate(date, { zone: 'UTC' }).toFormat("HH:mm 'UTC'")})`;
}

/** Runs a command body, turning the bot's own errors (unknown team, bad time) into a message and exit 1. */
function guarded(run: (args: string[], io: CliIo) => Promise<number>): (args: string[], io: CliIo) => Promise<number> {
  return async (args, io) => {
    try {
      return await run(args, io);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      if (isAppError(error) || (error instanceof Error && /must be/.test(error.message))) {
        io.err(error.message);
        return 1;
      }
      throw error;
    }
  };
}

/**
 * `incident-bot oncall who|shifts|gaps|preview`: answers from oncall.yaml and the overrides set
 * from chat, as chat answers, for scripts (--json) and people.
 */
export function oncallCliCommands(loadOncall: LoadOncall, readOverrides: ReadOverrides, readVerified: ReadVerified): CliCommand[] {
  /** The stored overrides that overlap [from, to); when they cannot be read, the answer says so. */
  const overridesFor = async (io: CliIo, from: Date, to: Date) => {
    const read = await readOverrides(io, from, to);
    if (read.notIncluded) io.err(`Note: ${read.notIncluded}`);
    return [...plannedOverlapping(await loadOncall(io), from, to), ...read.overrides];
  };
  return [
    {
      name: ['oncall', 'who'],
      usage: 'oncall who [team] [--at <ISO instant>] [--json]',
      summary: 'who is on call now (or at --at), and until when',
      run: guarded(async (args, io) => {
        const { values, positionals } = parseFlags({ args, options: { at: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });
        const config = await loadOncall(io);
        const at = instant(values.at, '--at');
        const names = positionals[0] ? [positionals[0]] : Object.keys(config.teams);
        const schedules = names.flatMap((name) => schedulesFor(config, name).map((schedule) => ({ name, schedule })));
        const overrides = await overridesFor(io, at, new Date(at.getTime() + ONCALL_HORIZON_MS));
        const rows = schedules.map(({ name, schedule }) => ({ team: name, zone: schedule.timeZone, ...onCallNow(schedule, overrides, at) }));
        if (values.json) {
          io.out(JSON.stringify({ at: at.toISOString(), onCall: rows.map(({ zone, ...row }) => ({ ...row, until: row.until?.toISOString() ?? null })) }, null, 2));
          return 0;
        }
        for (const row of rows) {
          const person = row.personKey ? (config.people[row.personKey]?.name ?? row.personKey) : 'NOBODY (gap)';
          const until = row.until ? `until ${both(row.until, row.zone)}, then ${row.next ? (config.people[row.next]?.name ?? row.next) : 'nobody'}` : '';
          io.out(`${row.team} / ${row.schedule}: ${person} ${until}`.trimEnd());
        }
        if (rows.length === 0) io.out('No schedules in oncall.yaml.');
        return 0;
      }),
    },
    {
      name: ['oncall', 'shifts'],
      usage: 'oncall shifts <schedule> --from <ISO> --to <ISO> [--json]',
      summary: 'the shifts of a schedule between two instants',
      run: guarded(async (args, io) => {
        const { values, positionals } = parseFlags({ args, options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });
        const config = await loadOncall(io);
        const schedule = positionals[0] ? config.schedules[positionals[0]] : undefined;
        if (!schedule || !values.from || !values.to) {
          io.err(`Usage: incident-bot oncall shifts <schedule> --from <ISO> --to <ISO> [--json]${positionals[0] && !schedule ? `\nNo schedule "${positionals[0]}"` : ''}`);
          return 2;
        }
        const from = instant(values.from, '--from');
        const to = instant(values.to, '--to');
        if (!(to > from) || to.getTime() - from.getTime() > MAX_SPAN_DAYS * 86_400_000) {
          throw new UsageError(`--to must be after --from, and at most ${MAX_SPAN_DAYS} days later (got ${values.from} to ${values.to})`);
        }
        const shifts = shiftsBetween(schedule, await overridesFor(io, from, to), from, to);
        if (values.json) {
          io.out(JSON.stringify(shifts.map((s) => ({ person: s.personKey ?? null, via: s.via ?? null, start: s.start.toISOString(), end: s.end.toISOString() })), null, 2));
          return 0;
        }
        for (const s of shifts) io.out(`${both(s.start, schedule.timeZone)} → ${both(s.end, schedule.timeZone)}  ${s.personKey ? (config.people[s.personKey]?.name ?? s.personKey) : 'NOBODY'}${s.via ? ` [${s.via}]` : ''}`);
        return 0;
      }),
    },
    {
      name: ['oncall', 'gaps'],
      usage: 'oncall gaps [--days 14] [--json]',
      summary: 'stretches in the coming days when a schedule has nobody on call',
      run: guarded(async (args, io) => {
        const { values } = parseFlags({ args, options: { days: { type: 'string', default: '14' }, json: { type: 'boolean' } } });
        const config = await loadOncall(io);
        const from = systemClock.now();
        const to = new Date(from.getTime() + flagValue('--days', values.days, wholeNumber(1, MAX_SPAN_DAYS)) * 86_400_000);
        const overrides = await overridesFor(io, from, to);
        const gaps = Object.values(config.schedules).flatMap((schedule) => findGaps(schedule, overrides, from, to).map((gap) => ({ ...gap, zone: schedule.timeZone })));
        if (values.json) {
          io.out(JSON.stringify(gaps.map(({ zone, ...g }) => ({ ...g, start: g.start.toISOString(), end: g.end.toISOString() })), null, 2));
          return gaps.length ? 1 : 0;
        }
        for (const gap of gaps) io.out(`${gap.schedule}: nobody from ${both(gap.start, gap.zone)} to ${both(gap.end, gap.zone)}`);
        io.out(gaps.length ? `${gaps.length} gap(s) in the next ${values.days} days.` : `No gaps in the next ${values.days} days.`);
        return gaps.length ? 1 : 0;
      }),
    },
    {
      name: ['oncall', 'preview'],
      usage: 'oncall preview <team|service> [--at <ISO instant>] [--json]',
      summary: 'who would be paged at each escalation level, and when, for an incident opened then',
      run: guarded(async (args, io) => {
        const { values, positionals } = parseFlags({ args, options: { at: { type: 'string' }, json: { type: 'boolean' } }, allowPositionals: true });
        if (!positionals[0]) {
          io.err('Usage: incident-bot oncall preview <team|service> [--at <ISO instant>] [--json]');
          return 2;
        }
        const config = await loadOncall(io);
        const at = instant(values.at, '--at');
        const policy = policyFor(config, positionals[0]);
        const steps = previewEscalation(config, policy, await overridesFor(io, at, new Date(at.getTime() + ONCALL_HORIZON_MS)), at);
        if (values.json) {
          io.out(JSON.stringify({ policy, openedAt: at.toISOString(), steps: steps.map((s) => ({ ...s, at: s.at.toISOString() })) }, null, 2));
          return 0;
        }
        io.out(`Escalation policy ${policy} for an incident opened ${both(at, 'UTC')}:`);
        for (const step of steps) {
          const again = step.alreadyPaged?.length ? `(${step.alreadyPaged.map((p) => config.people[p]?.name ?? p).join(', ')} already paged in this pass)` : '';
          const names = [step.people.map((p) => config.people[p]?.name ?? p).join(', '), again].filter(Boolean).join(' ') || 'NOBODY';
          io.out(`  ${both(step.at, 'UTC')}  level ${step.level}${step.round ? ` (repeat ${step.round})` : ''}: ${names}`);
        }
        return 0;
      }),
    },
    {
      name: ['oncall', 'notify-preview'],
      usage: 'oncall notify-preview <person> [--severity 1-4] [--at <ISO instant>] [--as-verified] [--json]',
      summary: 'how and when a page would reach a person: each method in turn, quiet hours applied, unverified methods skipped (--as-verified: as if all were verified)',
      run: guarded(async (args, io) => {
        const { values, positionals } = parseFlags({ args, options: { severity: { type: 'string', default: '1' }, at: { type: 'string' }, 'as-verified': { type: 'boolean' }, json: { type: 'boolean' } }, allowPositionals: true });
        if (!positionals[0]) {
          io.err('Usage: incident-bot oncall notify-preview <person> [--severity 1-4] [--at <ISO instant>] [--as-verified] [--json]');
          return 2;
        }
        const config = await loadOncall(io);
        const person = config.people[positionals[0]];
        if (!person) {
          io.err(`No person "${positionals[0]}" under people in oncall.yaml (known: ${Object.keys(config.people).join(', ') || 'none'})`);
          return 1;
        }
        const severity = flagValue('--severity', values.severity, wholeNumber(1, 4));
        const at = instant(values.at, '--at');
        // Real pages use only verified methods; when the database cannot be read, the preview says so and assumes them verified.
        const stored = values['as-verified'] ? { value: undefined } : await readVerified(io, person);
        if (stored.notIncluded) io.err(`Note: ${stored.notIncluded} Every method is shown as verified.`);
        const plan = planNotifications(person, urgencyOf(severity), at, stored.value ?? new Set(CONTACT_VIAS));
        if (values.json) {
          io.out(JSON.stringify({ person: person.key, severity, ...plan, start: at.toISOString(), notifications: plan.notifications.map((n) => ({ via: n.via, at: n.at.toISOString(), ...(n.heldFrom ? { heldFrom: n.heldFrom.toISOString() } : {}) })) }, null, 2));
          return 0;
        }
        io.out(`A SEV${severity} page (${plan.urgency} urgency) to ${person.name} starting ${both(at, person.timeZone)}, ${plan.rules === 'own' ? 'by their own rules' : 'by the default rules'}:`);
        for (const line of describePlan(plan, at, person.timeZone)) io.out(`  ${line}`);
        if (plan.notifications.length === 0) {
          const hasAddresses = Boolean(person.email || person.phone || person.ntfyTopic || person.webhookUrl);
          io.out(hasAddresses ? `  Nothing would reach them: none of their methods is verified yet (incident-bot oncall verify ${person.key}), and they have no chat.` : '  Nothing would reach them: give them a chat id, email or phone in oncall.yaml.');
        }
        return 0;
      }),
    },
  ];
}

import type { Severity } from '../../oncall/oncall-config.js';
import type { ChatCommandName, IncidentRef, IncidentRoleName, NoteTag, PageTarget, ParsedCommand, UserRef } from './parsed-command.js';

/**
 * How an option is read. `text` takes the rest of the input verbatim; `target` is a team name or
 * an @mention (Discord splits it into a `team` and a `user` option); `when` is a time that
 * resolveWhen understands and may span two words ("2024-03-10 09:00", "tomorrow 09:00");
 * `incident` names an incident other than the channel's (INC-12, #inc-12-db-down, a channel mention).
 */
export type OptionKind = 'word' | 'text' | 'integer' | 'severity' | 'flag' | 'choice' | 'user' | 'target' | 'when' | 'incident';

export interface OptionSpec {
  /** Also the Discord option name: lowercase, at most 32 characters. */
  name: string;
  kind: OptionKind;
  required: boolean;
  /** Shown in Discord's option picker; at most 100 characters. */
  description: string;
  /** The option in error messages: "Severity must be 1 to 4". */
  label: string;
  /** How the usage line shows it, when the default (<name>, [name]) would be wrong. */
  usage?: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /**
   * Typed as `--<name> <value>` (or `--<name>=<value>`) anywhere in the text, as flags are, so
   * it never ends up in a free-text option beside it ("declare --team sec Login down").
   */
  named?: boolean;
}

export type OptionValue = string | number | boolean | UserRef | PageTarget | IncidentRef;
export type OptionValues = Readonly<Record<string, OptionValue | undefined>>;

export interface CommandSpec {
  command: ChatCommandName;
  /** The subcommand word, also the Discord subcommand name. */
  name: string;
  /** `/oncall [team]` is written without its subcommand word; `/oncall who [team]` also works. */
  bare?: boolean;
  kind: ParsedCommand['kind'];
  /** One line for help and for Discord (at most 100 characters). */
  summary: string;
  /** Must run in an incident channel (or carry the incident number, as buttons do). */
  needsIncident: boolean;
  options: readonly OptionSpec[];
  /** Builds the command from validated option values; a string is a usage problem. */
  build(values: OptionValues): ParsedCommand | string;
}

const NOTE_TAG = /^\s*(root[\s-]?cause|impact|action)\s*:\s*/i;

function str(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
function num(values: OptionValues, name: string): number | undefined {
  const value = values[name];
  return typeof value === 'number' ? value : undefined;
}
/** incidentNumber or incidentChannel, from an `incident` option the asker filled in. */
function incidentScope(values: OptionValues): { incidentNumber?: number; incidentChannel?: string } {
  const ref = values.incident as IncidentRef | undefined;
  if (ref === undefined) return {};
  return 'number' in ref ? { incidentNumber: ref.number } : { incidentChannel: ref.channelId };
}

function required<T>(value: T | undefined, name: string): T {
  // Option parsing checks required options first; reaching this is a bug in the spec table.
  if (value === undefined) throw new Error(`command spec: option "${name}" missing after validation`);
  return value;
}

const SEVERITY_OPTION = (isRequired: boolean, usage: string): OptionSpec => ({
  name: 'severity',
  kind: 'severity',
  required: isRequired,
  description: 'Severity, 1 (worst) to 4',
  label: 'Severity',
  usage,
  min: 1,
  max: 4,
});

const TEAM = (isRequired: boolean): OptionSpec => ({
  name: 'team',
  kind: 'word',
  required: isRequired,
  description: 'Team name as in oncall.yaml',
  label: 'Team',
});

/** The one table of commands: the parsers, the help, the README table and the Discord definitions all read it. */
export const COMMAND_SPECS: readonly CommandSpec[] = [
  {
    command: 'incident',
    name: 'declare',
    kind: 'incident.declare',
    summary: 'Declare an incident and open its channel',
    needsIncident: false,
    options: [
      SEVERITY_OPTION(false, '[sev1..sev4]'),
      { name: 'private', kind: 'flag', required: false, description: 'Private channel (security incidents)', label: 'Private', usage: '[--private]' },
      { name: 'team', kind: 'word', required: false, named: true, description: 'Team (as in oncall.yaml) whose escalation policy is paged', label: 'Team', usage: '[--team <key>]' },
      { name: 'title', kind: 'text', required: true, description: 'What is wrong, in a few words', label: 'Title' },
    ],
    build: (v) => {
      const severity = num(v, 'severity') as Severity | undefined;
      const team = str(v, 'team');
      return {
        kind: 'incident.declare',
        ...(severity === undefined ? {} : { severity }),
        private: v.private === true,
        ...(team === undefined ? {} : { team }),
        title: required(str(v, 'title'), 'title'),
      };
    },
  },
  { command: 'incident', name: 'ack', kind: 'incident.ack', summary: 'Acknowledge: you are on it (stops escalation)', needsIncident: true, options: [], build: () => ({ kind: 'incident.ack' }) },
  { command: 'incident', name: 'mitigate', kind: 'incident.mitigate', summary: 'Mark the impact as mitigated', needsIncident: true, options: [], build: () => ({ kind: 'incident.mitigate' }) },
  {
    command: 'incident',
    name: 'resolve',
    kind: 'incident.resolve',
    summary: 'Resolve the incident',
    needsIncident: true,
    options: [{ name: 'summary', kind: 'text', required: false, description: 'What fixed it', label: 'Summary' }],
    build: (v) => {
      const summary = str(v, 'summary');
      return { kind: 'incident.resolve', ...(summary === undefined ? {} : { summary }) };
    },
  },
  {
    command: 'incident',
    name: 'reopen',
    kind: 'incident.reopen',
    summary: 'Re-open a resolved incident (escalation starts again)',
    needsIncident: true,
    options: [{ name: 'reason', kind: 'text', required: false, description: 'Why it is not over', label: 'Reason' }],
    build: (v) => {
      const reason = str(v, 'reason');
      return { kind: 'incident.reopen', ...(reason === undefined ? {} : { reason }) };
    },
  },
  {
    command: 'incident',
    name: 'sev',
    kind: 'incident.sev',
    summary: 'Change the severity',
    needsIncident: true,
    options: [SEVERITY_OPTION(true, '<1-4>')],
    build: (v) => ({ kind: 'incident.sev', severity: required(num(v, 'severity'), 'severity') as Severity }),
  },
  {
    command: 'incident',
    name: 'status',
    kind: 'incident.status',
    summary: 'Post a status update',
    needsIncident: true,
    options: [{ name: 'update', kind: 'text', required: true, description: 'The update for stakeholders', label: 'Update' }],
    build: (v) => ({ kind: 'incident.status', update: required(str(v, 'update'), 'update') }),
  },
  {
    command: 'incident',
    name: 'role',
    kind: 'incident.role',
    summary: 'Give someone a role',
    needsIncident: true,
    options: [
      { name: 'role', kind: 'choice', required: true, description: 'The role', label: 'Role', choices: ['commander', 'comms', 'scribe'] },
      { name: 'user', kind: 'user', required: true, description: 'Who takes it', label: 'User' },
      {
        name: 'incident',
        kind: 'incident',
        required: false,
        description: 'INC-12 or #inc-12-… (default: the incident of this channel)',
        label: 'Incident',
        usage: '[INC-n|#channel]',
      },
    ],
    build: (v) => ({
      kind: 'incident.role',
      role: required(str(v, 'role'), 'role') as IncidentRoleName,
      user: required(v.user as UserRef | undefined, 'user'),
      ...incidentScope(v),
    }),
  },
  {
    command: 'incident',
    name: 'note',
    kind: 'incident.note',
    summary: 'Add a note to the timeline (start with rootcause:, impact: or action: to tag it)',
    needsIncident: true,
    options: [{ name: 'text', kind: 'text', required: true, description: 'The note; rootcause:, impact: or action: tags it', label: 'Note text' }],
    build: (v) => {
      const raw = required(str(v, 'text'), 'text');
      const match = NOTE_TAG.exec(raw);
      if (!match) return { kind: 'incident.note', text: raw };
      const tag = match[1]!.toLowerCase().replace(/[\s-]/g, '') as NoteTag;
      const text = raw.slice(match[0].length).trim();
      if (text === '') return `Note text is required after "${tag}:"`;
      return { kind: 'incident.note', text, tag };
    },
  },
  {
    command: 'incident',
    name: 'timeline',
    kind: 'incident.timeline',
    summary: 'Show the timeline',
    needsIncident: true,
    options: [{ name: 'page', kind: 'integer', required: false, description: 'Page number, from 1', label: 'Page', min: 1, max: 10_000 }],
    build: (v) => ({ kind: 'incident.timeline', page: num(v, 'page') ?? 1 }),
  },
  {
    command: 'incident',
    name: 'step',
    kind: 'incident.step',
    summary: 'Show or move the current playbook step',
    needsIncident: true,
    options: [
      { name: 'action', kind: 'word', required: false, description: 'done, skip, back, or the id of a choice', label: 'Step action', usage: '[done|skip|back|<choice id>]' },
    ],
    build: (v) => {
      const word = str(v, 'action');
      if (word === undefined) return { kind: 'incident.step', action: 'show' };
      const lower = word.toLowerCase();
      if (lower === 'done' || lower === 'skip' || lower === 'back') return { kind: 'incident.step', action: lower };
      return { kind: 'incident.step', action: 'choose', choiceId: word };
    },
  },
  { command: 'incident', name: 'postmortem', kind: 'incident.postmortem', summary: 'Write the postmortem draft from the timeline', needsIncident: true, options: [], build: () => ({ kind: 'incident.postmortem' }) },
  {
    command: 'incident',
    name: 'noise',
    kind: 'incident.noise',
    summary: 'Say this incident was noise: the weekly report ranks its alerts and route to tune',
    needsIncident: true,
    options: [{ name: 'reason', kind: 'text', required: false, description: 'Why it was noise (threshold too low, flapping, ...)', label: 'Reason' }],
    build: (v) => {
      const reason = str(v, 'reason');
      return { kind: 'incident.noise', ...(reason === undefined ? {} : { reason }) };
    },
  },
  { command: 'incident', name: 'list', kind: 'incident.list', summary: 'List open incidents', needsIncident: false, options: [], build: () => ({ kind: 'incident.list' }) },
  { command: 'incident', name: 'web', kind: 'incident.web', summary: 'A one-time link to the web console, sent to you privately (valid 10 minutes)', needsIncident: false, options: [], build: () => ({ kind: 'incident.web' }) },
  {
    command: 'incident',
    name: 'maintenance',
    kind: 'incident.maintenance',
    summary: 'Planned work: hold matching alerts (no incident, no page) for a while; list or end windows',
    needsIncident: false,
    options: [{ name: 'what', kind: 'text', required: true, description: 'start <service|team|label=value> [at <when>] for <duration> <reason> | list | end <id>', label: 'What', usage: '<start ...|list|end <id>>' }],
    build: (v) => ({ kind: 'incident.maintenance', text: required(str(v, 'what'), 'what') }),
  },
  {
    command: 'incident',
    name: 'report',
    kind: 'incident.report',
    summary: 'MTTA/MTTR report for the last weeks',
    needsIncident: false,
    options: [
      { name: 'weeks', kind: 'integer', required: false, description: 'How many weeks back (default 1)', label: 'Weeks', min: 1, max: 52 },
      TEAM(false),
    ],
    build: (v) => {
      const weeks = num(v, 'weeks');
      const team = str(v, 'team');
      return { kind: 'incident.report', ...(weeks === undefined ? {} : { weeks }), ...(team === undefined ? {} : { team }) };
    },
  },
  { command: 'incident', name: 'help', kind: 'incident.help', summary: 'Show these commands', needsIncident: false, options: [], build: () => ({ kind: 'incident.help' }) },
  {
    command: 'oncall',
    name: 'who',
    bare: true,
    kind: 'oncall.who',
    summary: 'Who is on call now',
    needsIncident: false,
    options: [TEAM(false)],
    build: (v) => {
      const team = str(v, 'team');
      return { kind: 'oncall.who', ...(team === undefined ? {} : { team }) };
    },
  },
  {
    command: 'oncall',
    name: 'schedule',
    kind: 'oncall.schedule',
    summary: "A team's upcoming shifts",
    needsIncident: false,
    options: [TEAM(true), { name: 'days', kind: 'integer', required: false, description: 'How many days ahead (default 7)', label: 'Days', min: 1, max: 90 }],
    build: (v) => {
      const days = num(v, 'days');
      return { kind: 'oncall.schedule', team: required(str(v, 'team'), 'team'), ...(days === undefined ? {} : { days }) };
    },
  },
  {
    command: 'oncall',
    name: 'override',
    kind: 'oncall.override',
    summary: 'Put someone on call for a team for a while',
    needsIncident: false,
    options: [
      TEAM(true),
      { name: 'user', kind: 'user', required: true, description: 'Who covers', label: 'User' },
      { name: 'from', kind: 'when', required: true, description: 'Start: now, +2h, tomorrow 09:00, 2024-03-10 09:00, ISO', label: 'From' },
      { name: 'to', kind: 'when', required: true, description: 'End: +8h, tomorrow 17:00, 2024-03-10 17:00, ISO', label: 'To' },
    ],
    build: (v) => ({
      kind: 'oncall.override',
      team: required(str(v, 'team'), 'team'),
      user: required(v.user as UserRef | undefined, 'user'),
      from: required(str(v, 'from'), 'from'),
      to: required(str(v, 'to'), 'to'),
    }),
  },
  {
    command: 'oncall',
    name: 'overrides',
    kind: 'oncall.overrides',
    summary: 'Current and coming overrides, each with a Remove button',
    needsIncident: false,
    options: [TEAM(false)],
    build: (v) => {
      const team = str(v, 'team');
      return { kind: 'oncall.overrides', ...(team === undefined ? {} : { team }) };
    },
  },
  {
    command: 'oncall',
    name: 'unoverride',
    kind: 'oncall.unoverride',
    summary: 'Remove an override (its id as /oncall overrides shows it)',
    needsIncident: false,
    options: [{ name: 'id', kind: 'integer', required: true, description: 'The override id, as /oncall overrides shows it', label: 'Id', min: 1, max: 999_999_999 }],
    build: (v) => ({ kind: 'oncall.unoverride', id: required(num(v, 'id'), 'id') }),
  },
  {
    command: 'oncall',
    name: 'calendar',
    kind: 'oncall.calendar',
    summary: 'Secret calendar addresses of your shifts and your teams; reset revokes one',
    needsIncident: false,
    options: [
      { name: 'action', kind: 'choice', required: false, description: 'reset: revoke the address and get a new one', label: 'Action', choices: ['reset'] },
      { name: 'schedule', kind: 'word', required: false, description: 'With reset: a schedule whose address to reset (default: yours)', label: 'Schedule' },
    ],
    build: (v) => {
      const schedule = str(v, 'schedule');
      if (schedule !== undefined && str(v, 'action') !== 'reset') return 'Name a schedule only to reset its address: /oncall calendar reset <schedule>';
      return { kind: 'oncall.calendar', reset: str(v, 'action') === 'reset', ...(schedule === undefined ? {} : { schedule }) };
    },
  },
  {
    command: 'oncall',
    name: 'load',
    kind: 'oncall.load',
    summary: 'Who carried the pager: hours on call, at night and weekends, and pages, per person',
    needsIncident: false,
    options: [{ name: 'weeks', kind: 'integer', required: false, description: 'How many weeks back (default 4)', label: 'Weeks', min: 1, max: 26 }, TEAM(false)],
    build: (v) => {
      const weeks = num(v, 'weeks');
      const team = str(v, 'team');
      return { kind: 'oncall.load', ...(weeks === undefined ? {} : { weeks }), ...(team === undefined ? {} : { team }) };
    },
  },
  {
    command: 'oncall',
    name: 'cover',
    kind: 'oncall.cover',
    summary: 'Ask your team to cover a stretch of your on-call; the first to take it gets it',
    needsIncident: false,
    options: [
      { name: 'from', kind: 'when', required: true, description: 'Start: tomorrow 09:00, 2024-03-10 09:00, ISO', label: 'From' },
      { name: 'to', kind: 'when', required: true, description: 'End: +8h, tomorrow 17:00, 2024-03-10 17:00, ISO', label: 'To' },
      { name: 'reason', kind: 'text', required: false, description: 'Why (shown to the team)', label: 'Reason' },
    ],
    build: (v) => {
      const reason = str(v, 'reason');
      return { kind: 'oncall.cover', from: required(str(v, 'from'), 'from'), to: required(str(v, 'to'), 'to'), ...(reason === undefined ? {} : { reason }) };
    },
  },
  {
    command: 'oncall',
    name: 'take',
    kind: 'oncall.take',
    summary: 'Take a cover request (its number, as the request shows it)',
    needsIncident: false,
    options: [{ name: 'id', kind: 'integer', required: true, description: 'The cover request number', label: 'Id', min: 1, max: 999_999_999 }],
    build: (v) => ({ kind: 'oncall.take', id: required(num(v, 'id'), 'id') }),
  },
  {
    command: 'oncall',
    name: 'swap',
    kind: 'oncall.swap',
    summary: 'Offer to trade a shift of yours for one of theirs; they accept or decline',
    needsIncident: false,
    options: [
      { name: 'user', kind: 'user', required: true, description: 'Who to swap with', label: 'User' },
      { name: 'mine', kind: 'when', required: true, description: 'A time in your shift: tomorrow 12:00, 2024-03-10 12:00, ISO', label: 'My shift', usage: '<my shift>' },
      { name: 'theirs', kind: 'when', required: true, description: 'A time in their shift', label: 'Their shift', usage: '<their shift>' },
    ],
    build: (v) => ({ kind: 'oncall.swap', user: required(v.user as UserRef | undefined, 'user'), mine: required(str(v, 'mine'), 'mine'), theirs: required(str(v, 'theirs'), 'theirs') }),
  },
  {
    command: 'oncall',
    name: 'answer',
    kind: 'oncall.answer',
    summary: 'Accept or decline a swap offered to you (its number)',
    needsIncident: false,
    options: [
      { name: 'id', kind: 'integer', required: true, description: 'The swap request number', label: 'Id', min: 1, max: 999_999_999 },
      { name: 'answer', kind: 'choice', required: true, description: 'accept or decline', label: 'Answer', choices: ['accept', 'decline'] },
    ],
    build: (v) => ({ kind: 'oncall.answer', id: required(num(v, 'id'), 'id'), accept: str(v, 'answer') === 'accept' }),
  },
  {
    command: 'oncall',
    name: 'page',
    kind: 'oncall.page',
    summary: 'Page a team (its on-call person) or a person',
    needsIncident: false,
    options: [
      { name: 'target', kind: 'target', required: true, description: 'A team or an @user', label: 'Team or user', usage: '<team|@user>' },
      { name: 'message', kind: 'text', required: true, description: 'What they need to know', label: 'Message' },
    ],
    build: (v) => ({
      kind: 'oncall.page',
      target: required(v.target as PageTarget | undefined, 'target'),
      message: required(str(v, 'message'), 'message'),
    }),
  },
  {
    command: 'oncall',
    name: 'preview',
    kind: 'oncall.preview',
    summary: 'Who will be on call at a given time',
    needsIncident: false,
    options: [TEAM(true), { name: 'at', kind: 'when', required: false, description: 'When: tomorrow 09:00, +12h, 2024-03-10 09:00 (default now)', label: 'At' }],
    build: (v) => {
      const at = str(v, 'at');
      return { kind: 'oncall.preview', team: required(str(v, 'team'), 'team'), ...(at === undefined ? {} : { at }) };
    },
  },
  { command: 'oncall', name: 'contact', kind: 'oncall.contact', summary: 'Your contact methods for pages, whether each is verified, and your rules', needsIncident: false, options: [], build: () => ({ kind: 'oncall.contact' }) },
  {
    command: 'oncall',
    name: 'verify',
    kind: 'oncall.verify',
    summary: 'Send a test with a code to each contact method not yet verified, or confirm one with its code',
    needsIncident: false,
    options: [{ name: 'code', kind: 'word', required: false, description: 'The code the test message carried', label: 'Code' }],
    build: (v) => {
      const code = str(v, 'code');
      return { kind: 'oncall.verify', ...(code === undefined ? {} : { code }) };
    },
  },
  {
    command: 'oncall',
    name: 'test-page',
    kind: 'oncall.test-page',
    summary: 'Page yourself (an admin: someone) as a test, by chat and every verified contact method',
    needsIncident: false,
    options: [{ name: 'user', kind: 'user', required: false, description: 'Who (default: you)', label: 'User' }],
    build: (v) => {
      const user = v.user as UserRef | undefined;
      return { kind: 'oncall.test-page', ...(user === undefined ? {} : { user }) };
    },
  },
  { command: 'oncall', name: 'heartbeats', kind: 'oncall.heartbeats', summary: 'Each heartbeat of the monitoring: its last beat, and whether it is missed', needsIncident: false, options: [], build: () => ({ kind: 'oncall.heartbeats' }) },
];

export function specsOf(command: ChatCommandName): CommandSpec[] {
  return COMMAND_SPECS.filter((spec) => spec.command === command);
}

export function specFor(kind: ParsedCommand['kind']): CommandSpec {
  const spec = COMMAND_SPECS.find((candidate) => candidate.kind === kind);
  if (!spec) throw new Error(`command spec: no spec for kind "${kind}"`);
  return spec;
}

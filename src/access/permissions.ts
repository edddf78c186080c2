import type { ParsedCommand } from '../chat/commands/parsed-command.js';
import type { OncallConfig } from '../oncall/oncall-config.js';

/**
 * Who may do what. Roles come from oncall.yaml: everyone on a team is a responder of that team's
 * incidents, an incident's commander is whoever holds that role on it, and `roles: [manager]` or
 * `roles: [admin]` on a person grant the rest. Anyone in the workspace may declare, acknowledge,
 * take notes and read; the commands that change an incident's outcome or other people's duties
 * are reserved.
 */
export type BotRole = 'responder' | 'commander' | 'manager' | 'admin';

/** The person asking, as oncall.yaml knows them (no handle: not listed there). */
export interface Requester {
  personId: number;
  name: string;
  handle?: string;
}

/** What the decision needs to know about the incident a command acts on. */
export interface IncidentAccessFacts {
  number: number;
  /** Team key, when the incident belongs to one. */
  team?: string;
  commanderPersonId?: number;
  private?: boolean;
  /** For a private incident: the requester is one of the people in it (see isInIncident). */
  requesterIsIn?: boolean;
}

export type AccessDecision = { allowed: true; as?: BotRole } | { allowed: false; reason: string };

const RESERVED_FOR_RESPONDERS = new Set(['incident.resolve', 'incident.reopen', 'incident.sev', 'incident.role']);
const VERBS: Record<string, string> = {
  'incident.resolve': 'resolve',
  'incident.reopen': 're-open',
  'incident.sev': 'change the severity of',
  'incident.role': 'assign roles on',
};

/** Whether deciding on `kind` needs the incident's team and commander (a lookup the others skip). */
export function needsIncidentFacts(kind: string): boolean {
  return RESERVED_FOR_RESPONDERS.has(kind);
}

/** True when oncall.yaml lists nobody: a fresh install, where nothing can be checked yet. */
export function permissionsOpen(config: OncallConfig): boolean {
  return Object.keys(config.people).length === 0;
}

export function rolesOf(config: OncallConfig, handle: string | undefined): string[] {
  return handle ? (config.people[handle]?.roles ?? []) : [];
}

/** The teams a /oncall argument (team, schedule or service) belongs to. */
export function teamsOwning(config: OncallConfig, name: string): string[] {
  if (config.teams[name]) return [name];
  return Object.values(config.teams)
    .filter((team) => team.schedules.includes(name) || team.services.includes(name))
    .map((team) => team.key);
}

function notListed(requester: Requester): string {
  return `${requester.name} is not listed in oncall.yaml (under people:, with their chat id), so the bot cannot tell which team they are on.`;
}

/**
 * Decides whether `requester` may run `command`. `incident` is required for the commands that
 * act on one; a decision is a pure function of its arguments.
 */
export function decideAccess(command: ParsedCommand, requester: Requester, config: OncallConfig, incident?: IncidentAccessFacts): AccessDecision {
  if (permissionsOpen(config)) return { allowed: true };
  const roles = rolesOf(config, requester.handle);
  if (roles.includes('admin')) return { allowed: true, as: 'admin' };
  const memberOf = (team: string) => Boolean(requester.handle && config.teams[team]?.members.includes(requester.handle));

  if (RESERVED_FOR_RESPONDERS.has(command.kind)) {
    if (!incident) return { allowed: false, reason: 'This command acts on an incident, and none was given.' };
    if (incident.commanderPersonId !== undefined && incident.commanderPersonId === requester.personId) return { allowed: true, as: 'commander' };
    const label = `INC-${incident.number}`;
    if (incident.team) {
      if (memberOf(incident.team)) return { allowed: true, as: 'responder' };
      const teamName = config.teams[incident.team]?.name ?? incident.team;
      const why = requester.handle ? `${requester.name} is not a member of ${teamName} in oncall.yaml.` : notListed(requester);
      return { allowed: false, reason: `Only ${teamName} responders, the incident commander or an admin may ${VERBS[command.kind]} ${label}. ${why}` };
    }
    // A private one without a team is for the people in it: nobody else may change it, nor give
    // themselves a role in it (which would let them in).
    if (incident.private && !incident.requesterIsIn) {
      return { allowed: false, reason: `${label} is private: only the people in it (a role on it, paged for it, on its timeline or invited to its channel), its commander or an admin may ${VERBS[command.kind]} it.` };
    }
    // An incident without a team (declared in chat) belongs to everyone oncall.yaml lists.
    if (requester.handle && config.people[requester.handle]) return { allowed: true, as: 'responder' };
    return { allowed: false, reason: `Only responders, the incident commander or an admin may ${VERBS[command.kind]} ${label}. ${notListed(requester)}` };
  }

  if (command.kind === 'oncall.override') {
    const teams = teamsOwning(config, command.team);
    if (teams.some(memberOf)) return { allowed: true, as: 'responder' };
    const names = teams.map((key) => config.teams[key]?.name ?? key).join(' or ') || `the team of "${command.team}"`;
    const why = requester.handle ? `${requester.name} is not a member of ${names} in oncall.yaml.` : notListed(requester);
    return { allowed: false, reason: `Only members of ${names} or an admin may override its on-call schedule. ${why}` };
  }

  if (command.kind === 'incident.report') {
    if (roles.includes('manager')) return { allowed: true, as: 'manager' };
    const why = requester.handle ? `${requester.name} has neither role in oncall.yaml (people.${requester.handle}.roles).` : notListed(requester);
    return { allowed: false, reason: `Reports are for managers and admins. ${why}` };
  }

  return { allowed: true };
}

import type { Severity } from '../../oncall/oncall-config.js';

/** A person named in a command, by the platform's own user id. */
export interface UserRef {
  platformId: string;
  /** The name Slack sends along in `<@U123|name>`, when it does. */
  name?: string;
}

export type IncidentRoleName = 'commander' | 'comms' | 'scribe';
export type NoteTag = 'rootcause' | 'impact' | 'action';
export type PageTarget = { type: 'team'; team: string } | { type: 'user'; user: UserRef };
/** An incident named in a command: by number (INC-12, #inc-12-db-down), or by a channel mention that carries no name. */
export type IncidentRef = { number: number } | { channelId: string };

/**
 * What the responder wants to move the playbook: `show` (bare `step`) and `next` (the card's
 * "Next step" button) only display; the others change the current step.
 */
export type StepAction = 'show' | 'next' | 'done' | 'skip' | 'back' | 'choose';

/**
 * Commands that act on one incident. `incidentNumber` is set when the input itself names the
 * incident (a button click carries it); a typed command takes it from the channel instead.
 */
interface IncidentScoped {
  incidentNumber?: number;
  /** The asker named the incident by its channel (a mention without a name); the gateway turns it into incidentNumber. */
  incidentChannel?: string;
}

export type ParsedCommand =
  | { kind: 'incident.declare'; severity?: Severity; private: boolean; title: string; /** Team key or name as typed; checked against oncall.yaml by the handler. */ team?: string }
  | ({ kind: 'incident.ack'; /** Set when the click came from a page (a DM), to close that page too. */ pageId?: string } & IncidentScoped)
  | ({ kind: 'incident.mitigate' } & IncidentScoped)
  | ({ kind: 'incident.resolve'; summary?: string } & IncidentScoped)
  | ({ kind: 'incident.reopen'; reason?: string } & IncidentScoped)
  | ({ kind: 'incident.sev'; severity: Severity } & IncidentScoped)
  | ({ kind: 'incident.status'; update: string } & IncidentScoped)
  | ({ kind: 'incident.role'; role: IncidentRoleName; user: UserRef } & IncidentScoped)
  | ({ kind: 'incident.note'; text: string; tag?: NoteTag } & IncidentScoped)
  | ({ kind: 'incident.timeline'; page: number } & IncidentScoped)
  | ({
      kind: 'incident.step';
      action: StepAction;
      /** The step the clicked card showed; lets the handler refuse a click on a stale card. */
      stepId?: string;
      choiceId?: string;
    } & IncidentScoped)
  | ({ kind: 'incident.postmortem' } & IncidentScoped)
  | ({ kind: 'incident.noise'; reason?: string } & IncidentScoped)
  | { kind: 'incident.list' }
  | { kind: 'incident.web' }
  | { kind: 'incident.maintenance'; text: string }
  | { kind: 'incident.report'; weeks?: number; team?: string }
  | { kind: 'incident.help' }
  | { kind: 'oncall.who'; team?: string }
  | { kind: 'oncall.schedule'; team: string; days?: number }
  /** `from`/`to` as typed; the handler resolves them with resolveWhen in the asker's zone. */
  | { kind: 'oncall.override'; team: string; user: UserRef; from: string; to: string }
  | { kind: 'oncall.overrides'; team?: string }
  /** The Remove button of `/oncall overrides`, or typed with the id the list shows. */
  | { kind: 'oncall.unoverride'; id: number }
  /** Your calendar addresses (yours and your teams' schedules); `reset` revokes yours, or a schedule's. */
  | { kind: 'oncall.calendar'; reset: boolean; schedule?: string }
  | { kind: 'oncall.load'; weeks?: number; team?: string }
  /** `from`/`to` as typed, resolved in the asker's zone. */
  | { kind: 'oncall.cover'; from: string; to: string; reason?: string }
  /** The Take it button of a cover request, or typed with its number. */
  | { kind: 'oncall.take'; id: number }
  /** `mine`/`theirs`: an instant within each shift, as typed. */
  | { kind: 'oncall.swap'; user: UserRef; mine: string; theirs: string }
  /** The Accept and Decline buttons of a swap request, or typed. */
  | { kind: 'oncall.answer'; id: number; accept: boolean }
  | { kind: 'oncall.page'; target: PageTarget; message: string }
  | { kind: 'oncall.preview'; team: string; at?: string }
  | { kind: 'oncall.contact' }
  | { kind: 'oncall.verify'; code?: string }
  | { kind: 'oncall.test-page'; user?: UserRef }
  | { kind: 'oncall.heartbeats' };

export type CommandKind = ParsedCommand['kind'];
export type CommandOf<K extends CommandKind> = Extract<ParsedCommand, { kind: K }>;
export type ChatCommandName = 'incident' | 'oncall';

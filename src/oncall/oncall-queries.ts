import { AppError } from '../errors.js';
import { splitByPass } from './escalation-pass.js';
import type { EscalationLevel, OncallConfig, ScheduleConfig } from './oncall-config.js';
import { nextChange, shiftsBetween, whoIsOnCall, type ScheduleOverride } from './on-call-at.js';

/** How far ahead "until" and "next" look. */
export const ONCALL_HORIZON_MS = 14 * 86_400_000;

/** The schedules a team, service or schedule name refers to. */
export function schedulesFor(config: OncallConfig, name: string): ScheduleConfig[] {
  if (config.schedules[name]) return [config.schedules[name]];
  const team = config.teams[name] ?? Object.values(config.teams).find((t) => t.services.includes(name));
  if (!team) throw new AppError('not_found', `No team, service or schedule called "${name}" in oncall.yaml`);
  return team.schedules.map((key) => config.schedules[key]!).filter(Boolean);
}

export interface OnCallNow {
  schedule: string;
  personKey: string | undefined;
  via: string | undefined;
  /** When someone else takes over (the next handoff, override or window edge), within the next two weeks. */
  until: Date | undefined;
  next: string | undefined;
}

/** Who is on call at an instant, until when exactly, and who comes next. */
export function onCallNow(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], at: Date): OnCallNow {
  const current = whoIsOnCall(schedule, overrides, at);
  const horizon = new Date(at.getTime() + ONCALL_HORIZON_MS);
  let until = nextChange(schedule, overrides, at, horizon);
  // The same person on call another way (an override ending into their own shift) is no handoff.
  while (until && whoIsOnCall(schedule, overrides, until)?.personKey === current?.personKey) until = nextChange(schedule, overrides, until, horizon);
  return {
    schedule: schedule.key,
    personKey: current?.personKey,
    via: current?.via,
    until,
    next: until ? whoIsOnCall(schedule, overrides, until)?.personKey : undefined,
  };
}

/** Stretches with nobody on call, between two instants. */
export function findGaps(schedule: ScheduleConfig, overrides: readonly ScheduleOverride[], from: Date, to: Date) {
  return shiftsBetween(schedule, overrides, from, to)
    .filter((shift) => shift.personKey === undefined)
    .map((shift) => ({ schedule: schedule.key, start: shift.start, end: shift.end }));
}

export interface PreviewStep {
  at: Date;
  round: number;
  level: number;
  /** Who this level pages. */
  people: string[];
  /** Targets of this level not paged again: an earlier level of the same pass paged them (listed only when there are some). */
  alreadyPaged?: string[];
}

/** Who would be paged, and when, for an incident opened at `at` that nobody acknowledges. */
export function previewEscalation(config: OncallConfig, policyKey: string, overrides: readonly ScheduleOverride[], at: Date): PreviewStep[] {
  const policy = config.escalationPolicies[policyKey];
  if (!policy) throw new AppError('not_found', `No escalation policy "${policyKey}" in oncall.yaml`);
  const steps: PreviewStep[] = [];
  let t = at.getTime();
  for (let round = 0; round <= policy.repeat; round++) {
    const pagedInPass: string[] = [];
    policy.levels.forEach((level, index) => {
      const { page, alreadyPaged } = splitByPass(targetsAt(config, level, overrides, new Date(t)), pagedInPass);
      pagedInPass.push(...page);
      steps.push({ at: new Date(t), round, level: index + 1, people: page, ...(alreadyPaged.length ? { alreadyPaged } : {}) });
      t += level.delayMs;
    });
  }
  return steps;
}

/** The pure twin of the escalation engine's target resolution (which reads overrides from the database). */
export function targetsAt(config: OncallConfig, level: EscalationLevel, overrides: readonly ScheduleOverride[], at: Date): string[] {
  const people = new Set<string>();
  const onCall = (key: string) => {
    const schedule = config.schedules[key];
    return schedule ? whoIsOnCall(schedule, overrides, at)?.personKey : undefined;
  };
  for (const target of level.targets) {
    if (target.kind === 'person') people.add(target.key);
    if (target.kind === 'schedule') {
      const person = onCall(target.key);
      if (person) people.add(person);
    }
    if (target.kind === 'team') {
      const team = config.teams[target.key];
      const current = (team?.schedules ?? []).map(onCall).filter((p): p is string => Boolean(p));
      for (const person of current.length ? current : (team?.members ?? [])) people.add(person);
    }
  }
  return [...people];
}

/** The escalation policy a team or service uses. */
export function policyFor(config: OncallConfig, name: string): string {
  const team = config.teams[name] ?? Object.values(config.teams).find((t) => t.services.includes(name));
  const policy = config.escalationPolicies[name] ? name : team?.escalationPolicy;
  if (!policy) throw new AppError('not_found', `"${name}" has no escalation policy in oncall.yaml`);
  return policy;
}

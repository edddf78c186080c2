import type { TargetResolver } from '../engine/escalation-jobs.js';
import type { OncallConfig } from './oncall-config.js';

/**
 * Person handles an escalation level pages at an instant: a person target is that person, a
 * team target its members.
 * TODO(issue 6): schedule targets resolve to whoever is on call at that instant once the rotation
 * math lands; until then a schedule target pages nobody and the timeline says so.
 */
export function levelTargetResolver(oncall: () => OncallConfig): TargetResolver {
  return async (level) => {
    const config = oncall();
    const handles = new Set<string>();
    for (const target of level.targets) {
      if (target.kind === 'person') handles.add(target.key);
      if (target.kind === 'team') for (const member of config.teams[target.key]?.members ?? []) handles.add(member);
    }
    return [...handles];
  };
}

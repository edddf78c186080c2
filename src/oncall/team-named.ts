import { AppError } from '../errors.js';
import type { OncallConfig, TeamConfig } from './oncall-config.js';

/** How many teams a refusal lists before it says how many more there are. */
const LISTED = 30;

/**
 * The team a person typed: its key in oncall.yaml, or its key or name in any case. An unknown
 * name is refused with the teams there are, so a typo never opens an incident nobody is paged for.
 */
export function teamNamed(config: OncallConfig, typed: string): TeamConfig {
  const wanted = typed.trim();
  const exact = Object.hasOwn(config.teams, wanted) ? config.teams[wanted] : undefined;
  if (exact) return exact;
  const lower = wanted.toLowerCase();
  const loose = Object.values(config.teams).find((team) => team.key.toLowerCase() === lower || team.name.toLowerCase() === lower);
  if (loose) return loose;
  const keys = Object.keys(config.teams).sort();
  const known =
    keys.length === 0
      ? 'no teams are defined yet (teams: in oncall.yaml)'
      : `known teams: ${keys.slice(0, LISTED).join(', ')}${keys.length > LISTED ? ` and ${keys.length - LISTED} more` : ''}`;
  const shown = JSON.stringify(wanted.length > 100 ? `${wanted.slice(0, 100)}…` : wanted);
  throw new AppError('not_found', `There is no team ${shown} in oncall.yaml; ${known}`);
}

import type { LoadedPlaybook } from './playbook-file.js';
import { severityNumber } from './playbook-file.js';
import { matchesWhole, matchesWithin } from '../alerts/text-patterns.js';

export interface MatchFacts {
  title: string;
  severity: number;
  service?: string;
  labels: Record<string, string>;
}

export interface PlaybookChoice {
  playbook: LoadedPlaybook;
  why: string;
}

const patterns = new Map<string, RegExp>();

/** A playbook's pattern compiled once (patterns come from the loaded playbooks: few). Tried on hostile text through text-patterns. */
function compiled(source: string, flags: string): RegExp {
  const key = `${flags}/${source}`;
  let pattern = patterns.get(key);
  if (!pattern) {
    if (patterns.size >= 1_000) patterns.clear();
    pattern = new RegExp(source, flags);
    patterns.set(key, pattern);
  }
  return pattern;
}

/**
 * How specific a playbook's match is for these facts, or undefined when it does not match.
 * Each constraint counts: a label equality 3, a label regex 2, a service list 2, a title pattern
 * 1, a severity list 1. A playbook with no constraints never matches (only `default` catches all).
 */
export function specificity(playbook: LoadedPlaybook, facts: MatchFacts): number | undefined {
  const match = playbook.definition.match;
  let score = 0;
  for (const [label, value] of Object.entries(match.labels)) {
    if (facts.labels[label] !== value) return undefined;
    score += 3;
  }
  for (const [label, pattern] of Object.entries(match.label_regex)) {
    const value = facts.labels[label];
    if (value === undefined || !matchesWhole(compiled(pattern, ''), value)) return undefined;
    score += 2;
  }
  if (match.services) {
    if (!facts.service || !match.services.includes(facts.service)) return undefined;
    score += 2;
  }
  if (match.title) {
    if (!matchesWithin(compiled(match.title, 'i'), facts.title)) return undefined;
    score += 1;
  }
  if (match.severities) {
    if (!match.severities.map(severityNumber).includes(facts.severity)) return undefined;
    score += 1;
  }
  return score > 0 ? score : undefined;
}

/** The route's playbook if it names one, else the most specific match (ties: by id), else `default`. */
export function choosePlaybook(playbooks: LoadedPlaybook[], facts: MatchFacts, routePlaybook?: string): PlaybookChoice | undefined {
  if (routePlaybook) {
    const named = playbooks.find((p) => p.definition.id === routePlaybook);
    if (named) return { playbook: named, why: 'named by the route' };
  }
  const scored = playbooks
    .map((playbook) => ({ playbook, score: specificity(playbook, facts) }))
    .filter((entry): entry is { playbook: LoadedPlaybook; score: number } => entry.score !== undefined)
    .sort((a, b) => b.score - a.score || a.playbook.definition.id.localeCompare(b.playbook.definition.id));
  const missing = routePlaybook ? `; the route's "${routePlaybook}" is not loaded` : '';
  if (scored[0]) return { playbook: scored[0].playbook, why: `best match (specificity ${scored[0].score})${missing}` };
  const fallback = playbooks.find((p) => p.definition.id === 'default');
  return fallback ? { playbook: fallback, why: `default: nothing more specific matched${missing}` } : undefined;
}

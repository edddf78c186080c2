import type { CategoryPlan } from './retention-plan.js';
import type { RetentionCounts } from './retention-purge.js';

/** What a purge or a dry run reports, per kind of row: the CLI prints it, GET /api/retention answers it. */
export interface RetentionView {
  at: string;
  dryRun: boolean;
  categories: {
    category: string;
    what: string;
    measuredBy: string;
    setting: string | null;
    keep: string;
    rule: string;
    /** Rows older than this go; null: kept forever. */
    cutoff: string | null;
    /** Rows that would go (dry run) or went; null when kept forever. */
    rows: number | null;
  }[];
}

export function retentionView(plan: readonly CategoryPlan[], counts: RetentionCounts, at: Date, dryRun: boolean): RetentionView {
  return {
    at: at.toISOString(),
    dryRun,
    categories: plan.map((step) => ({
      category: step.category,
      what: step.what,
      measuredBy: step.measuredBy,
      setting: step.setting ?? null,
      keep: step.keep,
      rule: step.rule,
      cutoff: step.cutoff?.toISOString() ?? null,
      rows: step.cutoff ? counts[step.category] : null,
    })),
  };
}

/** The view as lines for people, one kind of row each. */
export function retentionLines(view: RetentionView): string[] {
  const verb = view.dryRun ? 'would go' : 'went';
  const lines = [view.dryRun ? `Dry run at ${view.at}: nothing was deleted. What a purge now would remove:` : `Purged at ${view.at}:`];
  for (const entry of view.categories) {
    lines.push(
      entry.cutoff === null
        ? `  ${entry.what}: kept forever (${entry.rule})`
        : `  ${entry.what}: ${entry.rows} ${verb} (${entry.measuredBy} before ${entry.cutoff}; ${entry.rule})`,
    );
  }
  return lines;
}

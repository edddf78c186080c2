import { existsSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../logging.js';
import { formatPlaybookProblem, parsePlaybook, type LoadedPlaybook, type PlaybookProblem } from './playbook-file.js';

/** Every *.yaml / *.yml playbook in a folder: the good ones, and the problems of the others. */
export function loadPlaybookDirectory(dir: string): { playbooks: LoadedPlaybook[]; problems: PlaybookProblem[] } {
  if (!existsSync(dir)) return { playbooks: [], problems: [] };
  const playbooks: LoadedPlaybook[] = [];
  const problems: PlaybookProblem[] = [];
  const seen = new Map<string, string>();
  for (const name of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const file = join(dir, name);
    const result = parsePlaybook(readFileSync(file, 'utf8'), file);
    problems.push(...result.problems);
    if (!result.playbook) continue;
    const other = seen.get(result.playbook.definition.id);
    if (other) {
      problems.push({ file, line: 1, column: 1, path: 'id', message: `playbook id "${result.playbook.definition.id}" is also used by ${other}` });
      continue;
    }
    seen.set(result.playbook.definition.id, file);
    playbooks.push(result.playbook);
  }
  return { playbooks, problems };
}

/**
 * The playbooks in force. A broken file is reported and skipped (never taking the bot down);
 * on reload, a file that broke keeps its last good version until it is fixed.
 */
export class PlaybookLibrary {
  private byId = new Map<string, LoadedPlaybook>();
  private currentProblems: PlaybookProblem[] = [];
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly reloadListeners: ((outcome: { dir: string; reason: string; playbooks: string[]; problems: string[] }) => void)[] = [];

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
  ) {
    this.reload('start');
  }

  get(id: string): LoadedPlaybook | undefined {
    return this.byId.get(id);
  }

  all(): LoadedPlaybook[] {
    return [...this.byId.values()];
  }

  problems(): PlaybookProblem[] {
    return this.currentProblems;
  }

  reload(reason: string): void {
    const { playbooks, problems } = loadPlaybookDirectory(this.dir);
    const next = new Map(playbooks.map((p) => [p.definition.id, p]));
    for (const [id, previous] of this.byId) {
      // Its file is broken now: keep serving the last good version.
      if (!next.has(id) && problems.some((problem) => problem.file === previous.file)) next.set(id, previous);
    }
    this.byId = next;
    this.currentProblems = problems;
    for (const problem of problems) this.log.error({ problem: formatPlaybookProblem(problem), reason }, 'playbook skipped');
    this.log.info({ playbooks: [...next.keys()], reason }, 'playbooks loaded');
    for (const listener of this.reloadListeners) listener({ dir: this.dir, reason, playbooks: [...next.keys()], problems: problems.map(formatPlaybookProblem) });
  }

  /** Told of every reload after the first load (the audit trail). */
  onReload(listener: (outcome: { dir: string; reason: string; playbooks: string[]; problems: string[] }) => void): void {
    this.reloadListeners.push(listener);
  }

  watch(): void {
    if (!existsSync(this.dir)) return;
    this.watcher = watch(this.dir, () => {
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => this.reload('file changed'), 200);
    });
    this.watcher.on('error', (error) => this.log.warn({ err: error }, 'cannot watch the playbooks folder; reload with SIGHUP'));
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}

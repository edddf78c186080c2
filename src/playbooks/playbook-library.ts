import { existsSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CONFIG_FILE_LIMITS, type ConfigFileLimits } from '../config-files/config-file-limits.js';
import { wholeFileProblem } from '../config-files/config-file-problem.js';
import { readConfigFile } from '../config-files/read-config-file.js';
import type { Logger } from '../logging.js';
import { formatPlaybookProblem, parsePlaybook, type LoadedPlaybook, type PlaybookProblem } from './playbook-file.js';

/** Playbook files read from one folder at most; each may be CONFIG_MAX_BYTES, and all are parsed on every reload. */
export const MAX_PLAYBOOK_FILES = 200;

/**
 * Every *.yaml / *.yml playbook in a folder: the good ones, and the problems of the others.
 * Hidden files (editor locks and backups such as .#name.yaml) are not playbooks.
 */
export function loadPlaybookDirectory(dir: string, limits: ConfigFileLimits = DEFAULT_CONFIG_FILE_LIMITS): { playbooks: LoadedPlaybook[]; problems: PlaybookProblem[] } {
  if (!existsSync(dir)) return { playbooks: [], problems: [] };
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && !n.startsWith('.')).sort();
  } catch (error) {
    return { playbooks: [], problems: [wholeFileProblem(dir, `cannot list the playbooks folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)] };
  }
  const playbooks: LoadedPlaybook[] = [];
  const problems: PlaybookProblem[] = [];
  const seen = new Map<string, string>();
  for (const [position, name] of names.entries()) {
    const file = join(dir, name);
    if (position >= MAX_PLAYBOOK_FILES) {
      problems.push(wholeFileProblem(file, `not read: a playbooks folder holds at most ${MAX_PLAYBOOK_FILES} playbook files (this one is number ${position + 1} by name)`));
      continue;
    }
    const read = readConfigFile(file, limits.maxBytes);
    if (read.kind !== 'text') {
      problems.push(read.kind === 'refused' ? read.problem : wholeFileProblem(file, 'disappeared before it could be read (or is a link to nothing)'));
      continue;
    }
    const result = parsePlaybook(read.text, file);
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

/** The playbooks folder has problems at start: the bot does not start on a configuration it cannot fully read. */
export class PlaybookFilesError extends Error {
  readonly code = 'playbooks_invalid';
  constructor(readonly problems: PlaybookProblem[]) {
    super(`${problems.length} problem(s) in the playbooks:\n${problems.map(formatPlaybookProblem).join('\n')}`);
  }
}

/**
 * The playbooks in force. On reload a broken file is reported and skipped (never taking the bot
 * down), and a file that broke keeps its last good version until it is fixed.
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
    private readonly limits: ConfigFileLimits = DEFAULT_CONFIG_FILE_LIMITS,
    loaded = loadPlaybookDirectory(dir, limits),
  ) {
    this.take(loaded, 'start');
  }

  /** Loads the folder at start: any problem stops the start (PlaybookFilesError), as a broken oncall.yaml does. */
  static open(dir: string, log: Logger, limits: ConfigFileLimits = DEFAULT_CONFIG_FILE_LIMITS): PlaybookLibrary {
    const loaded = loadPlaybookDirectory(dir, limits);
    if (loaded.problems.length > 0) throw new PlaybookFilesError(loaded.problems);
    return new PlaybookLibrary(dir, log, limits, loaded);
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
    this.take(loadPlaybookDirectory(this.dir, this.limits), reason);
  }

  private take({ playbooks, problems }: { playbooks: LoadedPlaybook[]; problems: PlaybookProblem[] }, reason: string): void {
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
      this.debounce = setTimeout(() => {
        // Reading never throws for a bad file; this is for the unforeseen, which must not end the bot from a timer.
        try {
          this.reload('file changed');
        } catch (error) {
          this.log.error({ err: error }, 'could not reload the playbooks; the ones in force stay');
        }
      }, 200);
    });
    this.watcher.on('error', (error) => this.log.warn({ err: error }, 'cannot watch the playbooks folder; reload with SIGHUP'));
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}

import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from '../logging.js';
import type { OncallConfig } from './oncall-config.js';
import { formatProblem, loadOncallFile, OncallFileError } from './oncall-file.js';

export interface ReloadOutcome {
  file: string;
  reason: string;
  ok: boolean;
  problems: string[];
}

/**
 * The oncall.yaml in force. Reloaded when the file changes or on demand (SIGHUP); an edit that
 * does not pass the checks is reported and the last good version stays in force.
 */
export class OncallStore {
  private current: OncallConfig;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly listeners: ((config: OncallConfig) => void | Promise<void>)[] = [];
  private readonly reloadListeners: ((outcome: ReloadOutcome) => void | Promise<void>)[] = [];

  private constructor(
    private readonly path: string,
    private readonly log: Logger,
    initial: OncallConfig,
  ) {
    this.current = initial;
  }

  /** Loads the file at start: a missing file runs on the empty configuration, a broken one stops the start. */
  static open(path: string, log: Logger): OncallStore {
    const { config, missing } = loadOncallFile(path);
    if (missing) log.warn({ file: path }, 'no oncall.yaml: every alert goes to the default route and nobody is paged');
    return new OncallStore(path, log, config);
  }

  get config(): OncallConfig {
    return this.current;
  }

  onChange(listener: (config: OncallConfig) => void | Promise<void>): void {
    this.listeners.push(listener);
  }

  /** Told of every reload attempt, taken or refused (the audit trail). */
  onReload(listener: (outcome: ReloadOutcome) => void | Promise<void>): void {
    this.reloadListeners.push(listener);
  }

  /** Returns true when the new file was taken. */
  async reload(reason: string): Promise<boolean> {
    let outcome: ReloadOutcome;
    try {
      const { config } = loadOncallFile(this.path);
      this.current = config;
      for (const listener of this.listeners) await listener(config);
      this.log.info({ file: this.path, reason }, 'oncall.yaml reloaded');
      outcome = { file: this.path, reason, ok: true, problems: [] };
    } catch (error) {
      if (!(error instanceof OncallFileError)) throw error;
      const problems = error.problems.map(formatProblem);
      this.log.error({ file: this.path, reason, problems }, 'oncall.yaml has problems; keeping the last good version');
      outcome = { file: this.path, reason, ok: false, problems };
    }
    for (const listener of this.reloadListeners) await listener(outcome);
    return outcome.ok;
  }

  /** Watches the folder (editors replace files rather than write them in place). */
  watch(): void {
    const file = basename(this.path);
    this.watcher = watch(dirname(resolve(this.path)), (_event, name) => {
      if (name !== file) return;
      clearTimeout(this.debounce);
      this.debounce = setTimeout(() => void this.reload('file changed'), 200);
    });
    this.watcher.on('error', (error) => this.log.warn({ err: error }, 'cannot watch oncall.yaml; reload with SIGHUP'));
  }

  close(): void {
    clearTimeout(this.debounce);
    this.watcher?.close();
  }
}

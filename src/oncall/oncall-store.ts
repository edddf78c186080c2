import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { DEFAULT_CONFIG_FILE_LIMITS, type ConfigFileLimits } from '../config-files/config-file-limits.js';
import type { Logger } from '../logging.js';
import type { OncallConfig } from './oncall-config.js';
import { formatProblem, loadOncallFile, OncallFileError } from './oncall-file.js';

export interface ReloadOutcome {
  file: string;
  reason: string;
  ok: boolean;
  /** Refused because the file is gone or cannot be read, rather than broken. */
  unreadable: boolean;
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
    private readonly limits: ConfigFileLimits,
  ) {
    this.current = initial;
  }

  /** Loads the file at start: a missing file runs on the empty configuration, a broken one stops the start. */
  static open(path: string, log: Logger, limits: ConfigFileLimits = DEFAULT_CONFIG_FILE_LIMITS): OncallStore {
    const { config, missing } = loadOncallFile(path, limits);
    if (missing) log.warn({ file: path }, 'no oncall.yaml: every alert goes to the default route and nobody is paged');
    return new OncallStore(path, log, config, limits);
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

  /**
   * Returns true when the new file was taken. A file that is gone or cannot be read is refused
   * like a broken one: taken as the empty configuration, it would drop every role (anyone could
   * resolve anything) and every route. Never rejects: a watcher or a signal calls it.
   */
  async reload(reason: string): Promise<boolean> {
    const outcome = this.readForReload(reason);
    if (outcome.ok) {
      for (const listener of this.listeners) {
        await Promise.resolve()
          .then(() => listener(this.current))
          .catch((error: unknown) => this.log.error({ err: error, file: this.path }, 'a part of the bot failed to take the new oncall.yaml'));
      }
    }
    for (const listener of this.reloadListeners) {
      await Promise.resolve()
        .then(() => listener(outcome))
        .catch((error: unknown) => this.log.error({ err: error, file: this.path }, 'could not record the oncall.yaml reload'));
    }
    return outcome.ok;
  }

  private readForReload(reason: string): ReloadOutcome {
    const refuse = (problems: string[], message: string): ReloadOutcome => {
      this.log.error({ file: this.path, reason, problems }, message);
      return { file: this.path, reason, ok: false, unreadable: false, problems };
    };
    try {
      const { config, missing } = loadOncallFile(this.path, this.limits);
      if (missing) {
        const problem = `${this.path}: the file is gone (deleted or moved); the last good version stays in force until it is back`;
        return { ...refuse([problem], 'oncall.yaml is missing; keeping the last good version'), unreadable: true };
      }
      this.current = config;
      this.log.info({ file: this.path, reason }, 'oncall.yaml reloaded');
      return { file: this.path, reason, ok: true, unreadable: false, problems: [] };
    } catch (error) {
      if (error instanceof OncallFileError) return refuse(error.problems.map(formatProblem), 'oncall.yaml has problems; keeping the last good version');
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { ...refuse([`${this.path}: cannot be read (${code}); the last good version stays in force`], 'oncall.yaml cannot be read; keeping the last good version'), unreadable: true };
    }
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

import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import type { Logger } from '../logging.js';
import { OncallFileError } from '../oncall/oncall-file.js';
import { OncallStore } from '../oncall/oncall-store.js';
import { PlaybookFilesError, PlaybookLibrary } from '../playbooks/playbook-library.js';
import { StartupError } from '../startup-error.js';

/** The default path missing means "not configured yet"; a path someone chose must be there. */
export function checkOncallFileExists(config: Config): void {
  if (config.oncallFileSet && !existsSync(config.ONCALL_FILE)) {
    throw new StartupError('config_invalid', `ONCALL_FILE: ${config.ONCALL_FILE} does not exist (create it, fix the path, or unset ONCALL_FILE to start with no on-call configuration)`);
  }
}

/** oncall.yaml, or a start stopped with the problem and the setting that names the file. */
export function openOncallStore(config: Config, log: Logger): OncallStore {
  try {
    return OncallStore.open(config.ONCALL_FILE, log, { maxBytes: config.CONFIG_MAX_BYTES });
  } catch (error) {
    if (error instanceof OncallFileError) throw new StartupError('config_invalid', `${error.message}\n(ONCALL_FILE=${config.ONCALL_FILE})`);
    throw error;
  }
}

/** The playbooks, or a start stopped with the problem and the setting that names the folder. */
export function openPlaybooks(config: Config, log: Logger): PlaybookLibrary {
  try {
    return PlaybookLibrary.open(config.PLAYBOOKS_DIR, log, { maxBytes: config.CONFIG_MAX_BYTES });
  } catch (error) {
    if (error instanceof PlaybookFilesError) throw new StartupError('config_invalid', `${error.message}\n(PLAYBOOKS_DIR=${config.PLAYBOOKS_DIR})`);
    throw error;
  }
}

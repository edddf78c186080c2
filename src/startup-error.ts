/** A reason the bot cannot start, worded for the person reading the terminal. */
export class StartupError extends Error {
  constructor(
    readonly code: 'port_in_use' | 'database_unreachable' | 'data_dir_unwritable' | 'data_dir_locked' | 'migration_failed' | 'config_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'StartupError';
  }
}

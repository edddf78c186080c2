/**
 * The input was not a valid command. Carries the usage line of the subcommand concerned, so the
 * reply can show the asker what to type instead. Parsers return it, never throw it; handlers may
 * throw it (e.g. a time that cannot be resolved) and the dispatcher turns it into a reply.
 */
export class CommandUsageError extends Error {
  /** Lets `ParsedCommand | CommandUsageError` narrow on `kind` like the commands do. */
  readonly kind = 'usage_error' as const;

  constructor(
    message: string,
    /** E.g. "/incident sev <1-4>". */
    readonly usage: string,
  ) {
    super(message);
    this.name = 'CommandUsageError';
  }
}

export function isCommandUsageError(value: unknown): value is CommandUsageError {
  return value instanceof CommandUsageError;
}

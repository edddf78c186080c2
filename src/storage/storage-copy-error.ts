export type StorageCopyErrorCode =
  | 'not_a_backup'
  | 'damaged'
  | 'truncated'
  | 'newer_schema'
  | 'unknown_schema'
  | 'schema_mismatch'
  | 'count_mismatch'
  | 'checksum_mismatch'
  | 'target_not_empty'
  | 'already_moved'
  | 'no_store';

/** Why a backup, restore or move stopped, said for the person who ran it; nothing was changed. */
export class StorageCopyError extends Error {
  constructor(
    readonly code: StorageCopyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StorageCopyError';
  }
}

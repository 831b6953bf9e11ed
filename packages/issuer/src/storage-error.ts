import { asStorageFailure } from '@tradewind/agent';

/**
 * A failure of the database or the file system as a typed `STORAGE_ERROR` (a unique
 * key conflict as `ALREADY_EXISTS`); anything else (a TradewindError, a bug) unchanged.
 * Driver errors (SQLITE_READONLY, SQLITE_FULL, PostgreSQL's SQLSTATE codes, a refused
 * or dropped connection, …) and system errors (EACCES, ENOSPC, EROFS, …) must never
 * reach a caller raw: they name no code a caller can branch on. `location` (the SQLite
 * path, or the PostgreSQL URL without its password) is named when the database is
 * unreachable. The agent's {@link asStorageFailure} does the work, for both engines.
 */
export function asStorageError(error: unknown, what: string, location?: string): unknown {
  return asStorageFailure(error, what, location);
}

/** Runs `fn`, turning storage failures into `STORAGE_ERROR` (see {@link asStorageError}). */
export async function storage<T>(what: string, fn: () => Promise<T>, location?: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asStorageError(error, what, location);
  }
}

import { TradewindError } from '@tradewind/core';

/**
 * A failure of the database or the file system as a typed `STORAGE_ERROR` (a unique
 * key conflict as `ALREADY_EXISTS`); anything else (a TradewindError, a bug) unchanged.
 * Driver errors (SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, …) and system errors
 * (EACCES, ENOSPC, EFBIG, EROFS, …) must never reach a caller raw: they name no code
 * a caller can branch on.
 */
export function asStorageError(error: unknown, what: string): unknown {
  if (error instanceof TradewindError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  if (code.startsWith('SQLITE_CONSTRAINT') && /UNIQUE|PRIMARY KEY/i.test(error.message)) {
    return new TradewindError('ALREADY_EXISTS', `${what}: ${error.message}`, { cause: error });
  }
  if (code.startsWith('SQLITE_') || (/^E[A-Z0-9]+$/.test(code) && 'syscall' in error)) {
    return new TradewindError('STORAGE_ERROR', `${what}: ${error.message}`, { cause: error });
  }
  return error;
}

/** Runs `fn`, turning storage failures into `STORAGE_ERROR` (see {@link asStorageError}). */
export async function storage<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw asStorageError(error, what);
  }
}

/** File system error codes that mean the disk, its permissions or its limits failed a write or an open. */
const FS_CODES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large (a file size limit was reached)',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
};

/** SQLite result codes (and their extended forms, SQLITE_IOERR_WRITE …) that are storage failures. */
const SQLITE_CODES: Record<string, string> = {
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_IOERR: 'input/output error on the database',
  SQLITE_FULL: 'the disk is full (or a file size limit was reached)',
  SQLITE_CANTOPEN: 'the database file cannot be opened',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_NOTADB: 'the file is not a database',
  SQLITE_PERM: 'permission denied on the database',
  SQLITE_NOLFS: 'large files are not supported here',
  SQLITE_BUSY: 'the database stayed locked by another process',
  SQLITE_LOCKED: 'the database stayed locked',
  SQLITE_PROTOCOL: 'database locking protocol error',
};

/** A storage failure found in an error or its causes: the system's code and what it means. */
export interface StorageFailure {
  /** `ENOSPC`, `SQLITE_READONLY`, … as the system reported it. */
  systemCode: string;
  /** What the code means, in words. */
  meaning: string;
}

/**
 * Recognises an error that came from the disk or the database driver rather than from
 * the program or its input: a full disk, a file size limit, a read-only file or file
 * system, missing permissions, an I/O error, a damaged database. Looks through `cause`
 * chains and TypeORM's `driverError`, since libraries wrap what the driver threw.
 *
 * @example
 * ```ts
 * const failure = storageFailure(error); // { systemCode: 'SQLITE_FULL', meaning: '…' }
 * ```
 */
export function storageFailure(error: unknown): StorageFailure | undefined {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current !== null && typeof current === 'object' && !seen.has(current) && seen.size < 16) {
    seen.add(current);
    const found = fromCode((current as { code?: unknown }).code) ?? fromMessage((current as { message?: unknown }).message);
    if (found) return found;
    const driverError = (current as { driverError?: unknown }).driverError;
    current = driverError !== undefined && !seen.has(driverError) ? driverError : (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function fromCode(code: unknown): StorageFailure | undefined {
  if (typeof code !== 'string') return undefined;
  if (Object.hasOwn(FS_CODES, code)) return { systemCode: code, meaning: FS_CODES[code] as string };
  const base = /^SQLITE_[A-Z]+/.exec(code)?.[0];
  if (base !== undefined && Object.hasOwn(SQLITE_CODES, base)) return { systemCode: code, meaning: SQLITE_CODES[base] as string };
  return undefined;
}

/** node-sqlite3 puts the code in the message too ("SQLITE_FULL: database or disk is full"), sometimes only there. */
function fromMessage(message: unknown): StorageFailure | undefined {
  if (typeof message !== 'string') return undefined;
  const m = /^(SQLITE_[A-Z_]+):/.exec(message) ?? /^(E[A-Z]+):/.exec(message);
  return m ? fromCode(m[1]) : undefined;
}

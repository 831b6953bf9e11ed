import { createRequire } from 'node:module';
import { TradewindError } from '@tradewind/core';

// Processes that open a new file at the same moment race to create it: TypeORM checks
// which migrations ran, and creates its own table, before it opens a transaction. So one
// process at a time connects and migrates, under a lock on a small sidecar database
// `<path>.init-lock`: an exclusive SQLite transaction, that is an OS file lock (fcntl),
// which the kernel releases when the process dies, however it dies. A SIGKILL during
// the init window therefore never blocks later opens, and nothing has to be removed
// afterwards (the sidecar stays; it holds no data). An empty `.init-lock` file left by
// an earlier version, which used create-exclusive/unlink, is a valid empty database and
// is simply reused.

interface SqliteConnection {
  configure(option: 'busyTimeout', value: number): void;
  exec(sql: string, callback: (error: Error | null) => void): void;
  close(callback: (error: Error | null) => void): void;
}
const sqlite3 = createRequire(import.meta.url)('sqlite3') as {
  Database: new (path: string, mode: number, callback: (error: Error | null) => void) => SqliteConnection;
  OPEN_READWRITE: number;
  OPEN_CREATE: number;
};

/** Pause between attempts while another process holds the lock. */
const RETRY_MS = { min: 10, jitter: 30 };

/**
 * Runs `fn` while holding the init lock of database `path`, waiting up to `waitMs` for
 * another process to release it (then STORAGE_ERROR). When the sidecar cannot be
 * created or locked for a reason other than another holder (a read-only folder), `fn`
 * runs without the lock, as a single reader of such a folder can.
 *
 * @example
 * ```ts
 * await withInitLock('issuer.db', 30_000, () => dataSource.initialize());
 * ```
 */
export async function withInitLock<T>(path: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  return withFileLock(`${path}.init-lock`, waitMs, fn);
}

/**
 * Runs `fn` while holding an exclusive lock on the sidecar file `lockPath` (created if
 * needed, never removed): an OS lock (fcntl, through an exclusive SQLite transaction on
 * the sidecar) that the kernel releases when the process dies, however it dies, so a
 * kill never leaves a stale lock. Waits up to `waitMs` for another holder (0: one try),
 * then STORAGE_ERROR. When the sidecar cannot be created or locked for another reason
 * (a read-only folder), `fn` runs without the lock.
 *
 * @example
 * ```ts
 * await withFileLock('.births.issued.jsonl.lock', 0, () => appendCredentials());
 * ```
 */
export async function withFileLock<T>(lockPath: string, waitMs: number, fn: () => Promise<T>): Promise<T> {
  const connection = await open(lockPath);
  if (connection === undefined) return fn();
  try {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const error = await run(connection, 'BEGIN EXCLUSIVE');
      if (error === null) break;
      if (!isBusy(error)) return await fn(); // e.g. a read-only sidecar: open without the lock
      if (Date.now() > deadline) throw new TradewindError('STORAGE_ERROR', `timed out waiting for ${lockPath}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS.min + Math.random() * RETRY_MS.jitter));
    }
    try {
      return await fn();
    } finally {
      await run(connection, 'ROLLBACK');
    }
  } finally {
    await new Promise((resolve) => connection.close(resolve));
  }
}

function open(lockPath: string): Promise<SqliteConnection | undefined> {
  return new Promise((resolve) => {
    const connection: SqliteConnection = new sqlite3.Database(lockPath, sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, (error) =>
      resolve(error ? undefined : connection),
    );
    // The loop above waits between attempts on a timer; SQLite's own busy wait would hold a
    // thread of libuv's pool (node-sqlite3 sets one second by default).
    connection.configure('busyTimeout', 0);
  });
}

function run(connection: SqliteConnection, sql: string): Promise<Error | null> {
  return new Promise((resolve) => connection.exec(sql, (error) => resolve(error)));
}

function isBusy(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

import { TradewindError } from '@tradewind/core';
import sqlite3 from 'sqlite3';

/** A parameter SQLite accepts. */
export type SqlValue = string | number | null | Buffer;

/**
 * One promise-returning connection to an SQLite file. The wallet keeps two on its
 * database: a writer (all transactions, one at a time) and a reader, so that reads in
 * this process never see a transaction that has not committed — WAL gives the reader
 * the last committed snapshot while a write is in progress.
 */
export class SqliteConnection {
  private constructor(private readonly db: sqlite3.Database) {}

  /** Opens (creating when asked) the file in WAL mode with a busy timeout, so other writers wait instead of failing. */
  static async open(path: string, options: { readonly?: boolean } = {}): Promise<SqliteConnection> {
    const mode = options.readonly ? sqlite3.OPEN_READONLY : sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE;
    const db = await new Promise<sqlite3.Database>((resolve, reject) => {
      const handle = new sqlite3.Database(path, mode, (err) => (err ? reject(storageError(err, `cannot open ${path}`)) : resolve(handle)));
    });
    const conn = new SqliteConnection(db);
    db.configure('busyTimeout', 10_000);
    if (!options.readonly) {
      await conn.exec('PRAGMA journal_mode = WAL');
      // NORMAL is durable in WAL mode against process crashes (the SIGKILL case); only
      // a power loss may lose the last commits, never corrupt the file.
      await conn.exec('PRAGMA synchronous = NORMAL');
    }
    await conn.exec('PRAGMA foreign_keys = ON');
    return conn;
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(storageError(err, sql)) : resolve())));
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number; lastID: number }> {
    return new Promise((resolve, reject) =>
      this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(storageError(err, sql));
        else resolve({ changes: this.changes, lastID: this.lastID });
      }),
    );
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (err, rows) => (err ? reject(storageError(err, sql)) : resolve(rows as T[]))),
    );
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return new Promise((resolve, reject) =>
      this.db.get(sql, params, (err, row) => (err ? reject(storageError(err, sql)) : resolve(row as T | undefined))),
    );
  }

  /** A prepared statement, for the many identical inserts of a batch. */
  prepare(sql: string): PreparedStatement {
    return new PreparedStatement(this.db.prepare(sql), sql);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((err) => (err ? reject(storageError(err, 'close')) : resolve())));
  }
}

export class PreparedStatement {
  constructor(
    private readonly stmt: sqlite3.Statement,
    private readonly sql: string,
  ) {}

  run(params: readonly SqlValue[]): Promise<number> {
    const sql = this.sql;
    return new Promise((resolve, reject) =>
      this.stmt.run(params, function (this: sqlite3.RunResult, err: Error | null) {
        if (err) reject(storageError(err, sql));
        else resolve(this.changes);
      }),
    );
  }

  finalize(): Promise<void> {
    return new Promise((resolve) => this.stmt.finalize(() => resolve()));
  }
}

function storageError(err: Error, what: string): TradewindError {
  return new TradewindError('STORAGE_ERROR', `SQLite: ${err.message} (${what.slice(0, 80)})`, { cause: err });
}

import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';
import { TradewindError } from '@tradewind/core';

interface Sqlite3Statement {
  changes: number;
  lastID: number;
}
type RunCallback = (this: Sqlite3Statement, error: Error | null) => void;
interface Sqlite3Database {
  run(sql: string, params: unknown[], callback: RunCallback): void;
  get(sql: string, params: unknown[], callback: (error: Error | null, row: unknown) => void): void;
  all(sql: string, params: unknown[], callback: (error: Error | null, rows: unknown[]) => void): void;
  exec(sql: string, callback: (error: Error | null) => void): void;
  close(callback: (error: Error | null) => void): void;
  configure(option: 'busyTimeout', value: number): void;
}
const sqlite3 = createRequire(import.meta.url)('sqlite3') as {
  Database: new (path: string, callback: (error: Error | null) => void) => Sqlite3Database;
};

/**
 * The service's own small state — OpenID4VCI offers, pre-authorized codes, access
 * tokens, nonces, batch jobs — in a SQLite file of its own (the issuer's database holds
 * keys, the issuance log and status lists). Each module creates its tables with
 * {@link StateStore.migrate}; every statement takes bound parameters only.
 *
 * There is one connection, and SQLite's transactions belong to the connection: a
 * statement sent while another module's transaction is open would become part of it
 * (and be rolled back with it). So every statement outside {@link StateStore.transaction}
 * waits until no transaction of this store is open, and statements inside one (known
 * through the async context of its `work`) go straight to it.
 */
export class StateStore {
  private readonly db: Sqlite3Database;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly inTransaction = new AsyncLocalStorage<true>();

  private constructor(db: Sqlite3Database) {
    this.db = db;
  }

  static async open(path: string): Promise<StateStore> {
    const db = await new Promise<Sqlite3Database>((resolve, reject) => {
      const opened: Sqlite3Database = new sqlite3.Database(path, (error) => (error ? reject(storageError(error, path)) : resolve(opened)));
    });
    db.configure('busyTimeout', 10_000);
    const store = new StateStore(db);
    await store.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;');
    await store.exec('CREATE TABLE IF NOT EXISTS service_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
    return store;
  }

  /** Runs `sql` once per database, under `name` (never edit a migration that shipped: add one). */
  async migrate(name: string, sql: string): Promise<void> {
    await this.transaction(async () => {
      const done = await this.get('SELECT name FROM service_migrations WHERE name = ?', [name]);
      if (done) return;
      await this.exec(sql);
      await this.run('INSERT INTO service_migrations (name, applied_at) VALUES (?, ?)', [name, new Date().toISOString()]);
    });
  }

  exec(sql: string): Promise<void> {
    return this.serial(() => this.execNow(sql));
  }

  /** Runs one statement; resolves with the number of rows it changed. */
  run(sql: string, params: unknown[] = []): Promise<number> {
    return this.serial(
      () =>
        new Promise((resolve, reject) =>
          this.db.run(sql, params, function (error) {
            if (error) reject(storageError(error));
            else resolve(this.changes);
          }),
        ),
    );
  }

  get<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return this.serial(
      () =>
        new Promise((resolve, reject) =>
          this.db.get(sql, params, (error, row) => (error ? reject(storageError(error)) : resolve(row as T | undefined))),
        ),
    );
  }

  all<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) =>
      this.db.all(sql, params, (error, rows) => (error ? reject(storageError(error)) : resolve(rows as T[]))),
    );
  }

  /**
   * Runs `work` in one `BEGIN IMMEDIATE` transaction; transactions of this process run
   * one after another (one connection), other processes wait on SQLite's lock.
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore())
      return Promise.reject(new TradewindError('INVALID_ARGUMENT', 'transactions of the state store do not nest'));
    const next = this.queue.then(() =>
      this.inTransaction.run(true, async () => {
        await this.execNow('BEGIN IMMEDIATE');
        try {
          const result = await work();
          await this.execNow('COMMIT');
          return result;
        } catch (error) {
          await this.execNow('ROLLBACK').catch(() => {});
          throw error;
        }
      }),
    );
    this.queue = next.catch(() => {});
    return next;
  }

  /** A statement outside a transaction waits for the transactions queued before it; inside one it runs at once. */
  private serial<T>(statement: () => Promise<T>): Promise<T> {
    if (this.inTransaction.getStore()) return statement();
    const next = this.queue.then(statement);
    this.queue = next.catch(() => {});
    return next;
  }

  private execNow(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(storageError(error)) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(storageError(error)) : resolve())));
  }
}

function storageError(error: Error, path?: string): TradewindError {
  return new TradewindError('STORAGE_ERROR', `${path ? `cannot open ${path}: ` : ''}${error.message}`);
}

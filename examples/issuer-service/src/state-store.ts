import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { asStorageFailure, createPostgresPool, parseDatabaseLocation, toPostgresPlaceholders, withFileLock } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import type { Pool, PoolClient } from 'pg';

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
let sqlite3: { Database: new (path: string, callback: (error: Error | null) => void) => Sqlite3Database } | undefined;
function loadSqlite3() {
  sqlite3 ??= createRequire(import.meta.url)('sqlite3') as NonNullable<typeof sqlite3>;
  return sqlite3;
}

/** The engine a state store runs on: chosen by its location (a `postgres://` URL, else a SQLite file). */
export type StateEngine = 'sqlite' | 'postgres';

/**
 * A named schema change of the service's state, written once per engine (SQLite and
 * PostgreSQL disagree on column types and identity columns). Never edit one that shipped:
 * add another.
 */
export interface StateMigration {
  name: string;
  sqlite: string;
  postgres: string;
}

/** What {@link StateStore.inspect} finds in a state database. */
export interface StateMigrationReport {
  engine: StateEngine;
  /** The file path, or the URL without its password. */
  location: string;
  /** Nothing of the service's state in it yet (it is created on start). */
  fresh: boolean;
  applied: string[];
  pending: string[];
  /** Migrations this version does not know (a newer version wrote the database). */
  unknown: string[];
}

export interface OpenStateOptions {
  /**
   * The migrations the database must have, in order. A fresh database gets them all; an
   * existing one with some pending gets them with `'auto'` (the default) and is refused with
   * `'refuse'` (`MIGRATION_REQUIRED`). A database with migrations not listed here is refused
   * (`STORAGE_ERROR`). Without a list, nothing is checked.
   */
  migrations?: readonly StateMigration[];
  migrate?: 'auto' | 'refuse';
  /** Most connections to PostgreSQL (default 5). */
  poolSize?: number;
}

// Advisory locks of the state store: one namespace (the first key), then the lock's own key.
const LOCK_NAMESPACE = 0x74775354; // 'twST'
const MIGRATION_LOCK = 0;
// How many times a PostgreSQL transaction that lost a deadlock or serialization conflict runs again.
const CONFLICT_RETRIES = 3;

type Scope = { client?: PoolClient };

/**
 * The service's own small state — OpenID4VCI offers, pre-authorized codes, access
 * tokens, nonces, batch jobs — in a SQLite file of its own, or in a PostgreSQL database
 * (the issuer's own, by default). Each module's tables come from named migrations
 * ({@link StateMigration}, recorded in `service_migrations`); every statement takes bound
 * parameters only, written with `?` placeholders on both engines (rewritten to `$n` on
 * PostgreSQL, outside quoted literals).
 *
 * SQLite: there is one connection, and SQLite's transactions belong to the connection: a
 * statement sent while another module's transaction is open would become part of it (and
 * be rolled back with it). So every statement outside {@link StateStore.transaction}
 * waits until no transaction of this store is open, and statements inside one (known
 * through the async context of its `work`) go straight to it. Transactions run one after
 * another (`BEGIN IMMEDIATE`); other processes wait on SQLite's lock.
 *
 * PostgreSQL: a pool of connections; each transaction holds one of them (READ COMMITTED),
 * and statements inside it (known through the same async context) go to that connection.
 * Transactions of this process and of other instances run concurrently: single-use rows
 * are spent by conditional UPDATEs (the row lock makes a second one re-check its WHERE
 * and change nothing), reads that decide a write take {@link StateStore.forUpdate}, and
 * {@link StateStore.lock} serialises what no row can. A transaction that loses a deadlock
 * or serialization conflict is run again (up to 3 times), so `work` must be safe to repeat.
 * Failures are `STORAGE_ERROR`s naming the database (never its password).
 */
export class StateStore {
  readonly engine: StateEngine;
  /** The file path, or the URL without its password (safe to log). */
  readonly location: string;
  private readonly db: Sqlite3Database | undefined;
  private readonly pool: Pool | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly scope = new AsyncLocalStorage<Scope>();

  private constructor(engine: StateEngine, location: string, db?: Sqlite3Database, pool?: Pool) {
    this.engine = engine;
    this.location = location;
    this.db = db;
    this.pool = pool;
  }

  /**
   * Opens (creating when missing) the state database at `database`: a SQLite file path
   * or a `postgres://` / `postgresql://` URL. Fails with a `STORAGE_ERROR` naming the
   * database when it cannot be reached.
   */
  static async open(database: string, options: OpenStateOptions = {}): Promise<StateStore> {
    const store = await StateStore.connect(database, options.poolSize);
    try {
      if (options.migrations) await store.ensureMigrations(options.migrations, options.migrate ?? 'auto');
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /** What a state database holds and lacks, changing nothing (a missing SQLite file is not created). */
  static async inspect(database: string, migrations: readonly StateMigration[]): Promise<StateMigrationReport> {
    const location = parseDatabaseLocation(database);
    if (location.engine === 'sqlite') {
      const { existsSync } = await import('node:fs');
      if (!existsSync(location.path))
        return {
          engine: 'sqlite',
          location: location.display,
          fresh: true,
          applied: [],
          pending: migrations.map((m) => m.name),
          unknown: [],
        };
    }
    const store = await StateStore.connect(database);
    try {
      const applied = await store.appliedMigrations();
      return store.report(applied, migrations);
    } finally {
      await store.close();
    }
  }

  private static async connect(database: string, poolSize = 5): Promise<StateStore> {
    const location = parseDatabaseLocation(database);
    if (location.engine === 'postgres') {
      const pool = createPostgresPool(location.url, { poolSize });
      const store = new StateStore('postgres', location.display, undefined, pool);
      try {
        await pool.query('SELECT 1');
      } catch (error) {
        await pool.end().catch(() => undefined);
        throw store.failure(error, 'cannot open the state database');
      }
      return store;
    }
    const db = await new Promise<Sqlite3Database>((resolve, reject) => {
      const opened: Sqlite3Database = new (loadSqlite3().Database)(location.path, (error) =>
        error
          ? reject(new TradewindError('STORAGE_ERROR', `cannot open ${location.path}: ${error.message}`, { cause: error }))
          : resolve(opened),
      );
    });
    db.configure('busyTimeout', 10_000);
    const store = new StateStore('sqlite', location.display, db);
    try {
      // Switching a new file to WAL takes a lock that SQLite does not wait for (busy_timeout
      // does not apply): processes opening the same new file at once take turns under the
      // file's open lock, as the issuer's database does.
      await withFileLock(`${location.path}.init-lock`, 10_000, () => store.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;'));
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  /**
   * Checks `migrations` against the database under the migration lock: a fresh database
   * gets them all, pending ones are applied (`auto`) or refused (`refuse`). Concurrent
   * starts on one database wait for each other (SQLite's write lock, a PostgreSQL
   * advisory lock), so one creates the tables and the others find them.
   */
  async ensureMigrations(migrations: readonly StateMigration[], mode: 'auto' | 'refuse'): Promise<string[]> {
    return this.transaction(async () => {
      await this.lock(MIGRATION_LOCK);
      const report = this.report(await this.appliedMigrations(), migrations);
      if (report.unknown.length > 0)
        throw new TradewindError(
          'STORAGE_ERROR',
          `the state database ${this.location} has migrations this version does not know (${report.unknown.join(', ')}): it was written by a newer version`,
        );
      if (report.pending.length === 0) return [];
      if (!report.fresh && mode === 'refuse')
        throw new TradewindError(
          'MIGRATION_REQUIRED',
          `the state database ${this.location} needs migrations: ${report.pending.join(', ')}`,
        );
      await this.exec('CREATE TABLE IF NOT EXISTS service_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      for (const name of report.pending) {
        const migration = migrations.find((m) => m.name === name) as StateMigration;
        await this.exec(this.engine === 'postgres' ? migration.postgres : migration.sqlite);
        await this.run('INSERT INTO service_migrations (name, applied_at) VALUES (?, ?)', [name, new Date().toISOString()]);
      }
      return report.pending;
    });
  }

  /**
   * Runs one migration once per database, under `name`, when it has not run yet (a
   * database opened with its module's migrations listed already has it).
   */
  async migrate(name: string, sql: string | Omit<StateMigration, 'name'>): Promise<void> {
    const migration = typeof sql === 'string' ? { name, sqlite: sql, postgres: sql } : { name, ...sql };
    await this.transaction(async () => {
      await this.lock(MIGRATION_LOCK);
      if ((await this.appliedMigrations()).includes(name)) return;
      await this.exec('CREATE TABLE IF NOT EXISTS service_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
      await this.exec(this.engine === 'postgres' ? migration.postgres : migration.sqlite);
      await this.run('INSERT INTO service_migrations (name, applied_at) VALUES (?, ?)', [name, new Date().toISOString()]);
    });
  }

  private async appliedMigrations(): Promise<string[]> {
    const exists =
      this.engine === 'postgres'
        ? await this.get(`SELECT 1 AS found WHERE to_regclass('service_migrations') IS NOT NULL`)
        : await this.get(`SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'service_migrations'`);
    if (!exists) return [];
    return (await this.all<{ name: string }>('SELECT name FROM service_migrations ORDER BY applied_at, name')).map((r) => r.name);
  }

  private report(applied: string[], migrations: readonly StateMigration[]): StateMigrationReport {
    const known = new Set(migrations.map((m) => m.name));
    return {
      engine: this.engine,
      location: this.location,
      fresh: applied.length === 0,
      applied,
      pending: migrations.filter((m) => !applied.includes(m.name)).map((m) => m.name),
      unknown: applied.filter((name) => !known.has(name)),
    };
  }

  /**
   * ` FOR UPDATE` on PostgreSQL (append it to a SELECT inside a transaction to lock the
   * rows it reads until the transaction ends), nothing on SQLite, whose transactions run
   * one at a time anyway.
   */
  get forUpdate(): string {
    return this.engine === 'postgres' ? ' FOR UPDATE' : '';
  }

  /**
   * ` FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on SQLite: for housekeeping
   * (deleting expired rows) that any instance may do, so that instances doing it at once
   * each take the rows no other holds instead of waiting on (or deadlocking with) each other.
   */
  get skipLocked(): string {
    return this.engine === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  }

  /**
   * Inside a transaction: waits until no other transaction (of any instance) holds the
   * lock named `key`, and holds it until this one ends (a PostgreSQL transaction-level
   * advisory lock). On SQLite a no-op: its transactions already run one at a time.
   */
  async lock(key: string | number): Promise<void> {
    if (this.engine !== 'postgres') return;
    if (!this.scope.getStore()?.client) throw new TradewindError('INVALID_ARGUMENT', 'lock() is only meaningful inside a transaction');
    const id = typeof key === 'number' ? key : createHash('sha256').update(key, 'utf8').digest().readInt32BE(0);
    await this.run('SELECT pg_advisory_xact_lock(?::integer, ?::integer)', [LOCK_NAMESPACE, id]);
  }

  exec(sql: string): Promise<void> {
    if (this.pool) return this.pgQuery(sql, undefined, 'cannot update the state database').then(() => undefined);
    return this.serial(() => this.execNow(sql));
  }

  /** Runs one statement; resolves with the number of rows it changed. */
  run(sql: string, params: unknown[] = []): Promise<number> {
    if (this.pool) return this.pgQuery(sql, params, 'cannot write the state database').then((r) => r.rowCount ?? 0);
    const db = this.db as Sqlite3Database;
    return this.serial(
      () =>
        new Promise((resolve, reject) =>
          db.run(sql, params, function (error) {
            if (error) reject(storageError(error));
            else resolve(this.changes);
          }),
        ),
    );
  }

  get<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    if (this.pool) return this.pgQuery(sql, params, 'cannot read the state database').then((r) => r.rows[0] as T | undefined);
    const db = this.db as Sqlite3Database;
    return this.serial(
      () =>
        new Promise((resolve, reject) =>
          db.get(sql, params, (error, row) => (error ? reject(storageError(error)) : resolve(row as T | undefined))),
        ),
    );
  }

  all<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (this.pool) return this.pgQuery(sql, params, 'cannot read the state database').then((r) => r.rows as T[]);
    const db = this.db as Sqlite3Database;
    return this.serial(
      () =>
        new Promise((resolve, reject) =>
          db.all(sql, params, (error, rows) => (error ? reject(storageError(error)) : resolve(rows as T[]))),
        ),
    );
  }

  /**
   * Runs `work` in one transaction: all of its statements commit together, or none (it
   * throws). SQLite: `BEGIN IMMEDIATE`, one transaction of this process at a time.
   * PostgreSQL: on a connection of its own, concurrently with others (see the class notes).
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.scope.getStore()) return Promise.reject(new TradewindError('INVALID_ARGUMENT', 'transactions of the state store do not nest'));
    if (this.pool) return this.pgTransaction(this.pool, work);
    const next = this.queue.then(() =>
      this.scope.run({}, async () => {
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

  private async pgTransaction<T>(pool: Pool, work: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pgTransactionOnce(pool, work);
      } catch (error) {
        const cause = (error as { cause?: unknown } | null)?.cause;
        if (!(isRetryableConflict(error) || isRetryableConflict(cause)) || attempt >= CONFLICT_RETRIES) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  private async pgTransactionOnce<T>(pool: Pool, work: () => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw this.failure(error, 'cannot start a transaction');
    }
    // A connection that failed in the middle of a transaction is dropped, never reused.
    let broken = false;
    // A checked-out connection that the server ends emits 'error' on the client (the pool
    // listens only to idle ones): unheard, that would end the process. The statement in
    // flight, or the next one, fails on its own.
    const onError = () => {
      broken = true;
    };
    client.on('error', onError);
    try {
      try {
        await client.query('BEGIN');
      } catch (error) {
        broken = true;
        throw this.failure(error, 'cannot start a transaction');
      }
      let result: T;
      try {
        result = await this.scope.run({ client }, work);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw error;
      }
      try {
        await client.query('COMMIT');
      } catch (error) {
        broken = true;
        throw this.failure(error, 'cannot commit to the state database');
      }
      return result;
    } finally {
      client.removeListener('error', onError);
      client.release(broken ? true : undefined);
    }
  }

  private async pgQuery(sql: string, params: unknown[] | undefined, what: string) {
    const text = params === undefined ? sql : toPostgresPlaceholders(sql);
    const client = this.scope.getStore()?.client;
    try {
      return await (client ?? (this.pool as Pool)).query(text, params);
    } catch (error) {
      throw this.failure(error, what);
    }
  }

  private failure(error: unknown, what: string): unknown {
    const typed = asStorageFailure(error, what, this.location);
    if (typed instanceof TradewindError || !(error instanceof Error)) return typed;
    return new TradewindError('STORAGE_ERROR', `${what} (${this.location}): ${error.message}`, { cause: error });
  }

  /** A statement outside a transaction waits for the transactions queued before it; inside one it runs at once. */
  private serial<T>(statement: () => Promise<T>): Promise<T> {
    if (this.scope.getStore()) return statement();
    const next = this.queue.then(statement);
    this.queue = next.catch(() => {});
    return next;
  }

  private execNow(sql: string): Promise<void> {
    const db = this.db as Sqlite3Database;
    return new Promise((resolve, reject) => db.exec(sql, (error) => (error ? reject(storageError(error)) : resolve())));
  }

  close(): Promise<void> {
    if (this.pool) return this.pool.end();
    const db = this.db as Sqlite3Database;
    return new Promise((resolve, reject) => db.close((error) => (error ? reject(storageError(error)) : resolve())));
  }
}

/** A deadlock or serialization failure: PostgreSQL rolled the transaction back, and running it again may succeed. */
function isRetryableConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

function storageError(error: Error): TradewindError {
  return new TradewindError('STORAGE_ERROR', error.message, { cause: error });
}

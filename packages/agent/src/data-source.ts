import { createRequire } from 'node:module';
import { TradewindError } from '@tradewind/core';
import { Entities } from '@veramo/data-store';
import { DataSource, type MigrationInterface } from 'typeorm';
import { asStorageFailure, type DatabaseLocation, loadPg, type Pool, type PoolClient, postgresPoolConfig } from './database.js';
import { withInitLock } from './init-lock.js';

// The sqlite3 module as TypeORM gets it, with three changes:
// - TypeORM switches sqlite3 to verbose mode, which wraps every call to util.inspect its
//   arguments (the SQL text and every bound value) for long stack traces: a large share
//   of the time of bulk inserts. Here verbose() returns the plain module.
// - Transactions TypeORM opens (Veramo's saves, migrations) start with BEGIN IMMEDIATE:
//   a deferred transaction that reads and then writes fails at once with SQLITE_BUSY
//   when another process wrote in between, while an immediate one waits its turn.
// - Waiting for another connection's write lock happens here, on timers, not in SQLite's
//   busy handler: that one sleeps on a thread of libuv's pool (four by default) while
//   holding its connection, and the connection's other statements queue on more threads.
//   Two connections to one file in one process (two issuers, an issuer and a service's
//   state) could so take every thread while one waited for the other, which then could
//   not run the statements that would release its lock: SQLITE_BUSY after the timeout.
//   The connection's own busy timeout is 0, and a statement answered SQLITE_BUSY runs
//   again after a pause (1 ms, growing to 100 ms, like SQLite's own) until the timeout.
//   A statement refused with SQLITE_BUSY changed nothing (BEGIN, an autocommit write, a
//   read, COMMIT — which leaves its transaction open), so running it again is safe.
type SqliteCallback = (...args: unknown[]) => void;
interface SqliteDatabase {
  all(sql: string, ...rest: unknown[]): unknown;
  run(sql: string, ...rest: unknown[]): unknown;
  configure(option: 'busyTimeout', value: number): void;
}
const sqlite3 = createRequire(import.meta.url)('sqlite3') as {
  Database: new (path: string, mode?: number, callback?: SqliteCallback) => SqliteDatabase;
};
const BEGIN_DEFERRED = /^\s*BEGIN(\s+DEFERRED)?(\s+TRANSACTION)?\s*;?\s*$/i;
const immediate = (sql: string) => (typeof sql === 'string' && BEGIN_DEFERRED.test(sql) ? 'BEGIN IMMEDIATE TRANSACTION' : sql);
/** Pauses between attempts at a busy statement, in ms (the last one repeats). */
const BUSY_PAUSES_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/** Whether a node-sqlite3 error is SQLITE_BUSY (another connection holds the lock). */
export function isSqliteBusy(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'SQLITE_BUSY' || (typeof message === 'string' && message.startsWith('SQLITE_BUSY'));
}

/** The sqlite3 module for one data source, waiting up to `busyTimeoutMs` for a lock. */
function sqliteDriverFor(busyTimeoutMs: number): Record<string, unknown> {
  class PatientDatabase extends sqlite3.Database {
    constructor(...args: [path: string, mode?: number, callback?: SqliteCallback]) {
      super(...args);
      // Queued before any statement: SQLite never waits in a thread of the pool.
      this.configure('busyTimeout', 0);
    }
    override all(sql: string, ...rest: unknown[]): unknown {
      return this.patiently('all', immediate(sql), rest);
    }
    override run(sql: string, ...rest: unknown[]): unknown {
      return this.patiently('run', immediate(sql), rest);
    }
    private patiently(method: 'all' | 'run', sql: string, rest: unknown[]): unknown {
      const last = rest.length - 1;
      const callback = rest[last];
      if (typeof callback !== 'function') return method === 'all' ? super.all(sql, ...rest) : super.run(sql, ...rest);
      const args = rest.slice(0, last);
      const deadline = Date.now() + busyTimeoutMs;
      let attempt = 0;
      const send = (): unknown => (method === 'all' ? super.all(sql, ...args, retrying) : super.run(sql, ...args, retrying));
      // node-sqlite3 calls back with the statement as `this` (lastID, changes): kept.
      function retrying(this: unknown, error: unknown, ...results: unknown[]): void {
        if (isSqliteBusy(error) && Date.now() < deadline) {
          const pause = BUSY_PAUSES_MS[Math.min(attempt++, BUSY_PAUSES_MS.length - 1)] as number;
          setTimeout(send, Math.min(pause, Math.max(1, deadline - Date.now())));
          return;
        }
        (callback as SqliteCallback).call(this, error, ...results);
      }
      return send();
    }
  }
  const driver: Record<string, unknown> = { ...sqlite3, Database: PatientDatabase };
  driver.verbose = () => driver;
  return driver;
}

/** Connection settings of a data source. */
export interface DataSourceSettings {
  /** SQLite: how long a write waits for another process's lock, in ms (default 30 000). */
  busyTimeoutMs?: number;
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL: how long to wait for a connection, in ms (default 10 000). */
  connectTimeoutMs?: number;
}

/**
 * A TypeORM data source (not yet initialised) on a SQLite file (WAL) or a PostgreSQL
 * database, with Veramo's entities and the given migrations; never `synchronize`, and
 * migrations run only when {@link prepareSchema} says so.
 */
export function createDataSource(
  location: DatabaseLocation,
  migrations: ReadonlyArray<new () => MigrationInterface>,
  settings: DataSourceSettings,
): DataSource {
  if (location.engine === 'sqlite') {
    return new DataSource({
      type: 'sqlite',
      driver: sqliteDriverFor(settings.busyTimeoutMs ?? 30_000),
      database: location.path,
      entities: Entities,
      migrations: [...migrations],
      migrationsRun: false,
      synchronize: false,
      logging: false,
      enableWAL: true,
      // No busyTimeout here: the driver above waits for locks (see there).
    });
  }
  return new DataSource({
    type: 'postgres',
    driver: loadPg(),
    url: location.url,
    entities: Entities,
    migrations: [...migrations],
    migrationsRun: false,
    synchronize: false,
    logging: false,
    extra: postgresPoolConfig(settings),
  });
}

/** The node-postgres pool under a PostgreSQL data source. */
export function poolOf(dataSource: DataSource): Pool {
  const pool = (dataSource.driver as unknown as { master?: Pool }).master;
  if (!pool) throw new TradewindError('STORAGE_ERROR', 'the PostgreSQL data source has no connection pool');
  return pool;
}

// Arbitrary, fixed advisory lock key: Tradewind schema changes in this database.
const SCHEMA_LOCK_KEY = 7_402_118_301;

/**
 * Runs `fn` while holding the database's schema lock, so that processes opening or
 * migrating the same database do it one at a time. SQLite: the file lock of the init
 * sidecar (also taken around the data source's initialisation, which creates the file).
 * PostgreSQL: a session advisory lock on a connection of its own, which the server
 * releases when that connection ends, however the process ends. Waits up to `timeoutMs`,
 * then `STORAGE_ERROR`.
 */
export async function withDatabaseLock<T>(
  dataSource: DataSource,
  location: DatabaseLocation,
  timeoutMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  if (location.engine === 'sqlite') return withInitLock(location.path, timeoutMs, fn);
  const pool = poolOf(dataSource);
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (cause) {
    throw asStorageFailure(cause, 'cannot lock the database schema', location.display);
  }
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = (await client.query('SELECT pg_try_advisory_lock($1) AS "locked"', [SCHEMA_LOCK_KEY])).rows as Array<{
        locked: boolean;
      }>;
      if (rows[0]?.locked) break;
      if (Date.now() > deadline)
        throw new TradewindError('STORAGE_ERROR', `timed out waiting for another process to finish migrating ${location.display}`);
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [SCHEMA_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.removeListener('error', onError);
    client.release(broken ? true : undefined);
  }
}

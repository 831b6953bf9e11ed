import { createRequire } from 'node:module';
import { TradewindError } from '@tradewind/core';
import { Entities } from '@veramo/data-store';
import { DataSource, type MigrationInterface } from 'typeorm';
import { asStorageFailure, type DatabaseLocation, loadPg, type Pool, type PoolClient, postgresPoolConfig } from './database.js';
import { withInitLock } from './init-lock.js';

// The sqlite3 module as TypeORM gets it, with two changes:
// - TypeORM switches sqlite3 to verbose mode, which wraps every call to util.inspect its
//   arguments (the SQL text and every bound value) for long stack traces: a large share
//   of the time of bulk inserts. Here verbose() returns the plain module.
// - Transactions TypeORM opens (Veramo's saves, migrations) start with BEGIN IMMEDIATE:
//   a deferred transaction that reads and then writes fails at once with SQLITE_BUSY
//   when another process wrote in between, while an immediate one waits its turn.
type SqliteCallback = (...args: unknown[]) => void;
interface SqliteDatabase {
  all(sql: string, ...rest: unknown[]): unknown;
  run(sql: string, ...rest: unknown[]): unknown;
}
const sqlite3 = createRequire(import.meta.url)('sqlite3') as {
  Database: new (path: string, mode?: number, callback?: SqliteCallback) => SqliteDatabase;
};
const BEGIN_DEFERRED = /^\s*BEGIN(\s+DEFERRED)?(\s+TRANSACTION)?\s*;?\s*$/i;
const immediate = (sql: string) => (typeof sql === 'string' && BEGIN_DEFERRED.test(sql) ? 'BEGIN IMMEDIATE TRANSACTION' : sql);
class ImmediateDatabase extends sqlite3.Database {
  override all(sql: string, ...rest: unknown[]): unknown {
    return super.all(immediate(sql), ...rest);
  }
  override run(sql: string, ...rest: unknown[]): unknown {
    return super.run(immediate(sql), ...rest);
  }
}
const sqliteDriver: Record<string, unknown> = { ...sqlite3, Database: ImmediateDatabase };
sqliteDriver.verbose = () => sqliteDriver;

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
      driver: sqliteDriver,
      database: location.path,
      entities: Entities,
      migrations: [...migrations],
      migrationsRun: false,
      synchronize: false,
      logging: false,
      enableWAL: true,
      busyTimeout: settings.busyTimeoutMs ?? 30_000,
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

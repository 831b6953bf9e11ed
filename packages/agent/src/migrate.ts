import { existsSync } from 'node:fs';
import { TradewindError } from '@tradewind/core';
import { migrations as veramoMigrations } from '@veramo/data-store';
import type { DataSource, MigrationInterface } from 'typeorm';
import { createDataSource, withDatabaseLock } from './data-source.js';
import { asStorageFailure, type DatabaseEngine, type DatabaseLocation, parseDatabaseLocation } from './database.js';
import { CreateTradewindMeta1764300000000 } from './migrations.js';

/** A TypeORM migration class (its name ends in a 13-digit JavaScript timestamp). */
export type MigrationClass = new () => MigrationInterface;

/** What {@link inspectMigrations} found in a database. */
export interface MigrationState {
  engine: DatabaseEngine;
  /** The path, or the URL without its password. */
  location: string;
  /** Nothing in it yet: opening it creates every table. */
  fresh: boolean;
  /** Migrations recorded in the database, in the order they ran. */
  applied: string[];
  /** Migrations of this version not yet applied, in the order they would run. */
  pending: string[];
  /** Migrations recorded in the database that this version does not know (a newer version made it). */
  unknown: string[];
}

/** Every migration of a database of the agent plus `extra` (a package's own), in the order they run. */
export function allMigrations(extra: readonly MigrationClass[] = []): MigrationClass[] {
  return [...(veramoMigrations as MigrationClass[]), CreateTradewindMeta1764300000000, ...extra];
}

function nameOf(migration: MigrationClass): string {
  return new migration().name ?? migration.name;
}

function timestampOf(name: string): number {
  return Number.parseInt(name.slice(-13), 10);
}

/** Names in the order TypeORM runs them (by their timestamp). */
export function migrationNames(extra: readonly MigrationClass[] = []): string[] {
  return allMigrations(extra)
    .map(nameOf)
    .sort((a, b) => timestampOf(a) - timestampOf(b));
}

/** Reads the migration state of an open data source (reads only). */
export async function readMigrationState(
  dataSource: DataSource,
  location: DatabaseLocation,
  extra: readonly MigrationClass[] = [],
): Promise<MigrationState> {
  const tables =
    location.engine === 'sqlite'
      ? ((await dataSource.query(`SELECT "name" FROM "sqlite_master" WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite_%'`)) as Array<{
          name: string;
        }>)
      : ((await dataSource.query(
          `SELECT "table_name" AS "name" FROM "information_schema"."tables" WHERE "table_schema" = current_schema()`,
        )) as Array<{ name: string }>);
  const names = new Set(tables.map((t) => t.name));
  const known = migrationNames(extra);
  let applied: string[] = [];
  if (names.has('migrations')) {
    const rows = (await dataSource.query(`SELECT "name" FROM "migrations" ORDER BY "id"`)) as Array<{ name: string }>;
    applied = rows.map((r) => r.name);
  }
  const done = new Set(applied);
  const knownSet = new Set(known);
  return {
    engine: location.engine,
    location: location.display,
    fresh: names.size === 0,
    applied,
    pending: known.filter((n) => !done.has(n)),
    unknown: applied.filter((n) => !knownSet.has(n)),
  };
}

/** The error for a database a newer version migrated. */
export function newerDatabaseError(state: MigrationState): TradewindError {
  return new TradewindError(
    'STORAGE_ERROR',
    `the database ${state.location} was migrated by a newer version of Tradewind (migrations this version does not know: ${state.unknown.join(', ')}): upgrade Tradewind to open it`,
  );
}

/** The error for an existing database with pending migrations that must not be applied implicitly. */
export function migrationRequiredError(state: MigrationState): TradewindError {
  return new TradewindError(
    'MIGRATION_REQUIRED',
    `the database ${state.location} needs ${state.pending.length} migration${state.pending.length === 1 ? '' : 's'} (${state.pending.join(', ')}): run \`tradewind issuer migrate --db ${state.location}\` first`,
  );
}

interface OpenForMigration {
  dataSource: DataSource;
  location: DatabaseLocation;
}

/** Options of {@link inspectMigrations} and {@link applyMigrations}. */
export interface MigrationOptions {
  /** A SQLite file path or a `postgres://` URL. */
  database: string;
  /** The package's own migration classes (e.g. the issuer's), run after Veramo's and the agent's. */
  migrations?: readonly MigrationClass[];
  /** How long to wait for another process migrating the same database, in ms (default 30 000). */
  lockTimeoutMs?: number;
}

/**
 * Which migrations a database has and lacks, without the secret and without writing
 * anything. A SQLite file that does not exist is `NOT_FOUND`.
 *
 * @example
 * ```ts
 * const state = await inspectMigrations({ database: 'issuer.db', migrations: ISSUER_MIGRATIONS })
 * state.pending // ['AddStatusListVersion1764900000000']
 * ```
 */
export async function inspectMigrations(options: MigrationOptions): Promise<MigrationState> {
  const { dataSource, location } = await openForMigration(options);
  try {
    return await readMigrationState(dataSource, location, options.migrations ?? []);
  } catch (error) {
    throw asStorageFailure(error, 'cannot read the migrations', location.display);
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
}

/**
 * Applies the pending migrations of a database, all in one transaction (all or
 * nothing), under the lock that keeps two processes from migrating at once; resolves
 * with the names applied, in order. A database a newer version migrated is refused
 * (`STORAGE_ERROR`). Needs no secret: no key is read.
 *
 * @example
 * ```ts
 * await applyMigrations({ database: process.env.DATABASE_URL!, migrations: ISSUER_MIGRATIONS })
 * ```
 */
export async function applyMigrations(options: MigrationOptions): Promise<string[]> {
  const { dataSource, location } = await openForMigration(options);
  try {
    return await withDatabaseLock(dataSource, location, options.lockTimeoutMs ?? 30_000, async () => {
      const state = await readMigrationState(dataSource, location, options.migrations ?? []);
      if (state.unknown.length > 0) throw newerDatabaseError(state);
      if (state.pending.length === 0) return [];
      const ran = await dataSource.runMigrations({ transaction: 'all' });
      return ran.map((m) => m.name);
    });
  } catch (error) {
    throw asStorageFailure(error, 'cannot apply the migrations', location.display);
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
}

async function openForMigration(options: MigrationOptions): Promise<OpenForMigration> {
  if (!options || typeof options !== 'object') throw new TradewindError('INVALID_ARGUMENT', 'options with a database are required');
  const location = parseDatabaseLocation(options.database);
  if (location.engine === 'sqlite' && !existsSync(location.path)) throw new TradewindError('NOT_FOUND', `no database at ${location.path}`);
  const dataSource = createDataSource(location, allMigrations(options.migrations ?? []), {});
  try {
    await dataSource.initialize();
  } catch (cause) {
    throw asStorageFailure(cause, 'cannot open the database', location.display);
  }
  return { dataSource, location };
}

/**
 * Brings an initialised data source up to date as `migrate` says, under the database
 * lock: a fresh database gets every migration; an existing one with pending migrations
 * gets them with `'auto'` and `MIGRATION_REQUIRED` with `'refuse'`; one a newer version
 * migrated is `STORAGE_ERROR`.
 */
export async function prepareSchema(
  dataSource: DataSource,
  location: DatabaseLocation,
  extra: readonly MigrationClass[],
  migrate: 'auto' | 'refuse',
): Promise<MigrationState> {
  const state = await readMigrationState(dataSource, location, extra);
  if (state.unknown.length > 0) throw newerDatabaseError(state);
  if (state.pending.length === 0) return state;
  if (!state.fresh && migrate === 'refuse') throw migrationRequiredError(state);
  await dataSource.runMigrations({ transaction: 'all' });
  return readMigrationState(dataSource, location, extra);
}

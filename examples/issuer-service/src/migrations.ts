import { applyMigrations, inspectMigrations, type MigrationState, parseDatabaseLocation } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { ISSUER_MIGRATIONS } from '@tradewind/issuer';
import { STATE_MIGRATIONS } from './state-migrations.js';
import { type StateMigrationReport, StateStore } from './state-store.js';

/** The two databases of the service, as {@link inspectServiceMigrations} finds them. */
export interface ServiceMigrations {
  /** The issuer's database (Veramo's, the agent's and the issuer's migrations). */
  issuer: MigrationState;
  /** The service's own state (its `service_migrations`). */
  state: StateMigrationReport;
}

/** Where the service keeps its data. */
export interface DatabaseSettings {
  database: string;
  stateDatabase: string;
}

/**
 * What each of the service's databases has and lacks, changing nothing. A database that
 * does not exist yet (a missing SQLite file) or is empty is `fresh`: the service creates
 * it on its first start.
 */
export async function inspectServiceMigrations(settings: DatabaseSettings): Promise<ServiceMigrations> {
  let issuer: MigrationState;
  try {
    issuer = await inspectMigrations({ database: settings.database, migrations: ISSUER_MIGRATIONS });
  } catch (error) {
    if (!(error instanceof TradewindError && error.code === 'NOT_FOUND')) throw error;
    // No SQLite file yet: the service creates it with every migration.
    issuer = {
      engine: 'sqlite',
      location: parseDatabaseLocation(settings.database).display,
      fresh: true,
      applied: [],
      pending: [],
      unknown: [],
    };
  }
  const state = await StateStore.inspect(settings.stateDatabase, STATE_MIGRATIONS);
  return { issuer, state };
}

/** Whether the service would refuse to start: migrations pending on an existing database. */
export function migrationsRequired(found: ServiceMigrations): boolean {
  return (!found.issuer.fresh && found.issuer.pending.length > 0) || (!found.state.fresh && found.state.pending.length > 0);
}

/**
 * Applies the pending migrations of both databases: the issuer's first (all in one
 * transaction, under the agent's migration lock), then the service's state (one
 * transaction, under its own lock). A missing SQLite issuer file is left for the service's
 * first start to create. Resolves with what was applied.
 */
export async function applyServiceMigrations(settings: DatabaseSettings): Promise<{ issuer: string[]; state: string[] }> {
  let issuer: string[] = [];
  try {
    issuer = await applyMigrations({ database: settings.database, migrations: ISSUER_MIGRATIONS });
  } catch (error) {
    if (!(error instanceof TradewindError && error.code === 'NOT_FOUND')) throw error;
  }
  const store = await StateStore.open(settings.stateDatabase);
  try {
    const state = await store.ensureMigrations(STATE_MIGRATIONS, 'auto');
    return { issuer, state };
  } finally {
    await store.close();
  }
}

/**
 * The refusal of a start on databases with pending migrations: names each database (never
 * a password), what it lacks, and the command that applies it.
 */
export function migrationRequiredError(found: ServiceMigrations, configFile?: string): TradewindError {
  const parts: string[] = [];
  if (!found.issuer.fresh && found.issuer.pending.length > 0)
    parts.push(`the issuer database ${found.issuer.location} needs ${found.issuer.pending.join(', ')}`);
  if (!found.state.fresh && found.state.pending.length > 0)
    parts.push(`the service state database ${found.state.location} needs ${found.state.pending.join(', ')}`);
  const command = `tradewind-issuer-service migrate --config ${configFile ?? 'FILE'}`;
  return new TradewindError(
    'MIGRATION_REQUIRED',
    `${parts.join('; ')}. Back the database up, then apply them with \`${command}\` (nothing is migrated on start)`,
  );
}

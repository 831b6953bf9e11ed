import { existsSync } from 'node:fs';
import { inspectMigrations, parseDatabaseLocation } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { ISSUER_MIGRATIONS, type Issuer, type OpenIssuerOptions, openIssuer } from '@tradewind/issuer';
import type { Io } from '../io.js';
import { readSecret, SECRET_OPTIONS } from '../secret.js';
import { UsageError } from '../usage-error.js';

/** The environment variable naming the issuer database when `--db` is not given. */
export const ISSUER_DB_ENV = 'TRADEWIND_ISSUER_DB';

/** Flags of every command that opens the issuer database. */
export const ISSUER_DB_OPTIONS = {
  db: { type: 'string' },
  ...SECRET_OPTIONS,
} as const;

export const ISSUER_DB_HELP = `  --db FILE|URL            issuer database: a SQLite file or a postgres:// URL
                           (default: $${ISSUER_DB_ENV})
  --secret-file FILE       file holding the database secret (default: $TRADEWIND_SECRET)`;

/**
 * The issuer database named by `--db` (or TRADEWIND_ISSUER_DB): a SQLite file path or a
 * PostgreSQL URL. Missing is a usage error.
 */
export function issuerDatabase(values: { db?: string | undefined }, io: Io): string {
  const database = values.db ?? io.env[ISSUER_DB_ENV];
  if (database === undefined || database === '')
    throw new UsageError(`no issuer database given: pass --db FILE|URL or set ${ISSUER_DB_ENV}`);
  return database;
}

/** The database as messages show it: a PostgreSQL URL without its password. */
export function displayedDatabase(database: string): string {
  return parseDatabaseLocation(database).display;
}

/**
 * Whether the issuer database exists: the SQLite file is there, or the PostgreSQL
 * database has tables (an empty one is what `tradewind issuer init` fills). Reading
 * that on PostgreSQL connects to it: an unreachable server is STORAGE_ERROR naming it.
 */
export async function issuerDatabaseExists(database: string): Promise<boolean> {
  const location = parseDatabaseLocation(database);
  if (location.engine === 'sqlite') return existsSync(location.path);
  const state = await inspectMigrations({ database, migrations: ISSUER_MIGRATIONS });
  return !state.fresh;
}

/**
 * Opens the issuer database named by `--db` (or TRADEWIND_ISSUER_DB) with the secret
 * from `--secret-file` (or TRADEWIND_SECRET), runs `fn` and closes it. A missing
 * database (no file, or an empty PostgreSQL database) is a usage error naming
 * `tradewind issuer init`; a wrong secret is `WRONG_SECRET`. An existing database with
 * migrations pending is not migrated behind the user's back: MIGRATION_REQUIRED names
 * `tradewind issuer migrate`, which applies them (all or nothing) when the operator
 * chooses to.
 */
export async function withIssuer<T>(
  values: { db?: string | undefined; 'secret-file'?: string | undefined },
  io: Io,
  fn: (issuer: Issuer) => Promise<T>,
  options: { create?: boolean; extra?: Partial<OpenIssuerOptions> } = {},
): Promise<T> {
  const database = issuerDatabase(values, io);
  const shown = displayedDatabase(database);
  if (!options.create && !(await issuerDatabaseExists(database))) {
    throw new UsageError(`no issuer database at ${shown}; create one with 'tradewind issuer init --db ${shown}'`, { code: 'NOT_FOUND' });
  }
  const secret = await readSecret(values['secret-file'], io);
  let issuer: Issuer;
  try {
    issuer = await openIssuer({
      database,
      secret,
      create: options.create ?? false,
      // A database being created gets every migration; an existing one only through `issuer migrate`.
      migrate: options.create ? 'auto' : 'refuse',
      ...options.extra,
    });
  } catch (e) {
    if (e instanceof TradewindError && e.code === 'WRONG_SECRET') {
      throw new TradewindError('WRONG_SECRET', `the secret does not open ${shown} (check --secret-file or TRADEWIND_SECRET)`, { cause: e });
    }
    throw e;
  }
  try {
    return await fn(issuer);
  } finally {
    await issuer.close();
  }
}

/** Parses `--status revocation,suspension` (or `none`). */
export function parseStatusFlag(value: string | undefined): Array<'revocation' | 'suspension'> | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return [];
  const parts = value.split(',').map((s) => s.trim());
  for (const p of parts) {
    if (p !== 'revocation' && p !== 'suspension')
      throw new UsageError(`--status takes revocation, suspension, both comma-separated, or none; got ${JSON.stringify(value)}`);
  }
  return parts as Array<'revocation' | 'suspension'>;
}

/** Checks `--format` (`dc+sd-jwt` only where `sdJwt` says the command issues SD-JWT VCs). */
export function parseFormatFlag(value: string | undefined): 'vc+jwt' | 'jwt_vc' | undefined;
export function parseFormatFlag(value: string | undefined, sdJwt: true): 'vc+jwt' | 'jwt_vc' | 'dc+sd-jwt' | undefined;
export function parseFormatFlag(value: string | undefined, sdJwt = false): 'vc+jwt' | 'jwt_vc' | 'dc+sd-jwt' | undefined {
  if (value === undefined || value === 'vc+jwt' || value === 'jwt_vc') return value;
  if (sdJwt && value === 'dc+sd-jwt') return value;
  throw new UsageError(`--format takes vc+jwt${sdJwt ? ', jwt_vc or dc+sd-jwt' : ' or jwt_vc'}, got ${JSON.stringify(value)}`);
}

/**
 * `--disclose a,b`: claims of an SD-JWT VC as JSON pointers. Each item is a JSON pointer
 * (`/address/locality`), a top-level claim name (`given_name`) or a dotted path
 * (`address.locality`, `nationalities.0`).
 */
export function parseDiscloseFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim());
  if (items.some((i) => i === ''))
    throw new UsageError(`--disclose takes claim names or paths separated by commas, got ${JSON.stringify(value)}`);
  return items.map((item) => {
    if (item.startsWith('/')) return item;
    const steps = item.split('.');
    if (steps.some((s) => s === '')) throw new UsageError(`--disclose: ${JSON.stringify(item)} is not a claim path`);
    return steps.map((s) => `/${s.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
  });
}

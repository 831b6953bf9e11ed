import { existsSync } from 'node:fs';
import { applyMigrations, inspectMigrations, type MigrationState, parseDatabaseLocation } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { ISSUER_MIGRATIONS } from '@tradewind/issuer';
import { parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { EXIT } from '../exit-codes.js';
import { ISSUER_DB_ENV, issuerDatabase } from '../issuer/open-store.js';
import { printResult } from '../output.js';
import { UsageError } from '../usage-error.js';

const MIGRATE_USAGE = `Usage: tradewind issuer migrate --db FILE|URL [--check] [--json]

Shows the schema migrations of an issuer database (a SQLite file or a PostgreSQL
database): which are applied, which are pending. Without --check, applies the pending
ones, all in one transaction (all or nothing), while holding the lock that keeps two
processes from migrating the same database at once. Needs no secret: no key is read.

Other issuer commands refuse an existing database with pending migrations
(MIGRATION_REQUIRED): run this once after upgrading tradewind, before the new version
issues anything.

Options:
  --db FILE|URL            issuer database: a SQLite file or a postgres:// URL
                           (default: $${ISSUER_DB_ENV})
  --check                  apply nothing; exit 1 when migrations are pending
  --json                   print the result as JSON
  -h, --help               show this help

Exit status: 0 up to date (or brought up to date); 1 migrations pending under --check;
2 usage error, no database, STORAGE_ERROR (database unreachable or unusable, or made
by a newer version of tradewind).`;

/** What `tradewind issuer migrate` reports. */
export interface MigrateReport {
  engine: MigrationState['engine'];
  /** The path, or the URL without its password. */
  location: string;
  /** Migrations the database had when the command started, in the order they ran. */
  applied: string[];
  /** Migrations it lacked then, in the order they run. */
  pending: string[];
  /** Migrations this run applied (none under --check). */
  migrated: string[];
  /** Nothing is pending any more. */
  upToDate: boolean;
}

/** `tradewind issuer migrate`. */
export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Show and apply pending schema migrations of an issuer database',
  usage: MIGRATE_USAGE,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { db: { type: 'string' }, check: { type: 'boolean' } });
    if (positionals.length > 0) throw new UsageError(`issuer migrate takes no positional arguments, got ${positionals.join(' ')}`);
    const database = issuerDatabase(values, io);
    const location = parseDatabaseLocation(database);
    const noDatabase = () =>
      new UsageError(`no issuer database at ${location.display}; create one with 'tradewind issuer init --db ${location.display}'`, {
        code: 'NOT_FOUND',
      });
    if (location.engine === 'sqlite' && !existsSync(location.path)) throw noDatabase();
    const state = await inspectMigrations({ database, migrations: ISSUER_MIGRATIONS });
    if (state.fresh) throw noDatabase();
    if (state.unknown.length > 0) {
      throw new TradewindError(
        'STORAGE_ERROR',
        `${state.location} was migrated by a newer version of tradewind (migrations this version does not know: ${state.unknown.join(', ')}); upgrade tradewind to use it`,
      );
    }
    const migrated = values.check || state.pending.length === 0 ? [] : await applyMigrations({ database, migrations: ISSUER_MIGRATIONS });
    const report: MigrateReport = {
      engine: state.engine,
      location: state.location,
      applied: state.applied,
      pending: state.pending,
      migrated,
      upToDate: state.pending.length === 0 || !values.check,
    };
    printResult(io, values.json, report, () => render(report, Boolean(values.check)));
    return report.upToDate ? EXIT.OK : EXIT.NEGATIVE;
  },
};

function render(report: MigrateReport, check: boolean): string {
  const list = (names: string[]) => names.map((n) => `  ${n}`);
  const count = (n: number) => `${n} migration${n === 1 ? '' : 's'}`;
  const lines = [`Database: ${report.location} (${report.engine})`, `Applied: ${count(report.applied.length)}`, ...list(report.applied)];
  if (report.pending.length === 0) return [...lines, 'Up to date: nothing to apply.'].join('\n');
  lines.push(`Pending: ${count(report.pending.length)}`, ...list(report.pending));
  if (check) {
    lines.push(`Not applied (--check). Apply them with: tradewind issuer migrate --db ${report.location}`);
  } else if (report.migrated.length === 0) {
    // Another process applied them between the look and the lock.
    lines.push('Applied meanwhile by another process: up to date.');
  } else {
    lines.push(`Applied now, in one transaction: ${count(report.migrated.length)}`, ...list(report.migrated), 'Up to date.');
  }
  return lines.join('\n');
}

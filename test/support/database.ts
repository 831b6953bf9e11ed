// Where a test's database lives, on the engine the test project runs on: a SQLite file,
// or a fresh database on the PostgreSQL server of postgres-global-setup.ts when
// TRADEWIND_TEST_ENGINE=postgres (the issuer-postgres project sets it).
//
//   const database = await testDatabase(dir, 'issuer'); // path or postgres:// URL
//   const issuer = await openIssuer({ database, secret, ... });
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createDatabase } from '../../scripts/postgres.mjs';

export type TestEngine = 'sqlite' | 'postgres';

/** The engine this test run uses: `postgres` when TRADEWIND_TEST_ENGINE says so. */
export function testEngine(): TestEngine {
  return process.env.TRADEWIND_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

/** The URL of the test PostgreSQL server (its maintenance database, `postgres`). */
export function testPostgresUrl(): string {
  const url = inject('tradewindPostgresUrl') ?? process.env.TRADEWIND_TEST_POSTGRES_URL;
  if (!url) {
    throw new Error(
      'No PostgreSQL server for this test: run it in a project with test/support/postgres-global-setup.ts, or set TRADEWIND_TEST_POSTGRES_URL',
    );
  }
  return url;
}

/** A new, empty database on the test PostgreSQL server; returns its URL. */
export async function testPostgresDatabase(name = 'db'): Promise<string> {
  const label = name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 30);
  return createDatabase(testPostgresUrl(), `tw_${label}_${randomBytes(6).toString('hex')}`);
}

/**
 * A database location for a test: `<dir>/<name>.db` on SQLite, or the URL of a new,
 * empty database (`tw_<name>_<random>`) on the test server on PostgreSQL.
 */
export async function testDatabase(dir: string, name: string): Promise<string> {
  return testEngine() === 'postgres' ? testPostgresDatabase(name) : join(dir, `${name}.db`);
}

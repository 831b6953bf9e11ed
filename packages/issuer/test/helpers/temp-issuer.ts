import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Issuer, openIssuer } from '@tradewind/issuer';
import { findPostgresBinaries } from '../../../../scripts/postgres.mjs';
import { testDatabase, testEngine } from '../../../../test/support/database.js';

export { testDatabase, testEngine };

/** Cheap key derivation for test databases (the default is deliberately slow). */
export const TEST_KDF = { N: 2 ** 10, r: 8, p: 1 };

/**
 * An issuer on a new database in a new temporary folder, with one DID: a SQLite file in
 * that folder, or a new PostgreSQL database when the tests run on PostgreSQL.
 */
export async function openTempIssuer(name: string): Promise<{ dir: string; issuer: Issuer; database: string }> {
  const dir = mkdtempSync(join(tmpdir(), `tradewind-${name}-`));
  const database = await testDatabase(dir, name);
  const issuer = await openIssuer({
    database,
    secret: name,
    kdf: TEST_KDF,
    statusListBaseUrl: 'https://registry.gov.example/status',
  });
  await issuer.createDid();
  return { dir, issuer, database };
}

/** Closes an issuer from {@link openTempIssuer} and deletes its folder. */
export async function closeTempIssuer(issuer: Issuer | undefined, dir: string | undefined): Promise<void> {
  await issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/**
 * Everything a database holds, as bytes: the SQLite file and its WAL, or a plain
 * `pg_dump` of the PostgreSQL database (what a backup of it would contain).
 */
export function databaseBytes(database: string): Buffer {
  if (testEngine() === 'postgres') {
    const dump = execFileSync(join(findPostgresBinaries(), 'pg_dump'), ['--no-owner', '-d', database], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    // pg_dump brackets its output with a \restrict key drawn at random for each dump.
    return Buffer.from(dump.replace(/^\\(un)?restrict .*$/gm, ''));
  }
  return Buffer.concat([database, `${database}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
}

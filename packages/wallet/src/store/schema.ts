import type { SqliteConnection } from './sqlite.js';

/** Version of the wallet's own tables; raised by appending a step to {@link MIGRATIONS}. */
export const WALLET_SCHEMA_VERSION = 1;

// The wallet keeps credentials in its own tables rather than Veramo's generic
// `credential` table: that table stores the decoded credential (not the bytes as
// received), has no index on type or validity, and its ORM query path builds and
// hydrates TypeORM entities row by row — far too slow for 100,000 credentials.
// `wallet_credential_type` makes "find by type" an index range scan; a trigger fills it
// in the same statement as the credential row, so the two can never disagree.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS wallet_credential (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     raw TEXT NOT NULL,
     raw_kind TEXT NOT NULL CHECK (raw_kind IN ('jwt', 'json')),
     format TEXT NOT NULL,
     credential_id TEXT,
     issuer TEXT NOT NULL,
     subject TEXT,
     types TEXT NOT NULL,
     valid_from INTEGER,
     valid_until INTEGER,
     status TEXT,
     received_at INTEGER NOT NULL
   );
   CREATE TABLE IF NOT EXISTS wallet_credential_type (
     type TEXT NOT NULL,
     seq INTEGER NOT NULL REFERENCES wallet_credential (seq) ON DELETE CASCADE,
     PRIMARY KEY (type, seq)
   ) WITHOUT ROWID;
   CREATE INDEX IF NOT EXISTS wallet_credential_type_seq ON wallet_credential_type (seq);
   CREATE TRIGGER IF NOT EXISTS wallet_credential_types AFTER INSERT ON wallet_credential BEGIN
     INSERT OR IGNORE INTO wallet_credential_type (type, seq) SELECT value, NEW.seq FROM json_each(NEW.types);
   END;
   CREATE INDEX IF NOT EXISTS wallet_credential_issuer ON wallet_credential (issuer, seq);
   CREATE INDEX IF NOT EXISTS wallet_credential_subject ON wallet_credential (subject, seq);
   CREATE INDEX IF NOT EXISTS wallet_credential_valid_until ON wallet_credential (valid_until);`,
];

/** Creates or upgrades the wallet's tables in one transaction. */
export async function migrate(db: SqliteConnection): Promise<void> {
  await db.exec('BEGIN IMMEDIATE');
  try {
    await db.exec('CREATE TABLE IF NOT EXISTS wallet_schema (version INTEGER NOT NULL)');
    const row = await db.get<{ version: number }>('SELECT version FROM wallet_schema');
    const from = row?.version ?? 0;
    for (let v = from; v < MIGRATIONS.length; v++) await db.exec(MIGRATIONS[v] as string);
    if (!row) await db.run('INSERT INTO wallet_schema (version) VALUES (?)', [MIGRATIONS.length]);
    else if (from < MIGRATIONS.length) await db.run('UPDATE wallet_schema SET version = ?', [MIGRATIONS.length]);
    await db.exec('COMMIT');
  } catch (e) {
    await db.exec('ROLLBACK').catch(() => {});
    throw e;
  }
}

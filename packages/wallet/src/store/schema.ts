import { type CredentialRow, upgradeRow } from '../credential-record.js';
import type { SqliteConnection } from './sqlite.js';

/** Version of the wallet's own tables; raised by appending a step to {@link MIGRATIONS}. */
export const WALLET_SCHEMA_VERSION = 4;

/** One migration step: SQL, or a function for what SQL alone cannot compute (run in the same transaction). */
type Step = string | ((db: SqliteConnection) => Promise<void>);

// The wallet keeps credentials in its own tables rather than Veramo's generic
// `credential` table: that table stores the decoded credential (not the bytes as
// received), has no index on type or validity, and its ORM query path builds and
// hydrates TypeORM entities row by row — far too slow for 100,000 credentials.
// `wallet_credential_type` makes "find by type" an index range scan; a trigger fills it
// in the same statement as the credential row, so the two can never disagree.
const MIGRATIONS: readonly Step[] = [
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
  identityById,
  // Schema 3: SD-JWT VCs. `claims` holds an SD-JWT's disclosable and always-shown claims
  // (null for other formats, so existing rows need no rewrite); `format` is queried.
  `ALTER TABLE wallet_credential ADD COLUMN claims TEXT;
   CREATE INDEX IF NOT EXISTS wallet_credential_format ON wallet_credential (format, seq);`,
  materialColumn,
];

// Schema 4: Data Integrity credentials (format `di`) are held as their JSON (`raw`,
// raw_kind 'json'); `material` keeps the contexts and documents their verification needed
// beyond the bundled ones (null for other formats, so existing rows need no rewrite).
// Added only when missing: a file whose version was set back by hand may have it already.
async function materialColumn(db: SqliteConnection): Promise<void> {
  const columns = await db.all<{ name: string }>('PRAGMA table_info(wallet_credential)');
  if (!columns.some((c) => c.name === 'material')) await db.exec('ALTER TABLE wallet_credential ADD COLUMN material TEXT');
}

const V1_COLUMNS = 'seq, id, raw, raw_kind, format, credential_id, issuer, subject, types, valid_from, valid_until, status, received_at';

// Schema 2: a credential's id is its identity (the hash of its decoded header and
// payload), `raw` is the signed JWS only, and JSON wrappers are kept only as rebuilt from
// the JWS (`json`). Schema 1 hashed the received text, so one credential could be held
// several times (re-encoded, re-signed, wrapped). Rows are rewritten in place; later
// copies of a credential already held are removed (the first received is kept), and
// every id that changes stays usable through `wallet_credential_alias`.
async function identityById(db: SqliteConnection): Promise<void> {
  await db.exec(`ALTER TABLE wallet_credential ADD COLUMN json TEXT;
    CREATE TABLE IF NOT EXISTS wallet_credential_alias (alias TEXT PRIMARY KEY, id TEXT NOT NULL) WITHOUT ROWID;`);
  const rows = await db.all<Omit<CredentialRow, 'json' | 'claims'> & { seq: number }>(
    `SELECT ${V1_COLUMNS} FROM wallet_credential ORDER BY seq`,
  );
  const seen = new Set<string>();
  const updates: Array<{ seq: number; id: string; raw: string; raw_kind: string; json: string | null }> = [];
  const duplicates: number[] = [];
  const aliases: Array<{ alias: string; id: string }> = [];
  for (const old of rows) {
    const { row, previousId } = upgradeRow(old);
    if (previousId !== undefined) aliases.push({ alias: previousId, id: row.id });
    if (seen.has(row.id)) {
      duplicates.push(old.seq);
      continue;
    }
    seen.add(row.id);
    if (previousId !== undefined || row.raw !== old.raw || row.raw_kind !== old.raw_kind || row.json !== null) {
      updates.push({ seq: old.seq, id: row.id, raw: row.raw, raw_kind: row.raw_kind, json: row.json });
    }
  }
  await db.run('DELETE FROM wallet_credential WHERE seq IN (SELECT value FROM json_each(?))', [JSON.stringify(duplicates)]);
  // Old ids hash the whole received text, new ones the decoded content: one never equals another row's new id.
  await db.run(
    `UPDATE wallet_credential SET id = u.value->>'id', raw = u.value->>'raw', raw_kind = u.value->>'raw_kind', json = u.value->>'json'
       FROM json_each(?) u WHERE wallet_credential.seq = u.value->>'seq'`,
    [JSON.stringify(updates)],
  );
  await db.run(`INSERT OR REPLACE INTO wallet_credential_alias (alias, id) SELECT value->>'alias', value->>'id' FROM json_each(?)`, [
    JSON.stringify(aliases),
  ]);
}

/** Creates or upgrades the wallet's tables in one transaction. */
export async function migrate(db: SqliteConnection): Promise<void> {
  await db.exec('BEGIN IMMEDIATE');
  try {
    await db.exec('CREATE TABLE IF NOT EXISTS wallet_schema (version INTEGER NOT NULL)');
    const row = await db.get<{ version: number }>('SELECT version FROM wallet_schema');
    const from = row?.version ?? 0;
    for (let v = from; v < MIGRATIONS.length; v++) {
      const step = MIGRATIONS[v] as Step;
      if (typeof step === 'string') await db.exec(step);
      else await step(db);
    }
    if (!row) await db.run('INSERT INTO wallet_schema (version) VALUES (?)', [MIGRATIONS.length]);
    else if (from < MIGRATIONS.length) await db.run('UPDATE wallet_schema SET version = ?', [MIGRATIONS.length]);
    await db.exec('COMMIT');
  } catch (e) {
    await db.exec('ROLLBACK').catch(() => {});
    throw e;
  }
}

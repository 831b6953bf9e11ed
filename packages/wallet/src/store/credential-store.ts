import { type CredentialRow, fromRow, type StoredCredential } from '../credential-record.js';
import { type CredentialQuery, toSql } from './query.js';
import { migrate } from './schema.js';
import { type PreparedStatement, SqliteConnection } from './sqlite.js';

const COLUMNS = 'id, raw, raw_kind, format, credential_id, issuer, subject, types, valid_from, valid_until, status, received_at';

/**
 * The wallet's credential table on an SQLite file. Writes go through one connection,
 * one transaction at a time (a batch is all-or-nothing); reads go through a second
 * connection and so only ever see committed batches.
 */
export class CredentialStore {
  private queue: Promise<unknown> = Promise.resolve();
  private statements: { insert: PreparedStatement; insertType: PreparedStatement } | undefined;

  private constructor(
    private readonly writer: SqliteConnection,
    private readonly reader: SqliteConnection,
  ) {}

  static async open(path: string): Promise<CredentialStore> {
    const writer = await SqliteConnection.open(path);
    try {
      await migrate(writer);
      const reader = await SqliteConnection.open(path);
      return new CredentialStore(writer, reader);
    } catch (e) {
      await writer.close().catch(() => {});
      throw e;
    }
  }

  /**
   * Inserts rows in one transaction; rows whose id is already stored are skipped
   * (de-duplication). Returns, per row, whether it was new.
   */
  putAll(rows: readonly CredentialRow[]): Promise<boolean[]> {
    return this.exclusive(async () => {
      const db = this.writer;
      await db.exec('BEGIN IMMEDIATE');
      // Prepared once per connection: a batch is then one round trip per row.
      this.statements ??= {
        insert: db.prepare(`INSERT OR IGNORE INTO wallet_credential (${COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
        insertType: db.prepare('INSERT OR IGNORE INTO wallet_credential_type (type, seq) VALUES (?, last_insert_rowid())'),
      };
      const { insert, insertType } = this.statements;
      try {
        const added: boolean[] = [];
        for (const r of rows) {
          const changes = await insert.run([
            r.id,
            r.raw,
            r.raw_kind,
            r.format,
            r.credential_id,
            r.issuer,
            r.subject,
            r.types,
            r.valid_from,
            r.valid_until,
            r.status,
            r.received_at,
          ]);
          added.push(changes > 0);
          if (changes > 0) for (const type of JSON.parse(r.types) as string[]) await insertType.run([type]);
        }
        await db.exec('COMMIT');
        return added;
      } catch (e) {
        await db.exec('ROLLBACK').catch(() => {});
        throw e;
      }
    });
  }

  async get(id: string): Promise<StoredCredential | undefined> {
    const row = await this.reader.get<CredentialRow>(`SELECT ${COLUMNS} FROM wallet_credential WHERE id = ?`, [id]);
    return row && fromRow(row);
  }

  async find(query: CredentialQuery = {}): Promise<StoredCredential[]> {
    const { sql, params } = toSql(query, COLUMNS);
    const rows = await this.reader.all<CredentialRow>(sql, params);
    return rows.map(fromRow);
  }

  async count(): Promise<number> {
    const row = await this.reader.get<{ n: number }>('SELECT count(*) AS n FROM wallet_credential');
    return row?.n ?? 0;
  }

  /** Every row in insertion order, for backups. */
  rows(): Promise<CredentialRow[]> {
    return this.reader.all<CredentialRow>(`SELECT ${COLUMNS} FROM wallet_credential ORDER BY seq`);
  }

  /** Deletes one credential; false when there was none with that id. */
  delete(id: string): Promise<boolean> {
    return this.exclusive(async () => {
      const { changes } = await this.writer.run('DELETE FROM wallet_credential WHERE id = ?', [id]);
      return changes > 0;
    });
  }

  /** Removes every credential (undoing a restore that failed halfway). */
  clear(): Promise<void> {
    return this.exclusive(async () => {
      await this.writer.exec('DELETE FROM wallet_credential');
    });
  }

  /** `PRAGMA integrity_check`: 'ok' or the problems SQLite reports. */
  async integrityCheck(): Promise<string> {
    const rows = await this.reader.all<{ integrity_check: string }>('PRAGMA integrity_check');
    return rows.map((r) => r.integrity_check).join('\n');
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      if (this.statements) {
        await this.statements.insert.finalize();
        await this.statements.insertType.finalize();
        this.statements = undefined;
      }
      await this.reader.close();
      await this.writer.close();
    });
  }

  // One writer transaction at a time: on a shared connection a second BEGIN would
  // fail, and statements from another call would join the open transaction.
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => {});
    return run;
  }
}

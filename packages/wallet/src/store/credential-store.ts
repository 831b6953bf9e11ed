import { reading } from '../arguments.js';
import { type CredentialRow, fromRow, type StoredCredential } from '../credential-record.js';
import { type CredentialQuery, toSql } from './query.js';
import { migrate } from './schema.js';
import { SqliteConnection } from './sqlite.js';

const COLUMNS =
  'id, raw, raw_kind, json, format, credential_id, issuer, subject, types, valid_from, valid_until, status, received_at, claims, material';
/** Inserts the rows given as one JSON array parameter; a row whose id (its identity) is held already is skipped. */
export const INSERT_ROWS = `INSERT OR IGNORE INTO wallet_credential (${COLUMNS}) SELECT ${COLUMNS.split(', ')
  .map((c) => `value->>'${c}'`)
  .join(', ')} FROM json_each(?) ORDER BY key RETURNING id`;
/** Records ids that older wallets gave credentials (JSON array of `{ alias, id }`), so they keep working. */
export const INSERT_ALIASES = `INSERT OR IGNORE INTO wallet_credential_alias (alias, id) SELECT value->>'alias', value->>'id' FROM json_each(?)`;

/** A held SD-JWT VC in the fuller form a receive gave it: its compact SD-JWT and claims, replacing `expected`. */
export interface DisclosureUpdate {
  id: string;
  raw: string;
  claims: string | null;
  /** The compact SD-JWT the row must still hold. */
  expected: string;
}

/**
 * The wallet's credential table on an SQLite file. Writes go through one connection,
 * one at a time (a batch is all-or-nothing); reads go through a second connection and
 * so only ever see committed batches.
 */
export class CredentialStore {
  private queue: Promise<unknown> = Promise.resolve();
  private pending: Array<{ row: CredentialRow; resolve: (added: boolean) => void; reject: (e: unknown) => void }> = [];

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
    if (rows.length === 0) return Promise.resolve([]);
    return this.exclusive(() => this.insert(rows));
  }

  /**
   * Inserts one row; resolves true when it was new. Rows put while a transaction is
   * running are committed together in the next one (group commit), so many concurrent
   * `receive` calls cost one transaction, not one each. A failure fails that group.
   */
  put(row: CredentialRow): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.pending.push({ row, resolve, reject });
      if (this.pending.length === 1) {
        void this.exclusive(async () => {
          const group = this.pending.splice(0);
          try {
            const added = await this.insert(group.map((g) => g.row));
            for (const [i, g] of group.entries()) g.resolve(added[i] === true);
          } catch (e) {
            for (const g of group) g.reject(e);
          }
        });
      }
    });
  }

  /**
   * Inserts `rows` (a row whose id is held is skipped, as in {@link putAll}) and gives held
   * SD-JWT VCs the disclosures they gain (`updates`), in one transaction. An update
   * applies only while the row still holds `expected`; when one finds its row changed or
   * gone, or an SD-JWT VC of `rows` is found held (another receive stored it meanwhile),
   * nothing is written and the result is undefined, so the caller merges again.
   * Otherwise, per row of `rows`, whether it was new.
   */
  write(rows: readonly CredentialRow[], updates: readonly DisclosureUpdate[]): Promise<boolean[] | undefined> {
    return this.exclusive(async () => {
      await this.writer.exec('BEGIN IMMEDIATE');
      try {
        for (const u of updates) {
          const { changes } = await this.writer.run('UPDATE wallet_credential SET raw = ?, claims = ? WHERE id = ? AND raw = ?', [
            u.raw,
            u.claims,
            u.id,
            u.expected,
          ]);
          if (changes !== 1) {
            await this.writer.exec('ROLLBACK');
            return undefined;
          }
        }
        const added = rows.length > 0 ? await this.insert(rows) : [];
        if (rows.some((r, i) => r.format === 'dc+sd-jwt' && added[i] !== true)) {
          await this.writer.exec('ROLLBACK');
          return undefined;
        }
        await this.writer.exec('COMMIT');
        return added;
      } catch (e) {
        await this.writer.exec('ROLLBACK').catch(() => {});
        throw e;
      }
    });
  }

  /** The held rows with these ids, as committed. */
  rowsById(ids: readonly string[]): Promise<CredentialRow[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.reader.all<CredentialRow>(`SELECT ${COLUMNS} FROM wallet_credential WHERE id IN (SELECT value FROM json_each(?))`, [
      JSON.stringify(ids),
    ]);
  }

  // One statement per batch: the rows travel as one JSON parameter unpacked by SQLite
  // (json_each) and the trigger fills the type index. A single statement is atomic on
  // its own, so the batch is all-or-nothing without BEGIN/COMMIT round trips — which,
  // over the asynchronous driver, cost as much as the insert itself.
  private async insert(rows: readonly CredentialRow[]): Promise<boolean[]> {
    const inserted = await this.writer.all<{ id: string }>(INSERT_ROWS, [JSON.stringify(rows)]);
    const fresh = new Set(inserted.map((r) => r.id));
    // A batch may carry the same credential twice: only its first occurrence is new.
    return rows.map((r) => fresh.delete(r.id));
  }

  /** One credential by id, or by an id an earlier wallet version gave it. */
  async get(id: string): Promise<StoredCredential | undefined> {
    const row =
      (await this.reader.get<CredentialRow>(`SELECT ${COLUMNS} FROM wallet_credential WHERE id = ?`, [id])) ??
      (await this.reader.get<CredentialRow>(
        `SELECT ${COLUMNS} FROM wallet_credential WHERE id = (SELECT id FROM wallet_credential_alias WHERE alias = ?)`,
        [id],
      ));
    return row && fromRow(row);
  }

  async find(query: CredentialQuery = {}): Promise<StoredCredential[]> {
    const { sql, params } = reading('the query', () => toSql(query, COLUMNS));
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

  /** The ids earlier wallet versions gave credentials, for backups. */
  aliases(): Promise<Array<{ alias: string; id: string }>> {
    return this.reader.all<{ alias: string; id: string }>('SELECT alias, id FROM wallet_credential_alias ORDER BY alias');
  }

  /** Deletes one credential; false when there was none with that id. */
  delete(id: string): Promise<boolean> {
    return this.exclusive(async () => {
      const { changes } = await this.writer.run(
        // An alias counts only when no credential has that id (as in get): one id never deletes two credentials.
        `DELETE FROM wallet_credential WHERE id = ?1 OR (NOT EXISTS (SELECT 1 FROM wallet_credential WHERE id = ?1)
           AND id = (SELECT id FROM wallet_credential_alias WHERE alias = ?1))`,
        [id],
      );
      return changes > 0;
    });
  }

  /** `PRAGMA integrity_check`: 'ok' or the problems SQLite reports. */
  async integrityCheck(): Promise<string> {
    const rows = await this.reader.all<{ integrity_check: string }>('PRAGMA integrity_check');
    return rows.map((r) => r.integrity_check).join('\n');
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
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

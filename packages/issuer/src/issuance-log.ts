import type { Query } from '@tradewind/agent';
import type { IssueFormat } from './credential-request.js';
import type { StatusAllocation, StatusPurpose } from './status-store.js';

/** One row of the issuance log: what was issued, never the claims unless `logClaims` is on. */
export interface IssuanceRecord {
  credentialId: string;
  recordKey?: string;
  issuer: string;
  types: string[];
  subjectId?: string;
  format: IssueFormat;
  issuedAt: string;
  validFrom?: string;
  validUntil?: string;
  status: Array<{ listId: string; index: number; purpose: StatusPurpose }>;
  /** The subject claims, only when the database was opened with `logClaims: true`. */
  claims?: Record<string, unknown>;
  batchId?: string;
}

/** Current status of a logged credential, from the status entries. */
export interface LoggedCredential extends IssuanceRecord {
  revoked: boolean;
  suspended: boolean;
}

export interface LogQuery {
  issuer?: string;
  subjectId?: string;
  type?: string;
  batchId?: string;
  /** Issued at or after (ISO date-time). */
  since?: string;
  /** Issued before (ISO date-time). */
  until?: string;
  limit?: number;
  offset?: number;
}

interface Row {
  credential_id: string;
  record_key: string | null;
  issuer: string;
  types: string;
  subject_id: string | null;
  format: IssueFormat;
  issued_at: string;
  valid_from: string | null;
  valid_until: string | null;
  status: string;
  claims: string | null;
  batch_id: string | null;
  revoked?: number;
  suspended?: number;
}

/** Inserts log rows (multi-row statements, inside the issuance transaction). */
export async function insertLogRecords(query: Query, records: IssuanceRecord[]): Promise<void> {
  const CHUNK = 500;
  for (let i = 0; i < records.length; i += CHUNK) {
    const part = records.slice(i, i + CHUNK);
    const params: unknown[] = [];
    for (const r of part) {
      params.push(
        r.credentialId,
        r.recordKey ?? null,
        r.issuer,
        JSON.stringify(r.types),
        r.subjectId ?? null,
        r.format,
        r.issuedAt,
        r.validFrom ?? null,
        r.validUntil ?? null,
        JSON.stringify(r.status.map((s: StatusAllocation) => ({ listId: s.listId, index: s.index, purpose: s.purpose }))),
        r.claims === undefined ? null : JSON.stringify(r.claims),
        r.batchId ?? null,
      );
    }
    await query(
      `INSERT INTO "tw_issuance_log" ("credential_id", "record_key", "issuer", "types", "subject_id", "format", "issued_at",
        "valid_from", "valid_until", "status", "claims", "batch_id") VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
}

const SELECT = `SELECT l.*,
  EXISTS (SELECT 1 FROM "tw_status_entry" e WHERE e."credential_id" = l."credential_id" AND e."purpose" = 'revocation' AND e."value" = 1) AS "revoked",
  EXISTS (SELECT 1 FROM "tw_status_entry" e WHERE e."credential_id" = l."credential_id" AND e."purpose" = 'suspension' AND e."value" = 1) AS "suspended"
  FROM "tw_issuance_log" l`;

/** Log rows matching `filter`, oldest first. */
export async function queryLog(query: Query, filter: LogQuery = {}): Promise<LoggedCredential[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.issuer !== undefined) {
    where.push('l."issuer" = ?');
    params.push(filter.issuer);
  }
  if (filter.subjectId !== undefined) {
    where.push('l."subject_id" = ?');
    params.push(filter.subjectId);
  }
  if (filter.type !== undefined) {
    where.push(`EXISTS (SELECT 1 FROM json_each(l."types") WHERE json_each.value = ?)`);
    params.push(filter.type);
  }
  if (filter.batchId !== undefined) {
    where.push('l."batch_id" = ?');
    params.push(filter.batchId);
  }
  if (filter.since !== undefined) {
    where.push('l."issued_at" >= ?');
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push('l."issued_at" < ?');
    params.push(filter.until);
  }
  const limit = Math.max(0, Math.min(filter.limit ?? 1000, 100_000));
  const offset = Math.max(0, filter.offset ?? 0);
  const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY l."issued_at", l.rowid LIMIT ${limit} OFFSET ${offset}`;
  return ((await query(sql, params)) as Row[]).map(fromRow);
}

/** The log row of one credential, or undefined. */
export async function getLogged(query: Query, credentialId: string): Promise<LoggedCredential | undefined> {
  const rows = (await query(`${SELECT} WHERE l."credential_id" = ?`, [credentialId])) as Row[];
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Log rows of the records among `keys` that are already issued, by record key. */
export async function loggedByRecordKeys(query: Query, keys: string[]): Promise<Map<string, LoggedCredential>> {
  const found = new Map<string, LoggedCredential>();
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    const rows = (await query(`${SELECT} WHERE l."record_key" IN (${part.map(() => '?').join(', ')})`, part)) as Row[];
    for (const r of rows) found.set(r.record_key as string, fromRow(r));
  }
  return found;
}

/** Credential ids among `ids` that are already in the log. */
export async function existingCredentialIds(query: Query, ids: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 500) {
    const part = ids.slice(i, i + 500);
    const rows = (await query(
      `SELECT "credential_id" FROM "tw_issuance_log" WHERE "credential_id" IN (${part.map(() => '?').join(', ')})`,
      part,
    )) as Array<{
      credential_id: string;
    }>;
    for (const r of rows) found.add(r.credential_id);
  }
  return found;
}

function fromRow(r: Row): LoggedCredential {
  const out: LoggedCredential = {
    credentialId: r.credential_id,
    issuer: r.issuer,
    types: JSON.parse(r.types) as string[],
    format: r.format,
    issuedAt: r.issued_at,
    status: JSON.parse(r.status) as LoggedCredential['status'],
    revoked: r.revoked === 1,
    suspended: r.suspended === 1,
  };
  if (r.record_key !== null) out.recordKey = r.record_key;
  if (r.subject_id !== null) out.subjectId = r.subject_id;
  if (r.valid_from !== null) out.validFrom = r.valid_from;
  if (r.valid_until !== null) out.validUntil = r.valid_until;
  if (r.claims !== null) out.claims = JSON.parse(r.claims) as Record<string, unknown>;
  if (r.batch_id !== null) out.batchId = r.batch_id;
  return out;
}

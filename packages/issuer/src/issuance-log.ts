import type { Query } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { type IssueFormat, timeValue } from './credential-request.js';
import type { StatusPurpose } from './status-store.js';
import { snapshot } from './untrusted-json.js';

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
  /**
   * The status entries: one per purpose. A `dc+sd-jwt` credential has one Token Status
   * List entry, listed once per purpose it was issued with (same list and index).
   */
  status: Array<{ listId: string; index: number; purpose: StatusPurpose }>;
  /** The subject claims (the `credentialSubject` value), only when the database was opened with `logClaims: true`. */
  claims?: Record<string, unknown> | Array<Record<string, unknown>>;
  batchId?: string;
  /** Digest of the signed content (format and unsigned credential); absent for credentials issued before it was recorded. */
  contentDigest?: string;
}

/** Current status of a logged credential, from the status entries. */
export interface LoggedCredential extends IssuanceRecord {
  revoked: boolean;
  suspended: boolean;
  /** How many times the credential was signed again (re-emitted) after issuance. */
  reemissions: number;
}

export interface LogQuery {
  issuer?: string;
  subjectId?: string;
  type?: string;
  batchId?: string;
  /** Issued at or after (RFC 3339 date-time with an offset, or a Date). */
  since?: string | Date;
  /** Issued before (RFC 3339 date-time with an offset, or a Date). */
  until?: string | Date;
  /** At most this many entries: an integer from 0 to 100,000 (default 1,000). */
  limit?: number;
  /** Skip this many entries first (an integer, at least 0). */
  offset?: number;
}

const LOG_QUERY_KEYS = new Set(['issuer', 'subjectId', 'type', 'batchId', 'since', 'until', 'limit', 'offset']);
const MAX_LOG_LIMIT = 100_000;
/**
 * An RFC 3339 date-time (with an offset) or a valid Date, as the log stores times
 * (UTC ISO with milliseconds), so that they compare as strings. `INVALID_ARGUMENT` otherwise.
 */
export function logTime(value: unknown, name: string): string {
  const ms = timeValue(value);
  if (!Number.isFinite(ms))
    throw new TradewindError('INVALID_ARGUMENT', `${name} must be an RFC 3339 date-time with an offset (or a valid Date)`, {
      path: `/${name}`,
    });
  return new Date(ms).toISOString();
}

function checkLogQuery(given: unknown): LogQuery {
  if (given === undefined) return {};
  const filter = snapshot<Record<string, unknown>>(given, 'the log filter');
  for (const key of Object.keys(filter)) {
    if (!LOG_QUERY_KEYS.has(key))
      throw new TradewindError('INVALID_ARGUMENT', `unknown log filter ${JSON.stringify(key)}`, { path: `/${key}` });
  }
  for (const key of ['issuer', 'subjectId', 'type', 'batchId'] as const) {
    const v = filter[key];
    if (v !== undefined && (typeof v !== 'string' || v.length > 4096))
      throw new TradewindError('INVALID_ARGUMENT', `${key} must be a string`, { path: `/${key}` });
  }
  const limit = filter.limit;
  if (limit !== undefined && (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0 || limit > MAX_LOG_LIMIT))
    throw new TradewindError('INVALID_ARGUMENT', `limit must be an integer from 0 to ${MAX_LOG_LIMIT}`, { path: '/limit' });
  const offset = filter.offset;
  if (offset !== undefined && (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0))
    throw new TradewindError('INVALID_ARGUMENT', 'offset must be a non-negative integer', { path: '/offset' });
  return filter as LogQuery;
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
  content_digest: string | null;
  reemissions?: number;
  revoked?: number;
  suspended?: number;
}

/**
 * Which unique key of the log an insert ran into, when another instance committed the
 * same record key or credential id between this transaction's check and its insert (on
 * PostgreSQL, whose transactions run side by side): `'recordKey'`, `'id'`, or undefined
 * for any other error.
 */
export function logConflict(error: unknown): 'recordKey' | 'id' | undefined {
  const e = error as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  if (e === null || typeof e !== 'object') return undefined;
  if (e.code === '23505') {
    if (e.constraint === 'tw_issuance_log_record_key_key') return 'recordKey';
    if (e.constraint === 'tw_issuance_log_pkey') return 'id';
    return undefined;
  }
  if (typeof e.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT') && typeof e.message === 'string') {
    if (e.message.includes('tw_issuance_log.record_key')) return 'recordKey';
    if (e.message.includes('tw_issuance_log.credential_id')) return 'id';
  }
  return undefined;
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
        JSON.stringify(r.status.map((s) => ({ listId: s.listId, index: s.index, purpose: s.purpose }))),
        r.claims === undefined ? null : JSON.stringify(r.claims),
        r.batchId ?? null,
        r.contentDigest ?? null,
      );
    }
    await query(
      `INSERT INTO "tw_issuance_log" ("credential_id", "record_key", "issuer", "types", "subject_id", "format", "issued_at",
        "valid_from", "valid_until", "status", "claims", "batch_id", "content_digest") VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
}

// Integers on both engines (PostgreSQL's EXISTS is a boolean, SQLite's a 0 or 1).
const SELECT = `SELECT l.*,
  CASE WHEN EXISTS (SELECT 1 FROM "tw_status_entry" e WHERE e."credential_id" = l."credential_id" AND e."value" = 1 AND (e."purpose" = 'revocation' OR e."kind" = 'token')) THEN 1 ELSE 0 END AS "revoked",
  CASE WHEN EXISTS (SELECT 1 FROM "tw_status_entry" e WHERE e."credential_id" = l."credential_id" AND ((e."kind" = 'bitstring' AND e."purpose" = 'suspension' AND e."value" = 1) OR (e."kind" = 'token' AND e."value" = 2))) THEN 1 ELSE 0 END AS "suspended",
  (SELECT COUNT(*) FROM "tw_reemission" r WHERE r."credential_id" = l."credential_id") AS "reemissions"
  FROM "tw_issuance_log" l`;

/** Log rows matching `filter`, oldest first (in the order they were written, for one instant). */
export async function queryLog(
  query: Query,
  options: LogQuery = {},
  engine: 'sqlite' | 'postgres' = 'sqlite',
): Promise<LoggedCredential[]> {
  const filter = checkLogQuery(options);
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
    // `types` is a JSON array of strings: one of them equal to the type, exactly.
    if (engine === 'postgres') {
      // json (not jsonb) keeps each element's text as JSON.stringify wrote it (escapes
      // included, so even a \u0000 compares), and the type is encoded the same way.
      where.push(`EXISTS (SELECT 1 FROM json_array_elements(CAST(l."types" AS json)) AS e("v") WHERE CAST(e."v" AS text) = ?)`);
      params.push(JSON.stringify(filter.type));
    } else {
      where.push(`EXISTS (SELECT 1 FROM json_each(l."types") WHERE json_each.value = ?)`);
      params.push(filter.type);
    }
  }
  if (filter.batchId !== undefined) {
    where.push('l."batch_id" = ?');
    params.push(filter.batchId);
  }
  if (filter.since !== undefined) {
    where.push('l."issued_at" >= ?');
    params.push(logTime(filter.since, 'since'));
  }
  if (filter.until !== undefined) {
    where.push('l."issued_at" < ?');
    params.push(logTime(filter.until, 'until'));
  }
  const limit = filter.limit ?? 1000;
  const offset = filter.offset ?? 0;
  const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY l."issued_at", ${engine === 'postgres' ? 'l."seq"' : 'l.rowid'} LIMIT ${limit} OFFSET ${offset}`;
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

/** Record keys among `keys` that are already in the log (without reading their rows). */
export async function issuedRecordKeys(query: Query, keys: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const part = keys.slice(i, i + 500);
    const rows = (await query(
      `SELECT "record_key" FROM "tw_issuance_log" WHERE "record_key" IN (${part.map(() => '?').join(', ')})`,
      part,
    )) as Array<{ record_key: string }>;
    for (const r of rows) found.add(r.record_key);
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
    revoked: Number(r.revoked) === 1,
    suspended: Number(r.suspended) === 1,
    reemissions: Number(r.reemissions ?? 0),
  };
  if (r.record_key !== null) out.recordKey = r.record_key;
  if (r.subject_id !== null) out.subjectId = r.subject_id;
  if (r.valid_from !== null) out.validFrom = r.valid_from;
  if (r.valid_until !== null) out.validUntil = r.valid_until;
  if (r.claims !== null) out.claims = JSON.parse(r.claims) as Record<string, unknown>;
  if (r.batch_id !== null) out.batchId = r.batch_id;
  if (r.content_digest !== null) out.contentDigest = r.content_digest;
  return out;
}

/** Records re-emissions (inside a transaction): every credential signed again is logged. */
export async function insertReemissions(
  query: Query,
  rows: Array<{ credentialId: string; contentDigest: string }>,
  at: string,
  batchId: string | undefined,
): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    const params: unknown[] = [];
    for (const r of part) params.push(r.credentialId, at, batchId ?? null, r.contentDigest);
    await query(
      `INSERT INTO "tw_reemission" ("credential_id", "reemitted_at", "batch_id", "content_digest") VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
}

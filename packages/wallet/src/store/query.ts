import { TradewindError } from '@tradewind/core';
import type { SqlValue } from './sqlite.js';

/** What to look for. All given fields must match; none given lists everything. */
export interface CredentialQuery {
  /** A type the credential has (`NationalIdCredential`), or an SD-JWT VC's `vct`. */
  type?: string;
  /** Issuer DID (or an SD-JWT VC's https issuer). */
  issuer?: string;
  /** Credential format: `jwt_vc`, `vc+jwt` or `dc+sd-jwt`. */
  format?: string;
  /** `credentialSubject.id` of the first subject. */
  subject?: string;
  /** Only credentials valid at this time (within validFrom..validUntil). */
  validAt?: Date | string | number;
  /** Most results returned. Default: all. */
  limit?: number;
  /** Results skipped first (paging). */
  offset?: number;
}

/** SQL for a query. With a type the type index drives the scan; results keep insertion order. */
export function toSql(query: CredentialQuery, columns: string): { sql: string; params: SqlValue[] } {
  const where: string[] = [];
  const params: SqlValue[] = [];
  let from = 'wallet_credential c';
  if (query.type !== undefined) {
    from = 'wallet_credential_type t JOIN wallet_credential c ON c.seq = t.seq';
    where.push('t.type = ?');
    params.push(text(query.type, 'type'));
  }
  if (query.issuer !== undefined) {
    where.push('c.issuer = ?');
    params.push(text(query.issuer, 'issuer'));
  }
  if (query.format !== undefined) {
    where.push('c.format = ?');
    params.push(text(query.format, 'format'));
  }
  if (query.subject !== undefined) {
    where.push('c.subject = ?');
    params.push(text(query.subject, 'subject'));
  }
  if (query.validAt !== undefined) {
    const t = timeOf(query.validAt);
    where.push('(c.valid_from IS NULL OR c.valid_from <= ?) AND (c.valid_until IS NULL OR c.valid_until > ?)');
    params.push(t, t);
  }
  let sql = `SELECT ${columns
    .split(', ')
    .map((c) => `c.${c}`)
    .join(', ')} FROM ${from}`;
  if (where.length > 0) sql += ` WHERE ${where.join(' AND ')}`;
  sql += query.type !== undefined ? ' ORDER BY t.seq' : ' ORDER BY c.seq';
  if (query.limit !== undefined || query.offset !== undefined) {
    sql += ' LIMIT ? OFFSET ?';
    params.push(query.limit === undefined ? -1 : count(query.limit, 'limit', 0), count(query.offset ?? 0, 'offset', 0));
  }
  return { sql, params };
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new TradewindError('INVALID_ARGUMENT', `${name} must be a non-empty string`);
  return value;
}

function count(value: unknown, name: string, min: 0): number {
  if (!Number.isInteger(value) || (value as number) < min)
    throw new TradewindError('INVALID_ARGUMENT', `${name} must be a non-negative integer`);
  return value as number;
}

/** Epoch milliseconds of a time given as Date, ISO string or epoch milliseconds. */
export function timeOf(value: Date | string | number): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TradewindError('INVALID_ARGUMENT', `not a valid time: ${String(value)}`);
  return ms;
}

import { createRequire } from 'node:module';
import { TradewindError } from '@tradewind/core';
import type { Pool, PoolClient, PoolConfig } from 'pg';

/** The two engines a Tradewind issuer database runs on. */
export type DatabaseEngine = 'sqlite' | 'postgres';

/** Where a database is, as {@link parseDatabaseLocation} read it. */
export type DatabaseLocation = { engine: 'sqlite'; path: string; display: string } | { engine: 'postgres'; url: string; display: string };

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/**
 * Reads a database location: a `postgres://` or `postgresql://` connection URL, or else
 * the path of a SQLite file. `display` is safe to log: the URL without its password.
 *
 * @example
 * ```ts
 * parseDatabaseLocation('postgres://issuer:s3cret@db.internal:5432/issuer').display
 * // postgres://issuer@db.internal:5432/issuer
 * ```
 */
export function parseDatabaseLocation(location: unknown): DatabaseLocation {
  if (typeof location !== 'string' || location.length === 0 || location.includes('\0')) {
    throw new TradewindError(
      'INVALID_ARGUMENT',
      'a database is a SQLite file path or a postgres:// URL (non-empty, without NUL characters)',
    );
  }
  if (!POSTGRES_URL.test(location)) return { engine: 'sqlite', path: location, display: location };
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new TradewindError('INVALID_ARGUMENT', `not a valid PostgreSQL connection URL: ${redactUrlText(location)}`);
  }
  return { engine: 'postgres', url: location, display: redactUrl(url) };
}

/** A connection URL without its password (and without query parameters that may carry one). */
function redactUrl(url: URL): string {
  const copy = new URL(url.href);
  if (copy.password) copy.password = '';
  for (const key of [...copy.searchParams.keys()]) {
    if (/pass|secret|key/i.test(key)) copy.searchParams.set(key, 'redacted');
  }
  return copy.href.replace(/:@/, '@');
}

function redactUrlText(text: string): string {
  return text.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1redacted@');
}

// `?` placeholders to PostgreSQL's `$n`, outside string literals, quoted identifiers and
// comments. Statements repeat, so rewrites are cached.
const rewrites = new Map<string, string>();

/**
 * Rewrites the `?` placeholders of a statement to PostgreSQL's `$1 … $n`, leaving `?`
 * inside '…' literals, "…" identifiers and comments alone.
 *
 * @example
 * ```ts
 * toPostgresPlaceholders(`SELECT "value" FROM "t" WHERE "key" = ? AND "note" <> '?'`)
 * // SELECT "value" FROM "t" WHERE "key" = $1 AND "note" <> '?'
 * ```
 */
export function toPostgresPlaceholders(sql: string): string {
  const cached = rewrites.get(sql);
  if (cached !== undefined) return cached;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"') {
      const end = closing(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '?') {
      n += 1;
      out += `$${n}`;
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  if (rewrites.size >= 1000) rewrites.clear();
  rewrites.set(sql, out);
  return out;
}

// Index just past the literal or identifier opened by `quote` at `start` (a doubled quote escapes it).
function closing(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  return sql.length;
}

type PgModule = typeof import('pg');
let pgModule: PgModule | undefined;
/** node-postgres, loaded on first use (SQLite users never load it). */
export function loadPg(): PgModule {
  pgModule ??= createRequire(import.meta.url)('pg') as PgModule;
  return pgModule;
}

// int8 (COUNT, SUM, bigserial) as a number when it is a safe integer, else the string.
const INT8_OID = 20;
function pgTypes(pg: PgModule): NonNullable<PoolConfig['types']> {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === INT8_OID && format !== 'binary') {
        return (value: string) => {
          const n = Number(value);
          return Number.isSafeInteger(n) ? n : value;
        };
      }
      return pg.types.getTypeParser(oid, format as 'text');
    }) as NonNullable<PoolConfig['types']>['getTypeParser'],
  };
}

/** The pool settings Tradewind gives node-postgres (also through TypeORM's `extra`). */
export function postgresPoolConfig(options: { poolSize?: number; connectTimeoutMs?: number } = {}): PoolConfig {
  return {
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    types: pgTypes(loadPg()),
    application_name: 'tradewind',
  };
}

/** A node-postgres pool of its own (for code that does not go through TypeORM). */
export function createPostgresPool(url: string, options: { poolSize?: number; connectTimeoutMs?: number } = {}): Pool {
  const pg = loadPg();
  const pool = new pg.Pool({ connectionString: url, ...postgresPoolConfig(options) });
  // An idle client whose server went away emits 'error' on the pool: without a listener
  // that would end the process. The next query gets a new connection (or a clear error).
  pool.on('error', () => undefined);
  return pool;
}

/** Connection-level failures of node-postgres and the server: the database is not there (now). */
const CONNECTION_SYSCALL_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);
// TLS handshakes node refuses (sslmode=require or verify-full against a certificate it does not accept).
const TLS_CODES =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_(GET|VERIFY)_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/;
function isPostgresConnectionFailure(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (CONNECTION_SYSCALL_CODES.has(code) || TLS_CODES.test(code)) return true;
    // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now;
    // 53300: too many connections; 3D000: no such database; 28xxx: authentication.
    if (/^08...$/.test(code) || /^57P0[1-3]$/.test(code) || code === '53300' || code === '3D000' || /^28...$/.test(code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed|does not support SSL connections/i.test(
    error.message,
  );
}

/**
 * A database or file-system failure as a typed error: a unique-key conflict as
 * `ALREADY_EXISTS`, anything else the store raised (SQLite's SQLITE_* codes, system
 * errors such as EACCES or ENOSPC, PostgreSQL's SQLSTATE codes and connection failures)
 * as `STORAGE_ERROR`, naming `location` when given (never a password). A
 * TradewindError or a programming error is returned unchanged.
 *
 * @example
 * ```ts
 * try { await agent.query('SELECT 1') } catch (e) { throw asStorageFailure(e, 'cannot read', agent.location) }
 * ```
 */
export function asStorageFailure(error: unknown, what: string, location?: string): unknown {
  if (error instanceof TradewindError || !(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const where = location === undefined ? '' : ` (${location})`;
  const message = scrub(error.message);
  if (/password must be a string|no password was provided/i.test(error.message)) {
    return new TradewindError(
      'STORAGE_ERROR',
      `${what}: the database server${where} asks for a password and none was given: put it in the URL or in the PGPASSWORD environment variable`,
      { cause: error },
    );
  }
  if (isPostgresConnectionFailure(error)) {
    return new TradewindError('STORAGE_ERROR', `${what}: the database${where} is unreachable: ${message}`, { cause: error });
  }
  if (typeof code !== 'string') return error;
  if ((code.startsWith('SQLITE_CONSTRAINT') && /UNIQUE|PRIMARY KEY/i.test(error.message)) || code === '23505') {
    return new TradewindError('ALREADY_EXISTS', `${what}: ${message}`, { cause: error });
  }
  // SQLite, system calls, and PostgreSQL SQLSTATE codes (five characters, digits and capitals).
  if (code.startsWith('SQLITE_') || (/^E[A-Z0-9]+$/.test(code) && 'syscall' in error) || /^[0-9A-Z]{5}$/.test(code)) {
    return new TradewindError('STORAGE_ERROR', `${what}${where}: ${message}`, { cause: error });
  }
  return error;
}

// A driver message may quote a connection string: never pass its password on.
function scrub(message: string): string {
  return message.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1redacted@');
}

/** Whether a PostgreSQL error is worth running the whole transaction again (deadlock, serialization failure). */
export function isRetryableConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

export type { Pool, PoolClient };

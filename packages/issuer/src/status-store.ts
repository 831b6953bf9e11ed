import { randomBytes } from 'node:crypto';
import type { Query } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { IndexPermutation } from './index-permutation.js';
import { canonicalListUrl } from './list-url.js';

/** The two purposes of the Bitstring Status List that an issuer can set. */
export type StatusPurpose = 'revocation' | 'suspension';
export const STATUS_PURPOSES: readonly StatusPurpose[] = ['revocation', 'suspension'];

/**
 * What a list holds: a Bitstring Status List of one purpose, or (`token`) an IETF Token
 * Status List of 2-bit values (0 valid, 1 revoked, 2 suspended) for `dc+sd-jwt`
 * credentials, one entry per credential whatever purposes it was issued with.
 */
export type ListPurpose = StatusPurpose | 'token';

/** One allocated index in one list. */
export interface StatusAllocation {
  listId: string;
  purpose: ListPurpose;
  index: number;
}

/** Token Status List values (draft-ietf-oauth-status-list §7.1). */
export const TOKEN_STATUS = { valid: 0, invalid: 1, suspended: 2 } as const;

interface ListRow {
  id: string;
  number: number;
  length: number;
  used: number;
  perm_key: string;
}

/** What an allocation is for: one issuer and purpose, and where new lists go. */
export interface AllocationRequest {
  issuer: string;
  purpose: ListPurpose;
  count: number;
  baseUrl: string;
  listLength: number;
  now: string;
}

// Arbitrary, fixed key of the PostgreSQL advisory lock under which a new status list is
// opened (list numbers are shared by every issuer of the database, so one key for all).
const OPEN_LIST_LOCK = 7_402_118_302;

/**
 * Allocates `count` fresh indexes for `issuer` and `purpose`, opening new lists as
 * lists fill, with the given query (a transaction's).
 *
 * SQLite: runs inside the issuance transaction, whose `BEGIN IMMEDIATE` makes it the
 * only writer of the database: the `used` counter moves in the same commit as the
 * entries and log rows, so a crash never consumes an index, and no two processes draw
 * the same counter value.
 *
 * PostgreSQL: also correct inside any transaction (the open list's row is locked with
 * `SELECT … FOR UPDATE` and a new list is opened under an advisory lock with a
 * re-check), but {@link reserveIndexes} is what the issuer uses there, so that no
 * transaction holds a list's lock while it signs.
 */
export async function allocateIndexes(
  query: Query,
  engine: 'sqlite' | 'postgres',
  options: AllocationRequest,
): Promise<StatusAllocation[]> {
  const out: StatusAllocation[] = [];
  while (out.length < options.count) out.push(...(await takeFromOneList(query, engine, { ...options, count: options.count - out.length })));
  return out;
}

/**
 * PostgreSQL: reserves `count` fresh indexes in short transactions of their own (one
 * per list it takes from), committed before the issuance transaction that uses them
 * begins. Each takes the open list's row lock (`SELECT … FOR UPDATE`), moves `used` and
 * commits, so instances wait for one another only for that long, never while they sign.
 * A list is opened under a transaction-scoped advisory lock, after checking again that
 * no other instance opened one meanwhile, so two instances never open the same new list
 * (and the list number's UNIQUE constraint stands behind it). An issuance that rolls
 * back or dies after its reservation leaves those indexes unused for ever: they are
 * never handed out again, so every (list, index) goes to at most one credential (the
 * entries' PRIMARY KEY is the last line of defence), and their bits stay 0.
 */
export async function reserveIndexes(
  transaction: <T>(fn: (query: Query) => Promise<T>) => Promise<T>,
  options: AllocationRequest,
): Promise<StatusAllocation[]> {
  const out: StatusAllocation[] = [];
  while (out.length < options.count) {
    const remaining = options.count - out.length;
    out.push(...(await transaction((q) => takeFromOneList(q, 'postgres', { ...options, count: remaining }))));
  }
  return out;
}

// Takes up to `count` indexes from one list (the open one, or a new one), moving its counter.
async function takeFromOneList(query: Query, engine: 'sqlite' | 'postgres', options: AllocationRequest): Promise<StatusAllocation[]> {
  let list = await openListOf(query, engine, options);
  if (!list) {
    if (engine === 'postgres') {
      // Another instance may be opening a list right now: wait for it, then look again.
      await query('SELECT pg_advisory_xact_lock(?)', [OPEN_LIST_LOCK]);
      list = await openListOf(query, engine, options);
    }
    list ??= await openList(query, options);
  }
  const take = Math.min(options.count, list.length - list.used);
  const permutation = permutationOf(list);
  const out: StatusAllocation[] = [];
  for (let i = 0; i < take; i++) out.push({ listId: list.id, purpose: options.purpose, index: permutation.permute(list.used + i) });
  await query(`UPDATE "tw_status_list" SET "used" = "used" + ? WHERE "id" = ?`, [take, list.id]);
  return out;
}

// The issuer's first list for `purpose` with free indexes (locked on PostgreSQL until the commit).
async function openListOf(query: Query, engine: 'sqlite' | 'postgres', options: AllocationRequest): Promise<ListRow | undefined> {
  const rows = (await query(
    `SELECT "id", "number", "length", "used", "perm_key" FROM "tw_status_list"
     WHERE "issuer" = ? AND "purpose" = ? AND "used" < "length" ORDER BY "number" LIMIT 1${engine === 'postgres' ? ' FOR UPDATE' : ''}`,
    [options.issuer, options.purpose],
  )) as ListRow[];
  // With FOR UPDATE, a row another transaction filled meanwhile drops out after the wait
  // (and LIMIT 1 does not look further): the caller then looks again under the lock.
  const row = rows[0];
  return row ? { ...row, number: Number(row.number), length: Number(row.length), used: Number(row.used) } : undefined;
}

// Permutations are pure functions of (key, length): cache them across transactions.
const permutations = new Map<string, IndexPermutation>();
function permutationOf(list: ListRow): IndexPermutation {
  const cacheKey = `${list.perm_key}:${list.length}`;
  let p = permutations.get(cacheKey);
  if (!p) {
    if (permutations.size >= 64) permutations.clear();
    p = new IndexPermutation(Buffer.from(list.perm_key, 'hex'), list.length);
    permutations.set(cacheKey, p);
  }
  return p;
}

async function openList(query: Query, options: AllocationRequest): Promise<ListRow> {
  const rows = (await query(`SELECT COALESCE(MAX("number"), 0) + 1 AS "next" FROM "tw_status_list"`)) as Array<{ next: number }>;
  const number = Number(rows[0]?.next ?? 1);
  // Token Status Lists are published apart from the Bitstring ones: `<base>/token/<n>`.
  const token = options.purpose === 'token';
  const id = `${options.baseUrl.replace(/\/+$/, '')}/${token ? 'token/' : ''}${number}`;
  const row: ListRow = { id, number, length: options.listLength, used: 0, perm_key: randomBytes(32).toString('hex') };
  await query(
    `INSERT INTO "tw_status_list" ("id", "number", "issuer", "purpose", "length", "used", "perm_key", "created_at", "updated_at", "kind")
     VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
    [
      id,
      number,
      options.issuer,
      options.purpose,
      options.listLength,
      row.perm_key,
      options.now,
      options.now,
      token ? 'token' : 'bitstring',
    ],
  );
  return row;
}

/**
 * An entry to record: a Bitstring entry (one purpose), or a Token Status List entry
 * (`purpose: 'token'`) with the purposes its credential was issued with (`purposes`).
 */
export type EntryRow = StatusAllocation & { credentialId: string; purposes?: StatusPurpose[] };

/**
 * Records allocated entries for credentials (multi-row inserts, inside the issuance
 * transaction). A token entry's `purpose` column holds the purposes it was issued with
 * (`revocation`, `suspension` or `revocation,suspension`) and its `kind` is `token`.
 */
export async function insertEntries(query: Query, entries: EntryRow[]): Promise<void> {
  const CHUNK = 1000;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const part = entries.slice(i, i + CHUNK);
    const params: unknown[] = [];
    for (const e of part) {
      const token = e.purpose === 'token';
      params.push(e.listId, e.index, e.credentialId, token ? (e.purposes ?? []).join(',') : e.purpose, token ? 'token' : 'bitstring');
    }
    await query(
      `INSERT INTO "tw_status_entry" ("list_id", "idx", "credential_id", "purpose", "kind") VALUES ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
}

/**
 * The version of every status list (or of one issuer's), by list URL: it starts at 0
 * and goes up by one in the same transaction as every change of one of the list's
 * bits, on every instance sharing the database. A new list appears with version 0.
 */
export async function statusListVersions(query: Query, issuer?: string): Promise<Map<string, number>> {
  const rows = (await query(
    `SELECT "id", "version" FROM "tw_status_list" ${issuer === undefined ? '' : 'WHERE "issuer" = ?'} ORDER BY "number"`,
    issuer === undefined ? [] : [issuer],
  )) as Array<{ id: string; version: number }>;
  return new Map(rows.map((r) => [r.id, Number(r.version)]));
}

/**
 * Sets the status bit of a credential's entry for `purpose`. Throws `NOT_FOUND` when
 * the credential was not issued here and `INVALID_ARGUMENT` when it has no entry for
 * that purpose (or, for revocation, is asked to be un-revoked).
 */
export async function setStatus(
  query: Query,
  engine: 'sqlite' | 'postgres',
  credentialId: string,
  purpose: StatusPurpose,
  value: boolean,
  now: string,
): Promise<{ changed: boolean }> {
  // FOR UPDATE (PostgreSQL): a concurrent change of the same credential waits, then reads this one's result.
  const entries = (await query(
    `SELECT "list_id", "idx", "purpose", "value", "kind" FROM "tw_status_entry" WHERE "credential_id" = ?${engine === 'postgres' ? ' FOR UPDATE' : ''}`,
    [credentialId],
  )) as Array<{
    list_id: string;
    idx: number;
    purpose: string;
    value: number;
    kind: string;
  }>;
  if (entries.length === 0) {
    const logged = (await query(`SELECT 1 FROM "tw_issuance_log" WHERE "credential_id" = ?`, [credentialId])) as unknown[];
    if (logged.length === 0) throw new TradewindError('NOT_FOUND', `no credential ${credentialId} was issued from this database`);
  }
  const entry = entries.find((e) => (e.kind === 'token' ? e.purpose.split(',').includes(purpose) : e.purpose === purpose));
  if (!entry) throw new TradewindError('INVALID_ARGUMENT', `credential ${credentialId} has no ${purpose} status entry`);
  const current = Number(entry.value);
  let next: number;
  if (entry.kind === 'token') {
    // One 2-bit value: revoked (1) is final; suspended (2) and valid (0) move between each other.
    if (current === TOKEN_STATUS.invalid) {
      if (purpose === 'revocation' && !value)
        throw new TradewindError('INVALID_ARGUMENT', `credential ${credentialId} is revoked; revocation is permanent`);
      return { changed: false };
    }
    if (purpose === 'revocation') next = value ? TOKEN_STATUS.invalid : current;
    else next = value ? TOKEN_STATUS.suspended : TOKEN_STATUS.valid;
  } else {
    if (purpose === 'revocation' && !value && current === 1) {
      throw new TradewindError('INVALID_ARGUMENT', `credential ${credentialId} is revoked; revocation is permanent`);
    }
    next = value ? 1 : 0;
  }
  if (current === next) return { changed: false };
  await query(`UPDATE "tw_status_entry" SET "value" = ? WHERE "list_id" = ? AND "idx" = ?`, [next, entry.list_id, entry.idx]);
  // The list's version moves in the same commit as its bit: whoever publishes the list
  // signs it again when the version it last signed is behind.
  await query(`UPDATE "tw_status_list" SET "updated_at" = ?, "version" = "version" + 1 WHERE "id" = ?`, [now, entry.list_id]);
  return { changed: true };
}

/**
 * Refuses (`INVALID_ARGUMENT`, with the path) a caller's status entry (or credential id)
 * that points into this database's status lists — also under a base URL lists were
 * published under earlier, and in any spelling a server resolves to the same URL (case,
 * default port, percent-encoding, `..` segments, trailing slash, query or fragment):
 * their indexes are allocated by the issuer only.
 */
export async function refuseOwnLists(query: Query, requests: Array<{ statusLists?: Array<{ url: string; path: string }> }>): Promise<void> {
  const named = requests.flatMap((r) => r.statusLists ?? []);
  if (named.length === 0) return;
  const rows = (await query(`SELECT "id" FROM "tw_status_list"`)) as Array<{ id: string }>;
  // Every base URL lists were published under (a list is `<base>/<n>`): a list of a later
  // number may yet be opened under one of them if the base is set back to it.
  const bases = new Map<string, string>();
  for (const r of rows) {
    const base = canonicalListUrl(r.id.replace(/\/[0-9]+$/, ''));
    if (base !== undefined) bases.set(base, r.id.replace(/\/[0-9]+$/, ''));
  }
  for (const n of named) {
    const canonical = canonicalListUrl(n.url);
    if (canonical === undefined) continue;
    const base = [...bases.keys()].find((b) => canonical === b || canonical.startsWith(`${b}/`));
    if (base !== undefined)
      throw new TradewindError(
        'INVALID_ARGUMENT',
        `${n.path.endsWith('/credential/id') || n.path === '/id' ? 'the credential id' : 'a status entry of the credential'} points into the status lists this issuer published under ${bases.get(base)} (as ${JSON.stringify(n.url)}), whose indexes only the issuer allocates: ask for them with status instead`,
        { path: n.path },
      );
  }
}

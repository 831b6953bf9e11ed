import { randomBytes } from 'node:crypto';
import type { Query } from '@tradewind/agent';
import { TradewindError } from '@tradewind/core';
import { IndexPermutation } from './index-permutation.js';
import { canonicalListUrl } from './list-url.js';

/** The two purposes of the Bitstring Status List that an issuer can set. */
export type StatusPurpose = 'revocation' | 'suspension';
export const STATUS_PURPOSES: readonly StatusPurpose[] = ['revocation', 'suspension'];

/** One allocated index in one list. */
export interface StatusAllocation {
  listId: string;
  purpose: StatusPurpose;
  index: number;
}

interface ListRow {
  id: string;
  number: number;
  length: number;
  used: number;
  perm_key: string;
}

/**
 * Allocates `count` fresh indexes for `issuer` and `purpose`, opening new lists as
 * lists fill. Must run inside the issuance transaction: the `used` counter moves in the
 * same commit as the entries and log rows, so a crash never consumes an index for a
 * credential that was not recorded, and `BEGIN IMMEDIATE` keeps concurrent processes
 * from drawing the same counter value.
 */
export async function allocateIndexes(
  query: Query,
  options: { issuer: string; purpose: StatusPurpose; count: number; baseUrl: string; listLength: number; now: string },
): Promise<StatusAllocation[]> {
  const out: StatusAllocation[] = [];
  let remaining = options.count;
  while (remaining > 0) {
    let list = (
      (await query(
        `SELECT "id", "number", "length", "used", "perm_key" FROM "tw_status_list"
         WHERE "issuer" = ? AND "purpose" = ? AND "used" < "length" ORDER BY "number" LIMIT 1`,
        [options.issuer, options.purpose],
      )) as ListRow[]
    )[0];
    if (!list) list = await openList(query, options);
    const take = Math.min(remaining, list.length - list.used);
    const permutation = permutationOf(list);
    for (let i = 0; i < take; i++) {
      out.push({ listId: list.id, purpose: options.purpose, index: permutation.permute(list.used + i) });
    }
    await query(`UPDATE "tw_status_list" SET "used" = "used" + ? WHERE "id" = ?`, [take, list.id]);
    remaining -= take;
  }
  return out;
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

async function openList(
  query: Query,
  options: { issuer: string; purpose: StatusPurpose; baseUrl: string; listLength: number; now: string },
): Promise<ListRow> {
  const rows = (await query(`SELECT COALESCE(MAX("number"), 0) + 1 AS "next" FROM "tw_status_list"`)) as Array<{ next: number }>;
  const number = rows[0]?.next ?? 1;
  const id = `${options.baseUrl.replace(/\/+$/, '')}/${number}`;
  const row: ListRow = { id, number, length: options.listLength, used: 0, perm_key: randomBytes(32).toString('hex') };
  await query(
    `INSERT INTO "tw_status_list" ("id", "number", "issuer", "purpose", "length", "used", "perm_key", "created_at", "updated_at")
     VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)`,
    [id, number, options.issuer, options.purpose, options.listLength, row.perm_key, options.now, options.now],
  );
  return row;
}

/** Records allocated entries for credentials (multi-row inserts, inside the issuance transaction). */
export async function insertEntries(query: Query, entries: Array<StatusAllocation & { credentialId: string }>): Promise<void> {
  const CHUNK = 1000;
  for (let i = 0; i < entries.length; i += CHUNK) {
    const part = entries.slice(i, i + CHUNK);
    const params: unknown[] = [];
    for (const e of part) params.push(e.listId, e.index, e.credentialId, e.purpose);
    await query(
      `INSERT INTO "tw_status_entry" ("list_id", "idx", "credential_id", "purpose") VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}`,
      params,
    );
  }
}

/**
 * Sets the status bit of a credential's entry for `purpose`. Throws `NOT_FOUND` when
 * the credential was not issued here and `INVALID_ARGUMENT` when it has no entry for
 * that purpose (or, for revocation, is asked to be un-revoked).
 */
export async function setStatus(
  query: Query,
  credentialId: string,
  purpose: StatusPurpose,
  value: boolean,
  now: string,
): Promise<{ changed: boolean }> {
  const entries = (await query(`SELECT "list_id", "idx", "purpose", "value" FROM "tw_status_entry" WHERE "credential_id" = ?`, [
    credentialId,
  ])) as Array<{
    list_id: string;
    idx: number;
    purpose: string;
    value: number;
  }>;
  if (entries.length === 0) {
    const logged = (await query(`SELECT 1 FROM "tw_issuance_log" WHERE "credential_id" = ?`, [credentialId])) as unknown[];
    if (logged.length === 0) throw new TradewindError('NOT_FOUND', `no credential ${credentialId} was issued from this database`);
  }
  const entry = entries.find((e) => e.purpose === purpose);
  if (!entry) throw new TradewindError('INVALID_ARGUMENT', `credential ${credentialId} has no ${purpose} status entry`);
  if (purpose === 'revocation' && !value && entry.value === 1) {
    throw new TradewindError('INVALID_ARGUMENT', `credential ${credentialId} is revoked; revocation is permanent`);
  }
  const bit = value ? 1 : 0;
  if (entry.value === bit) return { changed: false };
  await query(`UPDATE "tw_status_entry" SET "value" = ? WHERE "list_id" = ? AND "idx" = ?`, [bit, entry.list_id, entry.idx]);
  await query(`UPDATE "tw_status_list" SET "updated_at" = ? WHERE "id" = ?`, [now, entry.list_id]);
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

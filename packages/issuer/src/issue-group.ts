import type { ManagedDid, Query, TradewindAgent } from '@tradewind/agent';
import { type CredentialStatus, type JsonObject, TradewindError, type VerifiableCredential } from '@tradewind/core';
import { contentDigest } from './content-digest.js';
import { finalCredential, type NormalizedRequest, statusEntry } from './credential-document.js';
import type { IssueFormat } from './credential-request.js';
import { type DataIntegritySettings, diText, signDataIntegrity } from './data-integrity.js';
import { type IssuanceRecord, insertLogRecords } from './issuance-log.js';
import { sdJwtContent, sdJwtPayload, signSdJwt, type TokenStatusReference } from './sd-jwt-credential.js';
import { resolveHolders } from './sd-jwt-request.js';
import { signCredential } from './sign-credential.js';
import { allocateIndexes, type EntryRow, insertEntries, type ListPurpose, reserveIndexes, type StatusAllocation } from './status-store.js';

/** A signed credential and what the issuer recorded about it. */
export interface IssuedCredential {
  id: string;
  format: IssueFormat;
  /**
   * The signed credential (compact JWS / JWT); for `dc+sd-jwt` the compact SD-JWT with
   * every disclosure and no key binding (`<jwt>~<disclosure>~…~`); for `di` the JSON text
   * of the credential with its proof (what is delivered, as {@link credential} holds it).
   */
  jwt: string;
  /**
   * The credential as signed (for `jwt_vc`, the `vc` claim); for `dc+sd-jwt` the payload
   * with every claim in the clear (what a verifier reads with every disclosure); for `di`
   * the credential with its `proof`.
   */
  credential: VerifiableCredential;
  issuer: string;
  /** The Bitstring Status List entries (none for `dc+sd-jwt`: see {@link statusList}). */
  status: CredentialStatus[];
  /** `dc+sd-jwt`: the credential's Token Status List entry (`status.status_list`). */
  statusList?: TokenStatusReference;
  /** `dc+sd-jwt`: JSON pointers of the selectively disclosable claims. */
  disclosable?: string[];
  issuedAt: string;
  recordKey?: string;
}

export interface GroupContext {
  agent: TradewindAgent;
  signers: Map<string, ManagedDid>;
  baseUrl: string | undefined;
  listLength: number;
  logClaims: boolean;
  batchId?: string;
  /** Contexts for `di` credentials besides the bundled ones. */
  dataIntegrity?: DataIntegritySettings | undefined;
}

// Signatures in flight at once: enough to keep every core of the thread pool busy,
// few enough that SQLite's statements (on the same pool) do not queue behind them all.
const SIGNING_CONCURRENCY = 64;

async function mapConcurrently<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** Status indexes taken for a group before its transaction, by issuer and purpose. */
export type Reservations = Map<string, StatusAllocation[]>;

const wantKey = (issuer: string, purpose: ListPurpose) => `${issuer}\u0000${purpose}`;

// The lists a request takes an index in: one per purpose (Bitstring), or one Token Status
// List entry for a `dc+sd-jwt` credential with any status.
function listPurposes(r: NormalizedRequest): ListPurpose[] {
  if (r.format === 'dc+sd-jwt') return r.status.length > 0 ? ['token'] : [];
  return r.status;
}

// How many indexes each (issuer, purpose) of the group needs.
function wantedStatus(requests: NormalizedRequest[]): Map<string, { issuer: string; purpose: ListPurpose; count: number }> {
  const wanted = new Map<string, { issuer: string; purpose: ListPurpose; count: number }>();
  for (const r of requests) {
    for (const purpose of listPurposes(r)) {
      const key = wantKey(r.issuer, purpose);
      const w = wanted.get(key) ?? { issuer: r.issuer, purpose, count: 0 };
      w.count += 1;
      wanted.set(key, w);
    }
  }
  return wanted;
}

function needBaseUrl(baseUrl: string | undefined): string {
  if (baseUrl === undefined) {
    throw new TradewindError('INVALID_ARGUMENT', 'credentials with status need statusListBaseUrl (set it when opening the issuer)');
  }
  return baseUrl;
}

/**
 * PostgreSQL: reserves the status indexes of a group in short transactions of their own
 * before its issuance transaction (see `reserveIndexes`), so that instances never wait
 * for one another while they sign. SQLite: nothing (the issuance transaction allocates).
 */
export async function reserveStatus(ctx: GroupContext, requests: NormalizedRequest[], now: Date): Promise<Reservations | undefined> {
  if (ctx.agent.engine !== 'postgres') return undefined;
  const wanted = wantedStatus(requests);
  if (wanted.size === 0) return undefined;
  const baseUrl = needBaseUrl(ctx.baseUrl);
  const reserved: Reservations = new Map();
  for (const [key, w] of wanted) {
    reserved.set(
      key,
      await reserveIndexes((fn) => ctx.agent.transaction(fn), { ...w, baseUrl, listLength: ctx.listLength, now: now.toISOString() }),
    );
  }
  return reserved;
}

/**
 * Issues requests inside one open transaction: allocates status indexes (or uses those
 * `reserved` before it, on PostgreSQL), signs, and writes status entries and log rows.
 * The caller's transaction makes it all-or-nothing; on PostgreSQL it may run again
 * after a deadlock, so it only reads `reserved`.
 */
export async function issueGroup(
  query: Query,
  ctx: GroupContext,
  requests: NormalizedRequest[],
  now: Date,
  reserved?: Reservations,
): Promise<IssuedCredential[]> {
  // The signing key of each issuer as this transaction finds it: a rotation (here or by
  // another process) commits before it starts, and nothing is signed with a retired key.
  // PostgreSQL: the issuers' key locks are held shared until the commit, so a rotation
  // waits for this transaction, or this one for the rotation and then reads the new key;
  // it never signs with a key retired meanwhile.
  await ctx.agent.holdSigningKeys(
    query,
    requests.map((r) => r.issuer),
  );
  await ctx.agent.syncKeys(query);
  for (const did of new Set(requests.map((r) => r.issuer))) ctx.signers.set(did, await ctx.agent.getDid(did, query));
  const issuedAt = now.toISOString();
  const iat = Math.floor(now.getTime() / 1000);
  // dc+sd-jwt holders not resolved yet (callers resolve them first, to refuse one before
  // any transaction): their keys become cnf.
  await resolveHolders(requests);
  // Allocate per (issuer, purpose) in one call each, so a group takes one counter update per list.
  const allocations = new Map<string, StatusAllocation[]>();
  for (const [key, w] of wantedStatus(requests)) {
    const baseUrl = needBaseUrl(ctx.baseUrl);
    const have = (reserved?.get(key) ?? []).slice(0, w.count);
    // A reservation made for fewer records than the transaction found to issue (it never
    // is: records only get issued, never un-issued) is completed here, under the same locks.
    if (have.length < w.count) {
      have.push(
        ...(await allocateIndexes(query, ctx.agent.engine, {
          ...w,
          count: w.count - have.length,
          baseUrl,
          listLength: ctx.listLength,
          now: issuedAt,
        })),
      );
    }
    allocations.set(key, have);
  }
  const cursor = new Map<string, number>();
  const built: Array<{
    r: NormalizedRequest;
    credential: VerifiableCredential;
    status: CredentialStatus[];
    statusList?: TokenStatusReference;
  }> = [];
  const entries: EntryRow[] = [];
  const log: IssuanceRecord[] = [];
  for (const r of requests) {
    const mine: StatusAllocation[] = [];
    for (const purpose of listPurposes(r)) {
      const key = wantKey(r.issuer, purpose);
      const at = cursor.get(key) ?? 0;
      cursor.set(key, at + 1);
      mine.push((allocations.get(key) as StatusAllocation[])[at] as StatusAllocation);
    }
    let credential: VerifiableCredential;
    let status: CredentialStatus[] = [];
    let logged: IssuanceRecord['status'];
    let statusList: TokenStatusReference | undefined;
    if (r.sdJwt !== undefined) {
      // One Token Status List entry carries every purpose the credential was issued with.
      const token = mine[0];
      if (token !== undefined) {
        statusList = { idx: token.index, uri: token.listId };
        entries.push({ ...token, credentialId: r.id, purposes: r.status });
      }
      logged = token === undefined ? [] : r.status.map((purpose) => ({ listId: token.listId, index: token.index, purpose }));
      credential = sdJwtPayload(r.issuer, r.sdJwt, statusList, iat) as unknown as VerifiableCredential;
      built.push({ r, credential, status, ...(statusList === undefined ? {} : { statusList }) });
    } else {
      status = mine.map(statusEntry);
      credential = finalCredential(r, status);
      built.push({ r, credential, status });
      for (const a of mine) entries.push({ ...a, credentialId: r.id });
      logged = mine as IssuanceRecord['status'];
    }
    const record: IssuanceRecord = {
      credentialId: r.id,
      issuer: r.issuer,
      types: r.types,
      format: r.format,
      issuedAt,
      status: logged,
      contentDigest: contentDigest(
        r.format,
        r.sdJwt === undefined ? credential : sdJwtContent(credential as unknown as JsonObject, r.sdJwt),
      ),
    };
    if (r.recordKey !== undefined) record.recordKey = r.recordKey;
    if (r.subjectId !== undefined) record.subjectId = r.subjectId;
    if (r.validFrom !== undefined) record.validFrom = r.validFrom;
    if (r.validUntil !== undefined) record.validUntil = r.validUntil;
    if (ctx.logClaims) record.claims = r.claims;
    if (ctx.batchId !== undefined) record.batchId = ctx.batchId;
    log.push(record);
  }
  // The rows do not depend on the signatures: SQLite writes them while the thread pool
  // signs. Either failing rejects, and the caller's transaction rolls everything back.
  const writes = (async () => {
    await insertEntries(query, entries);
    await insertLogRecords(query, log);
  })();
  // `di`: the secured document (the credential with its proof) by unsigned credential.
  const secureds = new Map<VerifiableCredential, JsonObject>();
  const signing = mapConcurrently(built, SIGNING_CONCURRENCY, ({ r, credential }) =>
    r.sdJwt !== undefined
      ? signSdJwt(ctx.agent, ctx.signers.get(r.issuer) as ManagedDid, credential as unknown as Record<string, unknown>, r.sdJwt)
      : r.format === 'di'
        ? signDataIntegrity(ctx.agent, ctx.signers.get(r.issuer) as ManagedDid, credential, issuedAtSeconds(now), ctx.dataIntegrity).then(
            (secured) => {
              secureds.set(credential, secured);
              return diText(secured);
            },
          )
        : signCredential(ctx.agent, ctx.signers.get(r.issuer) as ManagedDid, credential, r.format, iat),
  );
  // Settle both before returning or throwing: a rollback must not overtake an insert in flight.
  const [written, signed] = await Promise.allSettled([writes, signing]);
  if (written.status === 'rejected') throw written.reason;
  if (signed.status === 'rejected') throw signed.reason;
  const jwts = signed.value;
  const issued = built.map(({ r, credential, status, statusList }, i) => {
    const secured = secureds.get(credential) as VerifiableCredential | undefined;
    const out: IssuedCredential = {
      id: r.id,
      format: r.format,
      jwt: jwts[i] as string,
      credential: secured ?? credential,
      issuer: r.issuer,
      status,
      issuedAt,
    };
    if (statusList !== undefined) out.statusList = statusList;
    if (r.sdJwt !== undefined) out.disclosable = [...r.sdJwt.disclosable];
    if (r.recordKey !== undefined) out.recordKey = r.recordKey;
    return out;
  });
  return issued;
}

/** A Data Integrity proof's `created`: the time of issuance in UTC whole seconds (a re-emission signs the same). */
export function issuedAtSeconds(issuedAt: Date | string): string {
  const ms = typeof issuedAt === 'string' ? Date.parse(issuedAt) : issuedAt.getTime();
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

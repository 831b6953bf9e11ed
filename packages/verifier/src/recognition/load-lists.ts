import {
  type DIDDocument,
  type DidKeyResolver,
  jwkThumbprint,
  parseDateTimeStamp,
  parseRecognitionList,
  type RecognitionEntry,
  TradewindError,
  type VerificationIssue,
} from '@tradewind/core';
import { claimedIssuanceTime } from '../issuance-time.js';
import type { StatusListSource } from '../types.js';
import type { CredentialCheckResult } from '../verify-credential.js';
import type { RecognitionPolicy } from './policy.js';

/** A recognition list that verified, with what the verifier needs of it. */
export interface LoadedList {
  anchor: string;
  sequence: number;
  nextUpdate: Date;
  validUntil: Date | undefined;
  name: string | undefined;
  entries: RecognitionEntry[];
}

/**
 * One entry of a list in use: a key period of an issuer. `keys` holds the RFC 7638
 * thumbprints of the keys it lists (undefined: the DID's own key, as for did:key), so
 * that the period binds the key material, never just a kid.
 */
export interface KeyPeriod {
  entry: RecognitionEntry;
  list: LoadedList;
  keys: Set<string> | undefined;
  /**
   * For an entry that pins `x509` certificates: thumbprints of the `x5c` leaf keys seen
   * to chain to one of them (filled as chains verify), so that the period binds those
   * keys as `keys` binds listed ones.
   */
  certified: Set<string> | undefined;
  /** The entry's window in ms since the epoch (unbounded when absent). */
  from: number;
  until: number;
}

export interface RecognitionState {
  policy: RecognitionPolicy;
  /** Lists in use: the highest sequence of each anchor. */
  lists: LoadedList[];
  /** Why other lists were refused (TRUST_LIST_INVALID). */
  problems: VerificationIssue[];
  /** Key periods per issuer DID, revoked entries left out. */
  byIssuer: Map<string, KeyPeriod[]>;
  /** Thumbprints of keys an accepted list marks `revoked`: they never verify anything again. */
  revokedKeys: Set<string>;
  /** DIDs whose own key (no listed keys, e.g. did:key) an accepted list marks `revoked`. */
  revokedDids: Set<string>;
  /** Resolves issuers, with the keys the lists carry for DIDs that do not resolve offline. */
  resolver: DidKeyResolver;
  /** Highest sequence accepted per anchor: persist it and pass it back as `seenSequences`. */
  sequences: Record<string, number>;
  /**
   * The evaluation times (ms, from inclusive, until exclusive) for which this choice of
   * lists holds: before `from` a list in use was not yet valid, from `until` on a list
   * refused as future-dated would be. Outside it the lists are chosen again.
   */
  inForce: { from: number; until: number };
}

const SELF_RESOLVING = /^did:(key|jwk):/;
type VerificationMethod = NonNullable<DIDDocument['verificationMethod']>[number];

/**
 * Verifies each recognition list once, up front: signed by an accepted anchor, a
 * well-formed RecognitionList, and not a rollback (a lower sequence than one seen).
 * Refused lists are recorded as problems, never thrown: a verifier with a bad list
 * still answers, failing closed for the issuers only that list would have named.
 */
export async function loadRecognitionLists(
  policy: RecognitionPolicy,
  sources: readonly StatusListSource[],
  seenSequences: Readonly<Record<string, number>>,
  resolver: DidKeyResolver,
  verifyList: (source: StatusListSource) => Promise<CredentialCheckResult>,
  now: number,
  skewMs: number,
): Promise<RecognitionState> {
  const anchors = new Set(policy.anchors ?? []);
  const problems: VerificationIssue[] = [];
  const best = new Map<string, LoadedList>();
  // Every list that verified, superseded and rolled-back ones included: a key one of them
  // marks revoked stays revoked even when a later list names it again.
  const verified: LoadedList[] = [];
  const inForce = { from: Number.NEGATIVE_INFINITY, until: Number.POSITIVE_INFINITY };
  for (const [i, source] of sources.entries()) {
    const path = `/recognitionLists/${i}`;
    try {
      const { list, startsAt } = await loadOne(source, anchors, verifyList);
      // A list is applied from its validFrom on (and from its claimed issuance time: iat
      // too). One dated later than now plus the skew is refused and supersedes nothing.
      if (startsAt !== undefined && startsAt > now + skewMs) {
        inForce.until = Math.min(inForce.until, startsAt - skewMs);
        throw new TradewindError(
          'TRUST_LIST_INVALID',
          `recognition list of ${list.anchor} is not valid before ${new Date(startsAt).toISOString()}`,
          { path: '/payload/validFrom' },
        );
      }
      if (startsAt !== undefined) inForce.from = Math.max(inForce.from, startsAt - skewMs);
      verified.push(list);
      const seen = seenSequences[list.anchor];
      if (seen !== undefined && list.sequence < seen) {
        throw new TradewindError(
          'TRUST_LIST_INVALID',
          `recognition list sequence ${list.sequence} of ${list.anchor} is lower than ${seen}, already seen (rollback)`,
        );
      }
      const current = best.get(list.anchor);
      if (current && current.sequence >= list.sequence) {
        throw new TradewindError(
          'TRUST_LIST_INVALID',
          `recognition list sequence ${list.sequence} of ${list.anchor} is not newer than ${current.sequence} (rollback)`,
        );
      }
      if (current)
        problems.push({
          code: 'TRUST_LIST_INVALID',
          message: `recognition list sequence ${current.sequence} of ${list.anchor} is superseded by ${list.sequence}`,
          path,
        });
      best.set(list.anchor, list);
    } catch (e) {
      const issue = e instanceof TradewindError ? e.toIssue() : { code: 'TRUST_LIST_INVALID' as const, message: String(e) };
      problems.push({ ...issue, code: 'TRUST_LIST_INVALID', path: path + (issue.path === '/' ? '' : (issue.path ?? '')) });
    }
  }
  const lists = [...best.values()];
  const byIssuer = new Map<string, KeyPeriod[]>();
  const revokedKeys = new Set<string>();
  const revokedDids = new Set<string>();
  const keysByDid = new Map<string, DIDDocument>();
  for (const list of verified) {
    for (const entry of list.entries) {
      if (entry.keys) {
        for (const key of entry.keys) if (entry.revoked === true || key.revoked === true) revokedKeys.add(await jwkThumbprint(key));
      } else if (entry.revoked === true) {
        revokedDids.add(entry.id);
        // The DID's own key, by its material: the same key under another DID (did:key and
        // did:jwk spell one key two ways) is just as compromised.
        for (const thumbprint of await ownKeyThumbprints(resolver, entry.id)) revokedKeys.add(thumbprint);
      }
    }
  }
  for (const list of lists) {
    for (const entry of list.entries) {
      let keys: Set<string> | undefined;
      if (entry.keys) {
        keys = new Set();
        for (const key of entry.keys) {
          const thumbprint = await jwkThumbprint(key);
          if (!revokedKeys.has(thumbprint)) keys.add(thumbprint);
        }
        // Keys of https issuers are looked up by issuer, not through a DID document.
        if (entry.id.startsWith('did:') && !SELF_RESOLVING.test(entry.id)) addKeys(keysByDid, entry);
      }
      if (entry.revoked === true) continue;
      const period: KeyPeriod = {
        entry,
        list,
        keys,
        certified: entry.x509 ? new Set() : undefined,
        from: entry.validFrom === undefined ? Number.NEGATIVE_INFINITY : (parseDateTimeStamp(entry.validFrom) as number),
        until: entry.validUntil === undefined ? Number.POSITIVE_INFINITY : (parseDateTimeStamp(entry.validUntil) as number),
      };
      const found = byIssuer.get(entry.id) ?? [];
      found.push(period);
      byIssuer.set(entry.id, found);
    }
  }
  const sequences = { ...seenSequences };
  for (const list of lists) sequences[list.anchor] = Math.max(list.sequence, sequences[list.anchor] ?? 0);
  return {
    policy,
    lists,
    problems,
    byIssuer,
    revokedKeys,
    revokedDids,
    resolver: keysByDid.size > 0 ? resolver.withDocuments(keysByDid.values()) : resolver,
    sequences,
    inForce,
  };
}

/** Thumbprints of the keys a self-resolving DID (did:key, did:jwk) stands for; none for others. */
async function ownKeyThumbprints(resolver: DidKeyResolver, did: string): Promise<string[]> {
  if (!SELF_RESOLVING.test(did)) return [];
  try {
    const keys = await resolver.keysFor(did, 'assertionMethod');
    return await Promise.all(keys.map((k) => jwkThumbprint(k.jwk)));
  } catch {
    return []; // an unresolvable DID signs nothing; revokedDids still names it
  }
}

async function loadOne(
  source: StatusListSource,
  anchors: Set<string>,
  verifyList: (source: StatusListSource) => Promise<CredentialCheckResult>,
): Promise<{ list: LoadedList; startsAt: number | undefined }> {
  const result = await verifyList(source);
  if (!result.verified) {
    const first = result.errors[0];
    throw new TradewindError(
      'TRUST_LIST_INVALID',
      `recognition list does not verify: ${first?.code} ${first?.message}`,
      first?.path ? { path: first.path } : undefined,
    );
  }
  if (!anchors.has(result.issuer)) {
    throw new TradewindError('TRUST_LIST_INVALID', `recognition list is signed by ${result.issuer}, which is not an accepted anchor`);
  }
  const startsAt = claimedIssuanceTime(result.format === 'di' ? {} : result.payload, result.validFrom, '/payload');
  const subject = parseRecognitionList(result.credential);
  const list: LoadedList = {
    anchor: result.issuer,
    sequence: subject.sequence,
    nextUpdate: new Date(parseDateTimeStamp(subject.nextUpdate) as number),
    validUntil: result.validUntil,
    name: subject.name,
    entries: subject.entries,
  };
  return { list, startsAt };
}

/**
 * The DID document a verifier uses for an issuer whose keys the lists carry. Methods
 * are embedded in assertionMethod rather than referenced by id: when a rotated key
 * kept its predecessor's kid, both keys stay (same id, different material) and the
 * signature decides which one signed; the key periods then judge that key.
 */
function addKeys(docs: Map<string, DIDDocument>, entry: RecognitionEntry): void {
  const did = entry.id;
  const doc = docs.get(did) ?? { id: did, assertionMethod: [] };
  const methods = doc.assertionMethod as VerificationMethod[];
  for (const key of entry.keys ?? []) {
    const id = key.kid.startsWith('#') ? did + key.kid : key.kid;
    if (!id.startsWith(`${did}#`)) continue;
    // The public members only: RSA, secp256k1 and P-384 keys are read by Data Integrity
    // verification alone (the JOSE resolver skips them; signature.ts says why).
    const { kid: _kid, revoked: _revoked, ...jwk } = key;
    const known = methods.some((vm) => vm.id === id && sameJwk(vm.publicKeyJwk as Record<string, unknown> | undefined, jwk));
    if (!known) methods.push({ id, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk as never });
  }
  docs.set(did, doc);
}

/** Whether two canonical public JWKs (as lists carry them) are the same key. */
function sameJwk(a: Record<string, unknown> | undefined, b: Record<string, unknown>): boolean {
  if (!a) return false;
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const name of names) if (a[name] !== b[name]) return false;
  return true;
}

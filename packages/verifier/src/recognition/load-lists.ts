import {
  type DIDDocument,
  type DidKeyResolver,
  parseRecognitionList,
  type RecognitionEntry,
  TradewindError,
  type VerificationIssue,
} from '@tradewind/core';
import type { CredentialVerificationResult, StatusListSource } from '../types.js';
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

export interface RecognitionState {
  policy: RecognitionPolicy;
  /** Lists in use: the highest sequence of each anchor. */
  lists: LoadedList[];
  /** Why other lists were refused (TRUST_LIST_INVALID). */
  problems: VerificationIssue[];
  byIssuer: Map<string, Array<{ entry: RecognitionEntry; list: LoadedList }>>;
  /** Resolves issuers, with the keys the lists carry for DIDs that do not resolve offline. */
  resolver: DidKeyResolver;
  /** Highest sequence accepted per anchor: persist it and pass it back as `seenSequences`. */
  sequences: Record<string, number>;
}

const SELF_RESOLVING = /^did:(key|jwk):/;

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
  verifyList: (source: StatusListSource) => Promise<CredentialVerificationResult>,
): Promise<RecognitionState> {
  const anchors = new Set(policy.anchors ?? []);
  const problems: VerificationIssue[] = [];
  const best = new Map<string, LoadedList>();
  for (const [i, source] of sources.entries()) {
    const path = `/recognitionLists/${i}`;
    try {
      const list = await loadOne(source, anchors, verifyList);
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
  const byIssuer = new Map<string, Array<{ entry: RecognitionEntry; list: LoadedList }>>();
  const keysByDid = new Map<string, DIDDocument>();
  for (const list of lists) {
    for (const entry of list.entries) {
      const found = byIssuer.get(entry.id) ?? [];
      found.push({ entry, list });
      byIssuer.set(entry.id, found);
      if (entry.keys && !SELF_RESOLVING.test(entry.id)) addKeys(keysByDid, entry);
    }
  }
  const sequences = { ...seenSequences };
  for (const list of lists) sequences[list.anchor] = Math.max(list.sequence, sequences[list.anchor] ?? 0);
  return {
    policy,
    lists,
    problems,
    byIssuer,
    resolver: keysByDid.size > 0 ? resolver.withDocuments(keysByDid.values()) : resolver,
    sequences,
  };
}

async function loadOne(
  source: StatusListSource,
  anchors: Set<string>,
  verifyList: (source: StatusListSource) => Promise<CredentialVerificationResult>,
): Promise<LoadedList> {
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
  const subject = parseRecognitionList(result.credential);
  return {
    anchor: result.issuer,
    sequence: subject.sequence,
    nextUpdate: new Date(subject.nextUpdate),
    validUntil: result.validUntil,
    name: subject.name,
    entries: subject.entries,
  };
}

function addKeys(docs: Map<string, DIDDocument>, entry: RecognitionEntry): void {
  const did = entry.id;
  const doc = docs.get(did) ?? { id: did, verificationMethod: [], assertionMethod: [] };
  for (const key of entry.keys ?? []) {
    const id = key.kid.startsWith('#') ? did + key.kid : key.kid;
    if (!id.startsWith(`${did}#`) || doc.verificationMethod?.some((vm) => vm.id === id)) continue;
    const { kid: _kid, ...jwk } = key;
    doc.verificationMethod?.push({ id, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk as never });
    doc.assertionMethod?.push(id);
  }
  docs.set(did, doc);
}

import { createHash } from 'node:crypto';
import { type Algorithm, jwkThumbprintInput, type PublicJwk, TradewindError } from '@tradewind/core';
import type { IIdentifier } from '@veramo/core-types';
import type { DIDDocument } from 'did-resolver';
import { publicJwkOfKey } from './node-crypto-kms.js';

/** DID methods the agent creates. */
export type DidMethod = 'key' | 'jwk' | 'web';

/** Key algorithms the agent creates, in JOSE curve names. */
export type KeyAlgorithm = 'Ed25519' | 'P-256';

/** A DID whose private key this database holds. */
export interface ManagedDid {
  did: string;
  method: DidMethod;
  /** The Veramo alias (the domain for did:web). */
  alias?: string;
  keyType: KeyAlgorithm;
  /** JOSE `alg` the key signs with. */
  alg: Extract<Algorithm, 'EdDSA' | 'ES256'>;
  /** The key's id in the key manager: what `sign` and `signJwt` take. */
  keyId: string;
  /**
   * The verification method id to put in a JOSE `kid` header. For did:web, `#` + the
   * key's RFC 7638 JWK thumbprint, so a new key never reuses an old key's id (did:web
   * DIDs created before this rule keep the `#key-1` their documents publish).
   */
  verificationMethod: string;
  publicJwk: PublicJwk;
  /**
   * When this key became the DID's signing key (RFC 3339), for a key that replaced
   * another one ({@link TradewindAgent.rotateKey}); absent for the DID's first key.
   */
  activeFrom?: string;
  /**
   * did:web only: the keys this one replaced, most recently retired first. They sign
   * nothing any more but stay in the DID document, so what they signed before their
   * retirement still verifies. Absent when the key was never rotated.
   */
  retiredKeys?: RetiredKey[];
}

/** A did:web key that was replaced by a newer one: kept, but never used to sign again. */
export interface RetiredKey {
  /** The key's id in the key manager. */
  keyId: string;
  /** Its verification method id (never reused by a later key). */
  verificationMethod: string;
  publicJwk: PublicJwk;
  keyType: KeyAlgorithm;
  alg: Extract<Algorithm, 'EdDSA' | 'ES256'>;
  /** When it became the signing key; absent for the DID's first key. */
  activeFrom?: string;
  /** When it stopped being the signing key (RFC 3339): it signs nothing dated from then on. */
  retiredAt: string;
}

/**
 * Key meta of a did:web key, beside the verification method marker: `activeFrom` (the
 * key replaced another one then), `retiredAt` (a newer key replaced it then) and
 * `replacedBy` (the key manager kid of that newer key: it orders keys retired within
 * one second, when the times alone cannot).
 */
export interface KeyPeriodMeta {
  activeFrom?: string;
  retiredAt?: string;
  replacedBy?: string;
}

type VeramoKey = IIdentifier['keys'][number];

function keyAlgorithm(did: string, key: VeramoKey): KeyAlgorithm {
  if (key.type !== 'Ed25519' && key.type !== 'Secp256r1') {
    throw new TradewindError('UNSUPPORTED_ALGORITHM', `${did} uses a ${key.type} key`);
  }
  return key.type === 'Ed25519' ? 'Ed25519' : 'P-256';
}

function periodOf(meta: unknown): KeyPeriodMeta {
  const m = (meta ?? {}) as { activeFrom?: unknown; retiredAt?: unknown; replacedBy?: unknown };
  const out: KeyPeriodMeta = {};
  if (typeof m.activeFrom === 'string') out.activeFrom = m.activeFrom;
  if (typeof m.retiredAt === 'string') out.retiredAt = m.retiredAt;
  if (typeof m.replacedBy === 'string') out.replacedBy = m.replacedBy;
  return out;
}

/**
 * Converts a Veramo identifier whose controller key is an Ed25519 or Secp256r1 key.
 * For did:web, the identifier's other keys marked retired (key meta `retiredAt`) are
 * its {@link ManagedDid.retiredKeys}.
 */
export function toManagedDid(identifier: IIdentifier): ManagedDid {
  const key = identifier.keys.find((k) => k.kid === identifier.controllerKeyId) ?? identifier.keys[0];
  if (!key) throw new TradewindError('KEY_NOT_FOUND', `${identifier.did} has no key`);
  const method = methodOf(identifier.did);
  const keyType = keyAlgorithm(identifier.did, key);
  const publicJwk = publicJwkOfKey(key.type, key.publicKeyHex) as PublicJwk;
  const out: ManagedDid = {
    did: identifier.did,
    method,
    keyType,
    alg: keyType === 'Ed25519' ? 'EdDSA' : 'ES256',
    keyId: key.kid,
    verificationMethod: verificationMethodId(identifier.did, method, publicJwk, key.meta),
    publicJwk,
  };
  if (identifier.alias !== undefined) out.alias = identifier.alias;
  const { activeFrom } = periodOf(key.meta);
  if (activeFrom !== undefined) out.activeFrom = activeFrom;
  if (method === 'web') {
    const retired: RetiredKey[] = [];
    const successor = new Map<string, string | undefined>();
    for (const other of identifier.keys) {
      const period = periodOf(other.meta);
      if (other.kid === key.kid || period.retiredAt === undefined) continue;
      const type = keyAlgorithm(identifier.did, other);
      const jwk = publicJwkOfKey(other.type, other.publicKeyHex) as PublicJwk;
      retired.push({
        keyId: other.kid,
        verificationMethod: verificationMethodId(identifier.did, method, jwk, other.meta),
        publicJwk: jwk,
        keyType: type,
        alg: type === 'Ed25519' ? 'EdDSA' : 'ES256',
        ...(period.activeFrom === undefined ? {} : { activeFrom: period.activeFrom }),
        retiredAt: period.retiredAt,
      });
      successor.set(other.kid, period.replacedBy);
    }
    // Most recently retired first: the chain of replacements back from the signing key
    // (exact even for several rotations within one second), then any key outside it by
    // time (RFC 3339 UTC strings as the agent writes them sort by time).
    const byTime = (a: RetiredKey, b: RetiredKey) => (a.retiredAt < b.retiredAt ? 1 : a.retiredAt > b.retiredAt ? -1 : 0);
    const chain: RetiredKey[] = [];
    for (let next: string = key.kid; ; ) {
      const previous = retired.find((k) => successor.get(k.keyId) === next && !chain.includes(k));
      if (!previous) break;
      chain.push(previous);
      next = previous.keyId;
    }
    const ordered = [...chain, ...retired.filter((k) => !chain.includes(k)).sort(byTime)];
    if (ordered.length > 0) out.retiredKeys = ordered;
  }
  return out;
}

function methodOf(did: string): DidMethod {
  if (did.startsWith('did:key:')) return 'key';
  if (did.startsWith('did:jwk:')) return 'jwk';
  if (did.startsWith('did:web:')) return 'web';
  throw new TradewindError('UNSUPPORTED_FORMAT', `unsupported DID method in ${did}`);
}

/**
 * Key meta (`Key.meta.verificationMethodId`) of did:web keys whose verification method
 * id is `#` + the key's RFC 7638 thumbprint. Keys created before it was introduced do
 * not carry it and keep the `#key-1` their published documents already use.
 */
export const THUMBPRINT_VERIFICATION_METHOD = 'jwk-thumbprint';

// did:key names its one verification method after the key (did:key spec §3.1.2),
// did:jwk calls it `#0`; for did:web the document is ours to write. A did:web DID
// outlives its keys (an agency rotates the key, the DID stays), so each key gets an id
// of its own, derived from the key: a rotated key never reuses its predecessor's id,
// and verifiers and recognition lists can tell the two apart by kid as well as by
// material. Only the marker is stored, not the id: it is recomputed from the key.
function verificationMethodId(did: string, method: DidMethod, jwk: PublicJwk, meta: unknown): string {
  if (method === 'key') return `${did}#${did.slice('did:key:'.length)}`;
  if (method === 'jwk') return `${did}#0`;
  const scheme = (meta as { verificationMethodId?: unknown } | null | undefined)?.verificationMethodId;
  if (scheme === THUMBPRINT_VERIFICATION_METHOD) {
    return `${did}#${createHash('sha256').update(jwkThumbprintInput(jwk)).digest('base64url')}`;
  }
  return `${did}#key-1`;
}

/**
 * The JSON-LD term a retired verification method carries in a DID document: the time
 * its key stopped signing. It is not a DID Core property; the document's `@context`
 * defines it (in Tradewind's namespace) whenever a method carries it, and resolvers and
 * verifiers that do not know it ignore it, as DID Core lets them.
 */
export const RETIRED_AT_TERM = 'retiredAt';
const RETIRED_AT_CONTEXT = {
  retiredAt: { '@id': 'https://tradewind.dev/ns#retiredAt', '@type': 'http://www.w3.org/2001/XMLSchema#dateTime' },
};

/**
 * The DID document an agency hosts for a did:web DID (at `/.well-known/did.json` for a
 * bare domain, or `/<path>/did.json`).
 *
 * Every key of the DID is in it, the signing key first. A retired key (see
 * {@link TradewindAgent.rotateKey}) stays in `verificationMethod` and `assertionMethod`,
 * so credentials and status lists it signed before it was retired still verify for
 * anyone resolving the DID; its verification method carries `retiredAt` (the time it
 * stopped signing). Only the signing key is in `authentication`. A recognition list
 * binds each key to its period (`Issuer.recognitionEntries`): that, not the DID
 * document, is what makes verifiers refuse a retired key's signatures dated later.
 *
 * @example
 * ```ts
 * const did = await agent.createDid({ method: 'web', domain: 'registry.gov.example' })
 * await writeFile('did.json', JSON.stringify(didWebDocument(did), null, 2))
 * ```
 */
export function didWebDocument(managed: ManagedDid): DIDDocument {
  if (managed.method !== 'web') throw new TradewindError('INVALID_ARGUMENT', `${managed.did} is not a did:web DID`);
  const vm = managed.verificationMethod;
  const retired = managed.retiredKeys ?? [];
  const method = (id: string, jwk: PublicJwk) => ({
    id,
    type: 'JsonWebKey2020',
    controller: managed.did,
    publicKeyJwk: { ...jwk } as never,
  });
  return {
    '@context': [
      'https://www.w3.org/ns/did/v1',
      'https://w3id.org/security/suites/jws-2020/v1',
      ...(retired.length > 0 ? [RETIRED_AT_CONTEXT as never] : []),
    ],
    id: managed.did,
    verificationMethod: [
      method(vm, managed.publicJwk),
      ...retired.map((k) => ({ ...method(k.verificationMethod, k.publicJwk), [RETIRED_AT_TERM]: k.retiredAt })),
    ],
    assertionMethod: [vm, ...retired.map((k) => k.verificationMethod)],
    authentication: [vm],
  };
}

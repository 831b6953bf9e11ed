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
}

/** Converts a Veramo identifier with one Ed25519 or Secp256r1 controller key. */
export function toManagedDid(identifier: IIdentifier): ManagedDid {
  const key = identifier.keys.find((k) => k.kid === identifier.controllerKeyId) ?? identifier.keys[0];
  if (!key) throw new TradewindError('KEY_NOT_FOUND', `${identifier.did} has no key`);
  if (key.type !== 'Ed25519' && key.type !== 'Secp256r1') {
    throw new TradewindError('UNSUPPORTED_ALGORITHM', `${identifier.did} uses a ${key.type} key`);
  }
  const method = methodOf(identifier.did);
  const keyType: KeyAlgorithm = key.type === 'Ed25519' ? 'Ed25519' : 'P-256';
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
 * The DID document an agency hosts for a did:web DID (at `/.well-known/did.json` for a
 * bare domain, or `/<path>/did.json`).
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
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: managed.did,
    verificationMethod: [{ id: vm, type: 'JsonWebKey2020', controller: managed.did, publicKeyJwk: { ...managed.publicJwk } as never }],
    assertionMethod: [vm],
    authentication: [vm],
  };
}

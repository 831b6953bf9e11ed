import { constants, createPublicKey, hash, type KeyObject, verify } from 'node:crypto';
import type { Algorithm, PublicJwk } from '@tradewind/core';
import type { CryptoBackend, DiBackendAlgorithm, DigestAlgorithm, DiPublicJwk } from './backend.js';
import { nodeX509 } from './x509-node.js';

const NODE_HASH: Record<DigestAlgorithm, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

// JOSE ECDSA signatures are raw r||s (RFC 7518 §3.4), not DER.
const ecdsaKey = (key: KeyObject) => ({ key, dsaEncoding: 'ieee-p1363' as const });

/** node:crypto: synchronous verification on the main thread, or on the libuv pool with a callback. */
export const nodeCrypto: CryptoBackend<KeyObject> = {
  name: 'node:crypto',
  x509: nodeX509,
  importKey(jwk: PublicJwk): KeyObject {
    return createPublicKey({ key: { ...jwk }, format: 'jwk' });
  },
  verify(alg: Algorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
    if (alg === 'ES256') return signature.length === 64 && verify('sha256', data, ecdsaKey(key), signature);
    return signature.length === 64 && verify(null, data, key, signature);
  },
  verifyInParallel(alg: Algorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (signature.length !== 64) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (err: Error | null, ok: boolean) => resolve(!err && ok);
      if (alg === 'ES256') verify('sha256', data, ecdsaKey(key), signature, done);
      else verify(null, data, key, signature, done);
    });
  },
  digest(alg: DigestAlgorithm, data: string | Uint8Array): Uint8Array {
    // One-shot hashing: no Hash object per disclosure.
    return hash(NODE_HASH[alg], data, 'buffer');
  },
  importDiKey(jwk: DiPublicJwk): KeyObject {
    // Data Integrity keys come from verification methods, decoded anew for every proof:
    // the KeyObject is kept by the key's own members.
    const id = diKeyId(jwk);
    let key = diKeys.get(id);
    if (key) {
      diKeys.delete(id);
    } else {
      key = createPublicKey({ key: { ...jwk }, format: 'jwk' });
      if (diKeys.size >= MAX_DI_KEYS) diKeys.delete(diKeys.keys().next().value as string);
    }
    diKeys.set(id, key);
    return key;
  },
  verifyDi(alg: DiBackendAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    // Synchronous: one signature over a few dozen bytes costs less than a trip to the
    // libuv pool and back.
    const [digest, keyInput] = nodeDiParams(alg, key);
    try {
      return Promise.resolve(verify(digest, data, keyInput, signature));
    } catch {
      return Promise.resolve(false);
    }
  },
};

/** Imported Data Integrity keys kept, least recently used forgotten first. */
const MAX_DI_KEYS = 256;
const diKeys = new Map<string, KeyObject>();

/** A key's identity: its type and public members (nothing else of a JWK changes the KeyObject). */
function diKeyId(jwk: DiPublicJwk): string {
  switch (jwk.kty) {
    case 'OKP':
      return `OKP ${jwk.crv} ${jwk.x}`;
    case 'EC':
      return `EC ${jwk.crv} ${jwk.x} ${jwk.y}`;
    case 'RSA':
      return `RSA ${jwk.n} ${jwk.e}`;
    default:
      return JSON.stringify(jwk);
  }
}

function nodeDiParams(alg: DiBackendAlgorithm, key: KeyObject): [string | null, Parameters<typeof verify>[2]] {
  switch (alg) {
    case 'EdDSA':
      return [null, key];
    case 'ES256':
      return ['sha256', ecdsaKey(key)];
    case 'ES384':
      return ['sha384', ecdsaKey(key)];
    case 'RS256':
      return ['sha256', { key, padding: constants.RSA_PKCS1_PADDING }];
    case 'PS256':
      // RFC 7518 §3.5: the salt is as long as the hash.
      return ['sha256', { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }];
  }
}

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
    return createPublicKey({ key: { ...jwk }, format: 'jwk' });
  },
  verifyDi(alg: DiBackendAlgorithm, key: KeyObject, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const [digest, keyInput] = nodeDiParams(alg, key);
    return new Promise((resolve) => {
      try {
        verify(digest, data, keyInput, signature, (err, ok) => resolve(!err && ok));
      } catch {
        resolve(false);
      }
    });
  },
};

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

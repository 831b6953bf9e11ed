import type { Algorithm, PublicJwk } from '@tradewind/core';
import type { X509Backend } from './x509.js';

/**
 * Signature verification over the platform's own crypto: `node:crypto` in Node,
 * WebCrypto elsewhere. Keys are imported once and reused (the verifier caches them).
 */
export interface CryptoBackend<K = unknown> {
  readonly name: string;
  importKey(jwk: PublicJwk): K | Promise<K>;
  /** Verifies now, on this thread when the platform allows it (lowest latency one at a time). */
  verify(alg: Algorithm, key: K, data: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>;
  /** Verifies off the main thread when the platform allows it (highest throughput with many in flight). */
  verifyInParallel(alg: Algorithm, key: K, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** X.509 certificates (`x5c` headers): absent where the build verifies no certificate chains (browsers). */
  readonly x509?: X509Backend;
  /** A hash of `data` (a string is hashed as UTF-8): synchronous where the platform allows it. */
  digest(alg: DigestAlgorithm, data: string | Uint8Array): Uint8Array | Promise<Uint8Array>;
  /**
   * Data Integrity suites only (`@tradewind/verifier/data-integrity`), never the JOSE path:
   * a key for one of the wider algorithms those suites name (RSA, P-384 beside Ed25519 and P-256).
   * secp256k1 is not here (no platform has it): the suites check it with `@noble/curves`.
   */
  importDiKey(jwk: DiPublicJwk, alg: DiBackendAlgorithm): K | Promise<K>;
  /** Verifies a Data Integrity signature (ECDSA as IEEE P1363 r‖s); false on any failure. */
  verifyDi(alg: DiBackendAlgorithm, key: K, data: Uint8Array, signature: Uint8Array): Promise<boolean>;
}

/** The algorithms Data Integrity suites verify through the platform's crypto. */
export type DiBackendAlgorithm = 'EdDSA' | 'ES256' | 'ES384' | 'RS256' | 'PS256';

/** A public key as Data Integrity suites use it: Ed25519 (OKP), P-256 or P-384 (EC), RSA. */
export type DiPublicJwk =
  | { kty: 'OKP'; crv: 'Ed25519'; x: string }
  | { kty: 'EC'; crv: 'P-256' | 'P-384'; x: string; y: string }
  | { kty: 'RSA'; n: string; e: string };

/** The hashes SD-JWT `_sd_alg` may name (sha-256, sha-384, sha-512). */
export type DigestAlgorithm = 'SHA-256' | 'SHA-384' | 'SHA-512';

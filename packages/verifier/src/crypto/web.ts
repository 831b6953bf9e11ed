import type { Algorithm, PublicJwk } from '@tradewind/core';
import { utf8Encode } from '@tradewind/core';
import type { CryptoBackend, DiBackendAlgorithm, DigestAlgorithm, DiPublicJwk } from './backend.js';

const subtle = () => {
  const s = globalThis.crypto?.subtle;
  if (!s) throw new Error('WebCrypto (crypto.subtle) is not available in this runtime');
  return s;
};

const keyAlgorithm = (jwk: PublicJwk) => (jwk.crv === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', namedCurve: 'P-256' });

/** WebCrypto: browsers, Deno, edge runtimes (and Node, where it runs on the libuv pool). */
export const webCrypto: CryptoBackend<CryptoKey> = {
  name: 'webcrypto',
  importKey(jwk: PublicJwk): Promise<CryptoKey> {
    return subtle().importKey('jwk', { ...jwk, ext: true }, keyAlgorithm(jwk), false, ['verify']);
  },
  verify(alg: Algorithm, key: CryptoKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return webCrypto.verifyInParallel(alg, key, data, signature);
  },
  async verifyInParallel(alg: Algorithm, key: CryptoKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (signature.length !== 64) return false;
    const params = alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' };
    try {
      return await subtle().verify(params, key, signature as BufferSource, data as BufferSource);
    } catch {
      return false;
    }
  },
  async digest(alg: DigestAlgorithm, data: string | Uint8Array): Promise<Uint8Array> {
    const bytes = typeof data === 'string' ? utf8Encode(data) : data;
    return new Uint8Array(await subtle().digest(alg, bytes as BufferSource));
  },
  importDiKey(jwk: DiPublicJwk, alg: DiBackendAlgorithm): Promise<CryptoKey> {
    return subtle().importKey('jwk', { ...jwk, ext: true }, WEB_DI_IMPORT[alg], false, ['verify']);
  },
  async verifyDi(alg: DiBackendAlgorithm, key: CryptoKey, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    try {
      return await subtle().verify(WEB_DI_VERIFY[alg], key, signature as BufferSource, data as BufferSource);
    } catch {
      return false;
    }
  },
};

const WEB_DI_IMPORT: Record<DiBackendAlgorithm, RsaHashedImportParams | EcKeyImportParams | { name: string }> = {
  EdDSA: { name: 'Ed25519' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
};
const WEB_DI_VERIFY: Record<DiBackendAlgorithm, { name: string } | EcdsaParams | RsaPssParams> = {
  EdDSA: { name: 'Ed25519' },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  ES384: { name: 'ECDSA', hash: 'SHA-384' },
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  // RFC 7518 §3.5: the salt is as long as the hash.
  PS256: { name: 'RSA-PSS', saltLength: 32 },
};

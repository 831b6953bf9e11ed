import { createECDH, createPrivateKey, createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { TradewindError } from '@tradewind/core';

/** Key types the key management system creates and signs with, in Veramo's names. */
export type SupportedKeyType = 'Ed25519' | 'Secp256r1';

// DER prefixes that wrap a raw private key so node:crypto can import it:
// PKCS#8 for an Ed25519 seed (RFC 8410) and SEC1 ECPrivateKey for a P-256 scalar (RFC 5915).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const P256_SEC1_PREFIX = Buffer.from('30310201010420', 'hex');
const P256_SEC1_SUFFIX = Buffer.from('a00a06082a8648ce3d030107', 'hex');

/**
 * New private key material in kms-local's layout (Ed25519: seed || public key;
 * Secp256r1: the 32-byte scalar), made without crypto.generateKeyPair(Sync): on Node 20
 * the job behind those functions shares a mutex with the keys it made, and when the
 * garbage collector frees the job while that mutex is held — a JWK export of one of the
 * keys allocates under it — the process waits on itself forever. The seed is 32 random
 * bytes (RFC 8032 §5.1.5); the scalar comes from OpenSSL's EC key generation through
 * ECDH, in [1, n-1]. Both are then imported, so no generation job ever holds them.
 */
export function newPrivateKeyHex(type: SupportedKeyType): string {
  if (type === 'Ed25519') {
    const seed = randomBytes(32);
    const publicKey = createPublicKey(privateKeyObject(type, seed.toString('hex'))).export({ format: 'jwk' });
    return Buffer.concat([seed, Buffer.from(publicKey.x as string, 'base64url')]).toString('hex');
  }
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPrivateKey('hex').padStart(64, '0');
}

/** A new Ed25519 or P-256 key pair as KeyObjects, made as {@link newPrivateKeyHex} makes keys (no generation job). */
export function newKeyPair(type: 'Ed25519' | 'P-256'): { privateKey: KeyObject; publicKey: KeyObject } {
  const kind: SupportedKeyType = type === 'Ed25519' ? 'Ed25519' : 'Secp256r1';
  const privateKey = privateKeyObject(kind, newPrivateKeyHex(kind));
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** A private key in kms-local's hex layout as a KeyObject; INVALID_ARGUMENT when it is not one. */
export function privateKeyObject(type: SupportedKeyType, privateKeyHex: string): KeyObject {
  const raw = Buffer.from(privateKeyHex, 'hex');
  try {
    if (type === 'Ed25519') {
      if (raw.length !== 32 && raw.length !== 64) throw new Error('length');
      return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, raw.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
    }
    if (raw.length !== 32) throw new Error('length');
    return createPrivateKey({ key: Buffer.concat([P256_SEC1_PREFIX, raw, P256_SEC1_SUFFIX]), format: 'der', type: 'sec1' });
  } catch (cause) {
    throw new TradewindError('INVALID_ARGUMENT', `not a valid ${type} private key`, { cause });
  }
}

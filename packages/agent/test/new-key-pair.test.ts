import { createPublicKey, sign, verify } from 'node:crypto';
import { newKeyPair } from '@tradewind/agent';
import { describe, expect, it } from 'vitest';

// Keys are made from random bytes (Ed25519) and OpenSSL's EC key generation (P-256) and
// imported, not by crypto.generateKeyPair(Sync): see newPrivateKeyHex in new-key-pair.ts.
describe('newKeyPair', () => {
  it.each([
    ['Ed25519', null, 'OKP'],
    ['P-256', 'sha256', 'EC'],
  ] as const)('%s: a private key that signs, its public key that verifies, a JWK of the right type; each pair new', (type, hash, kty) => {
    const pairs = Array.from({ length: 20 }, () => newKeyPair(type));
    const data = Buffer.from('Tradewind');
    for (const { privateKey, publicKey } of pairs) {
      expect([privateKey.type, publicKey.type]).toEqual(['private', 'public']);
      const signature = sign(hash, data, privateKey);
      expect(verify(hash, data, publicKey, signature)).toBe(true);
      expect(verify(hash, Buffer.from('tradewind'), publicKey, signature)).toBe(false);
      const jwk = privateKey.export({ format: 'jwk' });
      expect(jwk.kty).toBe(kty);
      expect(Buffer.from(jwk.d as string, 'base64url')).toHaveLength(32);
      expect(createPublicKey(privateKey).export({ format: 'jwk' })).toEqual(publicKey.export({ format: 'jwk' }));
    }
    const ds = new Set(pairs.map((p) => p.privateKey.export({ format: 'jwk' }).d));
    expect(ds.size).toBe(pairs.length);
  });
});

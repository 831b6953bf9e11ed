import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';

// The tests' setup (test/support/key-generation.ts) routes Ed25519 and P-256 key pairs
// around Node 20's key generation job; keys still work as Node's own do.
describe('generateKeyPairSync in tests', () => {
  it('is the guarded one, for named imports too', () => {
    expect((generateKeyPairSync as unknown as { guarded?: boolean }).guarded).toBe(true);
  });

  it('makes working Ed25519 and P-256 pairs, and passes other types and encodings to Node', () => {
    const ed = generateKeyPairSync('ed25519');
    expect(ed.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(ed.publicKey.export({ format: 'jwk' }).x).toHaveLength(43);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(ec.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const x25519 = generateKeyPairSync('x25519');
    expect(x25519.privateKey.asymmetricKeyType).toBe('x25519');
    const pem = generateKeyPairSync('ed25519', {
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    expect(pem.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });
});

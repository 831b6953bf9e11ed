// Verification methods → public keys: every key type the Data Integrity suites name,
// and the strict decoding (lengths, points on their curve, no private parts, RSA sizes).
import { generateKeyPairSync } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1';
import { type JsonObject, TradewindError } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { type DiKey, methodKey } from '../src/di/keys.js';

const jwkOf = (kind: 'ed25519' | 'P-256' | 'P-384') => {
  const { publicKey, privateKey } =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: kind === 'P-256' ? 'prime256v1' : 'secp384r1' });
  return { pub: publicKey.export({ format: 'jwk' }) as JsonObject, priv: privateKey.export({ format: 'jwk' }) as JsonObject, publicKey };
};
const bytes = (b64u: unknown) => Buffer.from(b64u as string, 'base64url');
const multikey = (prefix: number[], body: Uint8Array) => base58btc.encode(Buffer.concat([Buffer.from(prefix), body]));
const compressed = (jwk: JsonObject) => Buffer.concat([Buffer.from([(bytes(jwk.y).at(-1) as number) & 1 ? 3 : 2]), bytes(jwk.x)]);
const method = (type: string, key: JsonObject): JsonObject => ({ id: 'did:example:i#k', type, controller: 'did:example:i', ...key });

async function refusal(m: JsonObject): Promise<string> {
  try {
    await methodKey(m);
  } catch (e) {
    if (e instanceof TradewindError) return `${e.code}: ${e.message}`;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('every key type', () => {
  it('Ed25519: VerificationKey2020 (multibase), 2018 (base58), Multikey, JsonWebKey2020, JsonWebKey', async () => {
    const { pub } = jwkOf('ed25519');
    const raw = bytes(pub.x);
    const expected: DiKey = { family: 'Ed25519', jwk: { kty: 'OKP', crv: 'Ed25519', x: pub.x as string } };
    for (const m of [
      method('Ed25519VerificationKey2020', { publicKeyMultibase: multikey([0xed, 0x01], raw) }),
      method('Ed25519VerificationKey2018', { publicKeyBase58: base58btc.baseEncode(raw) }),
      method('Multikey', { publicKeyMultibase: multikey([0xed, 0x01], raw) }),
      method('JsonWebKey2020', { publicKeyJwk: pub }),
      method('JsonWebKey', { publicKeyJwk: pub }),
    ]) {
      expect(await methodKey(m)).toEqual(expected);
    }
  });

  it('P-256 and P-384: Multikey (compressed and uncompressed), JWK, EcdsaSecp256r1VerificationKey2019', async () => {
    for (const [curve, prefix] of [
      ['P-256', [0x80, 0x24]],
      ['P-384', [0x81, 0x24]],
    ] as const) {
      const { pub } = jwkOf(curve);
      const expected = { family: curve, jwk: { kty: 'EC', crv: curve, x: pub.x, y: pub.y } };
      const full = Buffer.concat([Buffer.from([4]), bytes(pub.x), bytes(pub.y)]);
      expect(await methodKey(method('Multikey', { publicKeyMultibase: multikey([...prefix], compressed(pub)) }))).toEqual(expected);
      expect(await methodKey(method('Multikey', { publicKeyMultibase: multikey([...prefix], full) }))).toEqual(expected);
      expect(await methodKey(method('JsonWebKey2020', { publicKeyJwk: pub }))).toEqual(expected);
      if (curve === 'P-256') {
        expect(
          await methodKey(method('EcdsaSecp256r1VerificationKey2019', { publicKeyMultibase: multikey([...prefix], compressed(pub)) })),
        ).toEqual(expected);
        expect(await methodKey(method('EcdsaSecp256r1VerificationKey2019', { publicKeyJwk: pub }))).toEqual(expected);
      } else {
        expect(await refusal(method('EcdsaSecp256r1VerificationKey2019', { publicKeyJwk: pub }))).toMatch(
          /^KEY_NOT_FOUND: .*cannot hold a P-384 key/,
        );
      }
    }
  });

  it('secp256k1: EcdsaSecp256k1VerificationKey2019 (JWK, hex, base58; compressed or not), Multikey', async () => {
    const full = secp256k1.getPublicKey(secp256k1.utils.randomPrivateKey(), false);
    const short = secp256k1.ProjectivePoint.fromHex(full).toRawBytes(true);
    const jwk = {
      kty: 'EC',
      crv: 'secp256k1',
      x: Buffer.from(full.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(full.subarray(33)).toString('base64url'),
    };
    const t = 'EcdsaSecp256k1VerificationKey2019';
    for (const m of [
      method(t, { publicKeyJwk: jwk }),
      method(t, { publicKeyHex: Buffer.from(full).toString('hex') }),
      method(t, { publicKeyHex: Buffer.from(short).toString('hex') }),
      method(t, { publicKeyBase58: base58btc.baseEncode(short) }),
      method('Multikey', { publicKeyMultibase: multikey([0xe7, 0x01], short) }),
    ]) {
      const key = await methodKey(m);
      expect(key.family).toBe('secp256k1');
      expect(key.jwk).toEqual(jwk);
      expect(key.family === 'secp256k1' && Buffer.from(key.point).equals(Buffer.from(full))).toBe(true);
    }
  });

  it('RSA: RsaVerificationKey2018 (PEM and JWK), JsonWebKey2020; 2048 bits and more', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = publicKey.export({ format: 'jwk' }) as JsonObject;
    const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const expected = { family: 'RSA', jwk: { kty: 'RSA', n: jwk.n, e: jwk.e }, bits: 2048 };
    expect(await methodKey(method('RsaVerificationKey2018', { publicKeyPem: pem }))).toEqual(expected);
    expect(await methodKey(method('RsaVerificationKey2018', { publicKeyJwk: jwk }))).toEqual(expected);
    expect(await methodKey(method('JsonWebKey2020', { publicKeyJwk: jwk }))).toEqual(expected);
  });
});

describe('strict decoding', () => {
  it('unknown types, no key, two keys, a key field the type does not use', async () => {
    const { pub } = jwkOf('ed25519');
    expect(await refusal(method('Bls12381G2Key2020', { publicKeyBase58: 'abc' }))).toMatch(/unsupported verification method type/);
    expect(await refusal(method('Multikey', {}))).toMatch(/needs one of publicKeyMultibase/);
    // A field the type does not use is not read.
    expect((await methodKey(method('JsonWebKey2020', { publicKeyJwk: pub, publicKeyMultibase: 'z6Mk' }))).jwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: pub.x,
    });
    expect(await refusal(method('JsonWebKey2020', { publicKeyMultibase: 'z6Mk' }))).toMatch(/needs one of publicKeyJwk/);
    expect(
      await refusal(
        method('RsaVerificationKey2018', { publicKeyJwk: pub, publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----' }),
      ),
    ).toMatch(/more than one public key/);
  });

  it('Ed25519: wrong length, small order, non-canonical, private parts', async () => {
    const { pub, priv } = jwkOf('ed25519');
    expect(
      await refusal(method('Ed25519VerificationKey2018', { publicKeyBase58: base58btc.baseEncode(bytes(pub.x).subarray(1)) })),
    ).toMatch(/32 bytes, not 31/);
    expect(await refusal(method('Ed25519VerificationKey2020', { publicKeyMultibase: multikey([0xed, 0x01], new Uint8Array(32)) }))).toMatch(
      /small order/,
    );
    const nonCanonical = new Uint8Array(32).fill(0xff);
    nonCanonical[31] = 0x7f;
    expect(await refusal(method('Multikey', { publicKeyMultibase: multikey([0xed, 0x01], nonCanonical) }))).toMatch(
      /not canonically encoded/,
    );
    expect(await refusal(method('JsonWebKey2020', { publicKeyJwk: priv }))).toMatch(/private key material/);
    expect(await refusal(method('Multikey', { publicKeyMultibase: `u${pub.x}` }))).toMatch(/base58btc/);
    expect(await refusal(method('Multikey', { publicKeyMultibase: `z${'1'.repeat(200)}` }))).toMatch(/too long/);
    expect(await refusal(method('Ed25519VerificationKey2018', { publicKeyBase58: '0OIl' }))).toMatch(/invalid base58/);
  });

  it('EC: points not on the curve, wrong lengths, unknown curves, a multikey of another family than the type', async () => {
    const { pub } = jwkOf('P-256');
    const offCurve = Buffer.from(bytes(pub.y));
    offCurve[5] = (offCurve[5] as number) ^ 1;
    expect(await refusal(method('JsonWebKey2020', { publicKeyJwk: { ...pub, y: offCurve.toString('base64url') } }))).toMatch(
      /not a point on P-256/,
    );
    expect(await refusal(method('JsonWebKey2020', { publicKeyJwk: { ...pub, x: Buffer.alloc(31).toString('base64url') } }))).toMatch(
      /32 bytes/,
    );
    expect(await refusal(method('JsonWebKey2020', { publicKeyJwk: { ...pub, crv: 'P-521' } }))).toMatch(/not an Ed25519, P-256, P-384/);
    const xOnly = Buffer.concat([Buffer.from([2]), Buffer.alloc(32, 0xff)]);
    expect(await refusal(method('Multikey', { publicKeyMultibase: multikey([0x80, 0x24], xOnly) }))).toMatch(/not a point on P-256/);
    expect(await refusal(method('Multikey', { publicKeyMultibase: multikey([0x80, 0x24], bytes(pub.x)) }))).toMatch(
      /not an encoded P-256 point/,
    );
    expect(await refusal(method('Multikey', { publicKeyMultibase: multikey([0x12, 0x00], bytes(pub.x)) }))).toMatch(
      /not an Ed25519, P-256/,
    );
    expect(await refusal(method('EcdsaSecp256k1VerificationKey2019', { publicKeyHex: 'zz' }))).toMatch(/not hexadecimal/);
    expect(await refusal(method('EcdsaSecp256k1VerificationKey2019', { publicKeyHex: `04${'00'.repeat(64)}` }))).toMatch(
      /not a point on secp256k1/,
    );
    expect(await refusal(method('EcdsaSecp256k1VerificationKey2019', { publicKeyJwk: pub }))).toMatch(/cannot hold a P-256 key/);
    const ed = jwkOf('ed25519').pub;
    expect(await refusal(method('EcdsaSecp256r1VerificationKey2019', { publicKeyMultibase: multikey([0xed, 0x01], bytes(ed.x)) }))).toMatch(
      /not a P-256 public key/,
    );
  });

  it('RSA: below 2048 bits, even modulus, bad exponent, leading zeros, an EC key in PEM, a PEM that is not SPKI', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    expect(await refusal(method('RsaVerificationKey2018', { publicKeyPem: small.export({ format: 'pem', type: 'spki' }) }))).toMatch(
      /below 2048 bits are refused \(1024 bits\)/,
    );
    const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as JsonObject;
    const n = bytes(jwk.n);
    const even = Buffer.from(n);
    even[even.length - 1] = (even.at(-1) as number) & 0xfe;
    expect(await refusal(method('RsaVerificationKey2018', { publicKeyJwk: { ...jwk, n: even.toString('base64url') } }))).toMatch(
      /modulus is even/,
    );
    expect(await refusal(method('RsaVerificationKey2018', { publicKeyJwk: { ...jwk, e: 'AQ' } }))).toMatch(/exponent/);
    expect(
      await refusal(
        method('RsaVerificationKey2018', { publicKeyJwk: { ...jwk, n: Buffer.concat([Buffer.from([0]), n]).toString('base64url') } }),
      ),
    ).toMatch(/leading zeros/);
    expect(await refusal(method('RsaVerificationKey2018', { publicKeyJwk: { ...jwk, d: 'AQAB' } }))).toMatch(/private key material/);
    const ecPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'pem', type: 'spki' });
    expect(await refusal(method('RsaVerificationKey2018', { publicKeyPem: ecPem }))).toMatch(/not an RSA public key/);
    const pkcs1 = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'pem', type: 'pkcs1' });
    expect(await refusal(method('RsaVerificationKey2018', { publicKeyPem: pkcs1 }))).toMatch(/SubjectPublicKeyInfo/);
    expect(
      await refusal(method('RsaVerificationKey2018', { publicKeyPem: '-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----' })),
    ).toMatch(/SubjectPublicKeyInfo|not base64/);
  });
});

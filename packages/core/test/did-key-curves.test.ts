// P-256 did:key points and ES256 signature encodings, checked
// against node:crypto (OpenSSL) rather than against this package's own output.
import { createSign, generateKeyPairSync } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { checkSignatureEncoding, DidKeyResolver, lowSSignature } from '../src/index.js';

// The curve whose did:keys this package decodes itself; secp256k1, P-384 and P-521 go to key-did-resolver.
const CURVES = [['prime256v1', 'P-256', [0x80, 0x24]]] as const;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function compressedDidKey(namedCurve: string, codec: readonly number[]) {
  const jwk = generateKeyPairSync('ec', { namedCurve }).publicKey.export({ format: 'jwk' });
  const [x, y] = [Buffer.from(jwk.x as string, 'base64url'), Buffer.from(jwk.y as string, 'base64url')];
  const did = `did:key:${base58btc.encode(Uint8Array.from([...codec, (y[y.length - 1] as number) & 1 ? 3 : 2, ...x]))}`;
  return { did, jwk, x, y };
}

describe('did:key on P-256', () => {
  for (const [namedCurve, crv, codec] of CURVES) {
    it(`decompresses a ${crv} did:key to the point OpenSSL made`, async () => {
      for (let i = 0; i < 8; i++) {
        const { did, jwk } = compressedDidKey(namedCurve, codec);
        const doc = await new DidKeyResolver().resolve(did);
        expect(doc.verificationMethod?.[0]?.publicKeyJwk).toEqual({ kty: 'EC', crv, x: jwk.x, y: jwk.y });
      }
    });

    it(`refuses a ${crv} did:key whose x is on no point of the curve, and the uncompressed spelling`, async () => {
      const { x, y } = compressedDidKey(namedCurve, codec);
      const dids = new DidKeyResolver();
      // About half of all x values have no y; find one by flipping low bits.
      let refused = 0;
      for (let flip = 1; flip < 64 && refused === 0; flip++) {
        const bad = Buffer.from(x);
        bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ flip;
        const did = `did:key:${base58btc.encode(Uint8Array.from([...codec, 2, ...bad]))}`;
        refused += await dids.resolve(did).then(
          () => 0,
          (e) => (e.code === 'DID_UNRESOLVABLE' ? 1 : 0),
        );
      }
      expect(refused).toBe(1);
      const uncompressed = `did:key:${base58btc.encode(Uint8Array.from([...codec, 4, ...x, ...y]))}`;
      await expect(dids.resolve(uncompressed)).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    });
  }
});

describe('ES256 signature encoding', () => {
  it('lowSSignature turns OpenSSL signatures low-S; the check accepts those and refuses their high-S twins', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 16; i++) {
      const raw = createSign('sha256').update(`m${i}`).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
      const low = await lowSSignature(raw);
      const s = BigInt(`0x${Buffer.from(low.subarray(32)).toString('hex')}`);
      expect(s <= N >> 1n).toBe(true);
      expect(() => checkSignatureEncoding('ES256', low)).not.toThrow();
      const high = Uint8Array.from(low);
      high.set(Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'), 32);
      expect(() => checkSignatureEncoding('ES256', high)).toThrow(/high S/);
      expect(() => checkSignatureEncoding('ES256', high, { allowHighS: true })).not.toThrow();
      expect(Uint8Array.from(await lowSSignature(high))).toEqual(Uint8Array.from(low));
    }
  });

  it('refuses r or s of zero or not below the group order', () => {
    const n = Buffer.from(N.toString(16), 'hex');
    const one = Buffer.alloc(32);
    one[31] = 1;
    for (const [r, s] of [
      [Buffer.alloc(32), one],
      [one, Buffer.alloc(32)],
      [n, one],
      [one, n],
    ]) {
      expect(() => checkSignatureEncoding('ES256', Uint8Array.from([...(r as Buffer), ...(s as Buffer)]), { allowHighS: true })).toThrow(
        /out of range/,
      );
    }
  });
});

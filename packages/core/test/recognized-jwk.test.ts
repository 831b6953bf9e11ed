// Keys recognition lists carry: RSA, secp256k1 and P-384 beside Ed25519 and P-256, each
// read in its one canonical spelling, with RFC 7638 thumbprints; the JOSE reader
// (toPublicJwk) stays Ed25519 and P-256 only.
import { generateKeyPairSync } from 'node:crypto';
import { p384 } from '@noble/curves/nist';
import { secp256k1 } from '@noble/curves/secp256k1';
import { calculateJwkThumbprint } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  isDataIntegrityOnlyJwk,
  jwkThumbprint,
  parseRecognitionListSubject,
  type RecognizedJwk,
  TradewindError,
  toPublicJwk,
  toRecognizedJwk,
} from '../src/index.js';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const fromB64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64url'));

// RFC 7638 §3.1: the example RSA key and its thumbprint.
const RFC7638_KEY = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  alg: 'RS256',
  kid: '2011-04-29',
};

function ecJwk(curve: typeof secp256k1 | typeof p384, crv: 'secp256k1' | 'P-384') {
  const point = curve.getPublicKey(curve.utils.randomPrivateKey(), false);
  const size = (point.length - 1) / 2;
  return { kty: 'EC', crv, x: b64(point.subarray(1, 1 + size)), y: b64(point.subarray(1 + size)) };
}

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof TradewindError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('toRecognizedJwk', () => {
  it('reads RSA keys as { kty, n, e } only, and their RFC 7638 thumbprint is the RFC example', async () => {
    const key = toRecognizedJwk(RFC7638_KEY);
    expect(key).toEqual({ kty: 'RSA', n: RFC7638_KEY.n, e: 'AQAB' });
    expect(await jwkThumbprint(key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(isDataIntegrityOnlyJwk(key)).toBe(true);
  });

  it('reads RSA keys of 2048 to 8192 bits as node:crypto exports them; thumbprints agree with jose', async () => {
    for (const modulusLength of [2048, 3072]) {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength });
      const jwk = publicKey.export({ format: 'jwk' });
      const key = toRecognizedJwk(jwk);
      expect(await jwkThumbprint(key)).toBe(await calculateJwkThumbprint(jwk as never));
    }
  });

  it('reads secp256k1 and P-384 points; thumbprints agree with jose', async () => {
    for (const jwk of [ecJwk(secp256k1, 'secp256k1'), ecJwk(p384, 'P-384')]) {
      const key = toRecognizedJwk({ ...jwk, kid: 'k', use: 'sig' });
      expect(key).toEqual(jwk);
      expect(isDataIntegrityOnlyJwk(key)).toBe(true);
      expect(await jwkThumbprint(key)).toBe(await calculateJwkThumbprint(jwk as never));
    }
  });

  it('reads Ed25519 and P-256 exactly as toPublicJwk does', () => {
    const ed = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
    expect(toRecognizedJwk(ed)).toEqual(toPublicJwk(ed));
    expect(isDataIntegrityOnlyJwk(toRecognizedJwk(ed))).toBe(false);
    expect(code(() => toRecognizedJwk({ ...ed, x: b64(new Uint8Array(32)) }))).toBe('KEY_NOT_FOUND'); // small order
  });

  it('leaves toPublicJwk (JOSE, DIDs) at Ed25519 and P-256', () => {
    expect(code(() => toPublicJwk(RFC7638_KEY))).toBe('KEY_NOT_FOUND');
    expect(code(() => toPublicJwk(ecJwk(secp256k1, 'secp256k1')))).toBe('KEY_NOT_FOUND');
    expect(code(() => toPublicJwk(ecJwk(p384, 'P-384')))).toBe('KEY_NOT_FOUND');
  });

  const n = fromB64(RFC7638_KEY.n);
  it.each([
    ['a 1024-bit modulus', { kty: 'RSA', n: b64(n.subarray(0, 127).map((b, i) => (i === 126 ? b | 1 : b))), e: 'AQAB' }],
    ['a modulus over 8192 bits', { kty: 'RSA', n: b64(new Uint8Array(1025).fill(0xff)), e: 'AQAB' }],
    ['a leading zero byte in n', { kty: 'RSA', n: b64(Uint8Array.from([0, ...n])), e: 'AQAB' }],
    ['a leading zero byte in e', { kty: 'RSA', n: RFC7638_KEY.n, e: 'AAEAAQ' }],
    ['an even modulus', { kty: 'RSA', n: b64(n.map((b, i) => (i === n.length - 1 ? b & 0xfe : b))), e: 'AQAB' }],
    ['an even exponent', { kty: 'RSA', n: RFC7638_KEY.n, e: 'AQAA' }],
    ['exponent 1', { kty: 'RSA', n: RFC7638_KEY.n, e: 'AQ' }],
    ['an exponent over 32 bits', { kty: 'RSA', n: RFC7638_KEY.n, e: 'AQAAAAE' }],
    ['padded base64url', { kty: 'RSA', n: RFC7638_KEY.n, e: 'AQAB==' }],
    ['non-canonical trailing bits', { kty: 'RSA', n: `${RFC7638_KEY.n.slice(0, -1)}h`, e: 'AQAB' }],
    ['a private exponent', { ...RFC7638_KEY, d: RFC7638_KEY.n }],
    ['a private prime', { ...RFC7638_KEY, p: 'AQAB' }],
    ['no e', { kty: 'RSA', n: RFC7638_KEY.n }],
  ])('refuses an RSA key with %s (KEY_NOT_FOUND)', (_what, jwk) => {
    expect(code(() => toRecognizedJwk(jwk))).toBe('KEY_NOT_FOUND');
  });

  it.each([
    ['secp256k1', () => ecJwk(secp256k1, 'secp256k1'), 2n ** 256n - 2n ** 32n - 977n, 32],
    ['P-384', () => ecJwk(p384, 'P-384'), 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n, 48],
  ] as const)('refuses malformed %s points (KEY_NOT_FOUND)', (_crv, make, p, size) => {
    const good = make();
    const y = fromB64(good.y);
    y[size - 1] = (y[size - 1] as number) ^ 1;
    const hex = (v: bigint) =>
      Uint8Array.from(
        (
          v
            .toString(16)
            .padStart(size * 2, '0')
            .match(/../g) as string[]
        ).map((h) => Number.parseInt(h, 16)),
      );
    const yBig = BigInt(`0x${Buffer.from(fromB64(good.y)).toString('hex')}`);
    for (const bad of [
      { ...good, y: b64(y) }, // off the curve
      { ...good, y: b64(hex(yBig + p)) }, // the same point with y + p, when that still fits
      { ...good, x: good.x.slice(1) }, // short
      { ...good, y: undefined },
      { ...good, d: good.x }, // private
      { ...good, x: `${good.x.slice(0, -1)}${good.x.endsWith('A') ? 'B' : 'A'}` },
    ]) {
      if (bad.y !== undefined && bad.y.length !== good.y.length) continue; // y + p overflowed the coordinate size
      expect(code(() => toRecognizedJwk(bad))).toBe('KEY_NOT_FOUND');
    }
  });

  it('refuses other key types and curves', () => {
    for (const jwk of [
      null,
      'key',
      [],
      { kty: 'oct', k: 'AAAA' },
      { kty: 'EC', crv: 'P-521', x: 'AA', y: 'AA' },
      { kty: 'OKP', crv: 'X25519', x: 'AA' },
    ]) {
      expect(code(() => toRecognizedJwk(jwk))).toBe('KEY_NOT_FOUND');
    }
  });
});

describe('recognition list keys', () => {
  const list = (key: Record<string, unknown>) => ({
    sequence: 1,
    nextUpdate: '2026-07-01T00:00:00Z',
    entries: [
      { id: 'did:web:certify.inji.example', country: 'IN', name: 'Inji', credentialTypes: ['*'], assuranceLevel: 'high', keys: [key] },
    ],
  });
  const k1 = ecJwk(secp256k1, 'secp256k1');

  it('carries RSA, secp256k1 and P-384 keys in canonical form', () => {
    for (const key of [
      { ...RFC7638_KEY, kid: '#rsa', revoked: true },
      { ...k1, kid: '#k1', alg: 'ES256K' },
      { ...ecJwk(p384, 'P-384'), kid: '#p384' },
    ]) {
      const [parsed] = parseRecognitionListSubject(list(key)).entries[0]?.keys ?? [];
      const { kid, revoked, alg: _alg, ...jwk } = key as Record<string, unknown>;
      expect(parsed).toEqual({ ...toRecognizedJwk(jwk), kid, ...(revoked === undefined ? {} : { revoked }) });
    }
    const rsa = parseRecognitionListSubject(list({ ...RFC7638_KEY, kid: '#rsa' })).entries[0]?.keys?.[0] as RecognizedJwk;
    expect(Object.keys(rsa).sort()).toEqual(['e', 'kid', 'kty', 'n']);
  });

  it.each([
    ['a small modulus', { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: '#rsa' }],
    ['a leading zero', { kty: 'RSA', n: `AA${RFC7638_KEY.n}`, e: 'AQAB', kid: '#rsa' }],
    ['an off-curve point', { ...k1, y: k1.x, kid: '#k1' }],
    ['a private member', { ...k1, d: k1.x, kid: '#k1' }],
    ['a private RSA member', { ...RFC7638_KEY, kid: '#rsa', qi: 'AQAB' }],
  ])('refuses a key with %s (TRUST_LIST_INVALID at the key)', (_what, key) => {
    try {
      parseRecognitionListSubject(list(key));
      expect.unreachable('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(TradewindError);
      expect((e as TradewindError).code).toBe('TRUST_LIST_INVALID');
      expect((e as TradewindError).path).toBe('/entries/0/keys/0');
    }
  });
});

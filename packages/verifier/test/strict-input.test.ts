// Hostile and malformed input, class by class: dates, signature encodings, DID sizes,
// empty presentations, keys that cannot sign, and junk. Each rejection comes back as a
// result with a code, never as an exception, and is the same on both crypto backends.
import { generateKeyPairSync, sign } from 'node:crypto';
import { DidKeyResolver } from '@tradewind/core';
import { SignJWT } from 'jose';
import { base58btc } from 'multiformats/bases/base58';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as webApi from '../src/index.browser.js';
import * as nodeApi from '../src/index.js';
import { didKey, jwtVp, NOW, type TestKey, vcJwt, vpJwt } from './helpers/producers.js';

type Result = { verified: boolean; errors?: Array<{ code: string; message: string }> };
const codes = (r: Result) => (r.verified ? [] : (r.errors ?? []).map((e) => e.code));
const messages = (r: Result) => (r.verified ? [] : (r.errors ?? []).map((e) => e.message)).join('\n');
const backends = [
  ['node:crypto', nodeApi],
  ['WebCrypto', webApi],
] as const;

async function expectCode(input: unknown, code: string, options: nodeApi.VerifyOptions = { now: NOW }, api = nodeApi) {
  const r = await api.verifyCredential(input, options);
  expect(r.verified, JSON.stringify(r).slice(0, 400)).toBe(false);
  expect(codes(r), messages(r)).toContain(code);
  return r;
}

/** A VCDM 1.1 JWT (`jwt_vc`) with exactly these claims, signed with jose. */
function jwtVcRaw(issuer: TestKey, claims: Record<string, unknown>, vc: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({
    iss: issuer.did,
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential'],
      credentialSubject: { id: 'did:example:holder' },
      ...vc,
    },
    ...claims,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid, typ: 'JWT' })
    .sign(issuer.privateKey);
}

const segments = (jws: string) => jws.split('.') as [string, string, string];
const withSignatureBytes = (jws: string, bytes: Uint8Array) => {
  const [h, p] = segments(jws);
  return `${h}.${p}.${Buffer.from(bytes).toString('base64url')}`;
};
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** The same bytes spelled differently: non-zero bits after the last byte in the final character. */
function withTrailingBits(segment: string): string {
  const rest = segment.length % 4;
  if (rest === 0) throw new Error('segment has no trailing bits');
  const idx = ALPHABET.indexOf(segment.at(-1) as string);
  return segment.slice(0, -1) + ALPHABET[idx | 1];
}

// Curve orders, from their standards: n of P-256 (FIPS 186-4 D.1.2.3) and L of
// Ed25519 (RFC 8032 §5.1). Used here only to forge the malleable twins of signatures.
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;
const toBig = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
const toBytes = (n: bigint, len = 32) => Buffer.from(n.toString(16).padStart(len * 2, '0'), 'hex');

describe('dates: strict, in range, the same in every time zone', () => {
  let issuer: TestKey;
  const tz = process.env.TZ;
  beforeAll(() => {
    issuer = didKey();
  });
  afterEach(() => {
    if (tz === undefined) delete process.env.TZ;
    else process.env.TZ = tz;
  });

  it('rejects out-of-range NumericDates instead of switching the window check off (MALFORMED)', async () => {
    for (const value of [1e20, -1e20, -1, 253402300800, 1e300, Number.MAX_VALUE]) {
      for (const claim of ['exp', 'nbf', 'iat']) {
        await expectCode(await vcJwt(issuer, { [claim]: value }), 'MALFORMED');
        await expectCode(await jwtVcRaw(issuer, { [claim]: value }), 'MALFORMED');
      }
    }
    for (const value of ['1767225600', null, true, [1], {}]) await expectCode(await vcJwt(issuer, { exp: value }), 'MALFORMED');
    // The largest accepted NumericDate still works as a bound.
    expect((await nodeApi.verifyCredential(await vcJwt(issuer, { exp: 253402300799 }), { now: NOW })).verified).toBe(true);
    await expectCode(await vcJwt(issuer, { nbf: 253402300799 }), 'NOT_YET_VALID');
  });

  it('rejects out-of-range NumericDates in a presentation (MALFORMED)', async () => {
    const holder = didKey();
    const credential = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
    for (const claim of ['exp', 'nbf', 'iat']) {
      const vp = await vpJwt(holder, [credential], { [claim]: 1e20 });
      expect(codes(await nodeApi.verifyPresentation(vp, { now: NOW }))).toEqual(['MALFORMED']);
    }
  });

  it('rejects a date-time without a time zone offset, whatever TZ is (MALFORMED)', async () => {
    const zoneless = await vcJwt(issuer, { validUntil: '2026-06-01T12:00:00' });
    const legacy = await jwtVcRaw(issuer, {}, { issuanceDate: '2026-01-01T00:00:00', expirationDate: '2027-01-01T00:00:00Z' });
    // 12:00Z and 11:58Z written with a -04:00 offset: the verdict must not depend on TZ.
    const lastSecond = await vcJwt(issuer, { validUntil: '2026-06-01T08:00:00-04:00' });
    const expired = await vcJwt(issuer, { validUntil: '2026-06-01T07:58:00-04:00' });
    const offsets = new Set<number>();
    for (const zone of ['UTC', 'Pacific/Kiritimati', 'America/Port_of_Spain', 'Asia/Kolkata']) {
      process.env.TZ = zone;
      offsets.add(new Date('2026-06-01T12:00:00').getTime());
      const r = await expectCode(zoneless, 'MALFORMED');
      expect(messages(r)).toMatch(/time zone/);
      await expectCode(legacy, 'MALFORMED');
      expect((await nodeApi.verifyCredential(lastSecond, { now: NOW })).verified, zone).toBe(true);
      await expectCode(expired, 'EXPIRED');
    }
    // The zones really differ: Date would have read the zone-less string four ways.
    expect(offsets.size).toBe(4);
  });

  it('rejects impossible dates that Date would roll over, and other spellings (MALFORMED)', async () => {
    const bad = [
      '2026-02-30T00:00:00Z', // Date reads March 2
      '2026-02-29T00:00:00Z', // 2026 is not a leap year
      '2100-02-29T00:00:00Z', // nor is 2100
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-01-01T24:00:00Z', // Date reads the next day
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z',
      '2026-01-01T00:00:00+14:30',
      '2026-01-01T00:00:00+15:00',
      '2026-01-01T00:00:00+05:60',
      '2026-01-01t00:00:00z',
      '2026-01-01 00:00:00Z',
      '2026-1-01T00:00:00Z',
      '+02026-01-01T00:00:00Z',
      '0000-01-01T00:00:00Z',
      '2026-01-01',
      '2026-01-01T00:00Z',
      'Thu, 01 Jan 2026 00:00:00 GMT',
      ' 2026-01-01T00:00:00Z',
      '',
      1767225600,
      null,
    ];
    for (const value of bad) {
      await expectCode(await vcJwt(issuer, { validFrom: value }), 'MALFORMED');
      await expectCode(await jwtVcRaw(issuer, {}, { expirationDate: value }), 'MALFORMED');
    }
  });

  it('keeps dates exactly as the credential writes them', async () => {
    const issuanceDate = '2026-01-01T00:00:00.250+01:00';
    const jwt = await jwtVcRaw(
      issuer,
      { nbf: Date.parse(issuanceDate) / 1000 },
      { issuanceDate, expirationDate: '2030-01-01T00:00:00-05:00' },
    );
    const r = await nodeApi.verifyCredential(jwt, { now: NOW });
    expect(r.verified, messages(r)).toBe(true);
    if (r.verified) {
      expect(r.credential.issuanceDate).toBe(issuanceDate);
      expect(r.credential.expirationDate).toBe('2030-01-01T00:00:00-05:00');
      expect(r.validUntil?.toISOString()).toBe('2030-01-01T05:00:00.000Z');
    }
  });

  it('accepts real dates: leap days, offsets up to ±14:00, fractions of a second', async () => {
    for (const validFrom of [
      '2024-02-29T00:00:00Z',
      '2000-02-29T23:59:59.999+14:00',
      '2026-05-30T23:00:00.5-14:00',
      '2026-01-01T00:00:00+05:30',
    ]) {
      const r = await nodeApi.verifyCredential(await vcJwt(issuer, { validFrom }), { now: NOW });
      expect(r.verified, `${validFrom}: ${messages(r)}`).toBe(true);
    }
  });
});

describe('canonical signatures: one credential has one encoding', () => {
  let ed: TestKey;
  let p256: TestKey;
  let edJwt: string;
  let esJwt: string;
  beforeAll(async () => {
    ed = didKey();
    p256 = didKey('P-256');
    edJwt = await vcJwt(ed);
    esJwt = await vcJwt(p256);
  });

  for (const [name, api] of backends) {
    it(`verifies the canonical forms (${name})`, async () => {
      for (const jwt of [edJwt, esJwt]) expect((await api.verifyCredential(jwt, { now: NOW })).verified).toBe(true);
    });

    it(`rejects a signature with non-zero trailing base64url bits (MALFORMED, ${name})`, async () => {
      for (const jwt of [edJwt, esJwt]) {
        const [h, p, s] = segments(jwt);
        const twin = `${h}.${p}.${withTrailingBits(s)}`;
        // A lenient decoder reads the very same bytes: this is the malleability.
        expect(Buffer.from(withTrailingBits(s), 'base64url')).toEqual(Buffer.from(s, 'base64url'));
        await expectCode(twin, 'MALFORMED', { now: NOW }, api);
      }
    });

    it(`rejects non-zero trailing bits in the header and payload too (MALFORMED, ${name})`, async () => {
      let tested = 0;
      for (let k = 0; k < 4; k++) {
        const jwt = await vcJwt(ed, { credentialSubject: { id: 'did:example:holder', pad: 'x'.repeat(k) } }, { pad: 'y'.repeat(k) });
        const [h, p, s] = segments(jwt);
        if (h.length % 4 !== 0) {
          await expectCode(`${withTrailingBits(h)}.${p}.${s}`, 'MALFORMED', { now: NOW }, api);
          tested++;
        }
        if (p.length % 4 !== 0) {
          await expectCode(`${h}.${withTrailingBits(p)}.${s}`, 'MALFORMED', { now: NOW }, api);
          tested++;
        }
      }
      expect(tested).toBeGreaterThan(2);
    });

    it(`rejects padding and characters outside the base64url alphabet (MALFORMED, ${name})`, async () => {
      const [h, p, s] = segments(edJwt);
      for (const token of [
        `${h}.${p}.${s}=`,
        `${h}.${p}.${s}==`,
        `${h}=.${p}.${s}`,
        `${h}.${p}.${s.slice(0, 10)}+${s.slice(11)}`,
        `${h}.${p}.${s.slice(0, 10)}/${s.slice(11)}`,
        `${h}.${p.slice(0, 5)} ${p.slice(6)}.${s}`,
        `${h}.${p}.${s.slice(0, 10)}é${s.slice(11)}`,
      ]) {
        await expectCode(token, 'MALFORMED', { now: NOW }, api);
      }
    });

    it(`rejects the high-S twin of an ES256 signature (SIGNATURE_INVALID, ${name})`, async () => {
      const sig = Buffer.from(segments(esJwt)[2], 'base64url');
      const s = toBig(sig.subarray(32));
      expect(s <= P256_N / 2n).toBe(true);
      const twin = withSignatureBytes(esJwt, Buffer.concat([sig.subarray(0, 32), toBytes(P256_N - s)]));
      const r = await expectCode(twin, 'SIGNATURE_INVALID', { now: NOW }, api);
      expect(messages(r)).toMatch(/high S/);
    });

    it(`accepts the high-S twin only when allowHighS is set, and still checks it (${name})`, async () => {
      const sig = Buffer.from(segments(esJwt)[2], 'base64url');
      const s = toBig(sig.subarray(32));
      const twin = withSignatureBytes(esJwt, Buffer.concat([sig.subarray(0, 32), toBytes(P256_N - s)]));
      expect((await api.verifyCredential(twin, { now: NOW, allowHighS: true })).verified).toBe(true);
      // The twin of a forged signature is no more valid than the forgery.
      const forged = Buffer.concat([sig.subarray(0, 31), Buffer.from([sig[31]! ^ 1]), toBytes(P256_N - s)]);
      await expectCode(withSignatureBytes(esJwt, forged), 'SIGNATURE_INVALID', { now: NOW, allowHighS: true }, api);
    });

    it(`rejects ES256 r or s of zero or not below n (SIGNATURE_INVALID, ${name})`, async () => {
      const sig = Buffer.from(segments(esJwt)[2], 'base64url');
      const r = sig.subarray(0, 32);
      const s = sig.subarray(32);
      for (const forged of [
        Buffer.concat([Buffer.alloc(32), s]),
        Buffer.concat([r, Buffer.alloc(32)]),
        Buffer.concat([toBytes(toBig(r) + P256_N < 2n ** 256n ? toBig(r) + P256_N : P256_N), s]),
        Buffer.concat([r, toBytes(P256_N)]),
      ]) {
        await expectCode(withSignatureBytes(esJwt, forged), 'SIGNATURE_INVALID', { now: NOW }, api);
      }
    });

    it(`rejects an Ed25519 signature whose S is not below the group order (SIGNATURE_INVALID, ${name})`, async () => {
      const sig = Buffer.from(segments(edJwt)[2], 'base64url');
      const s = toBig(Buffer.from(sig.subarray(32)).reverse());
      const twin = toBytes(s + ED25519_L).reverse();
      await expectCode(withSignatureBytes(edJwt, Buffer.concat([sig.subarray(0, 32), twin])), 'SIGNATURE_INVALID', { now: NOW }, api);
    });

    it(`rejects signatures of the wrong length (SIGNATURE_INVALID, ${name})`, async () => {
      const sig = Buffer.from(segments(edJwt)[2], 'base64url');
      for (const bytes of [sig.subarray(0, 63), Buffer.concat([sig, Buffer.alloc(1)]), Buffer.alloc(0), Buffer.concat([sig, sig])]) {
        for (const jwt of [edJwt, esJwt]) await expectCode(withSignatureBytes(jwt, bytes), 'SIGNATURE_INVALID', { now: NOW }, api);
      }
    });
  }
});

describe('DID sizes: no quadratic work before the signature check', () => {
  let key: TestKey;
  beforeAll(() => {
    key = didKey();
  });
  const big = { now: NOW, limits: { maxInputLength: 1024 * 1024 } };

  it('rejects a presentation whose holder is a 60 KB did:key, before decoding it (DID_UNRESOLVABLE)', async () => {
    // Base58 decoding of this DID took tens of seconds; the holder is resolved first.
    // (Under the 64 KiB beyond which the data-model check refuses it as no URL at all.)
    const holderDid = `did:key:z6Mk${'A'.repeat(60_000)}`;
    const credential = await vcJwt(key);
    for (const kid of [`${holderDid}#${holderDid.slice(8)}`, undefined]) {
      const holder = { ...key, did: holderDid, kid: kid as string };
      const vp = await vpJwt(holder, [credential]);
      const r = await nodeApi.verifyPresentation(vp, big);
      expect(codes(r), messages(r)).toEqual(['DID_UNRESOLVABLE']);
    }
  });

  it('rejects huge issuer DIDs of every method (DID_UNRESOLVABLE)', async () => {
    // Up to 64 KiB (beyond, the data-model check refuses the issuer as no URL, below).
    const huge = [
      `did:key:z6Mk${'A'.repeat(60_000)}`,
      `did:key:zDn${'A'.repeat(60_000)}`,
      `did:key:z${'A'.repeat(60_000)}`,
      `did:jwk:${Buffer.from(JSON.stringify({ kty: 'OKP', crv: 'Ed25519', x: key.publicJwk.x, junk: 'j'.repeat(40_000) })).toString('base64url')}`,
      `did:web:${'a.'.repeat(30_000)}example`,
      `did:example:${'x'.repeat(60_000)}`,
    ];
    for (const did of huge) {
      await expectCode(await vcJwt({ ...key, did, kid: `${did}#0` }), 'DID_UNRESOLVABLE', big);
    }
    const beyond = `did:key:z6Mk${'A'.repeat(200_000)}`;
    const r = await expectCode(await vcJwt({ ...key, did: beyond, kid: `${beyond}#0` }), 'MALFORMED', big);
    expect(r.verified || r.errors.map((e) => e.path)).toEqual(['/payload/issuer']);
  });

  it('rejects did:keys of the wrong length for their key type (DID_UNRESOLVABLE)', async () => {
    const good = key.did.slice('did:key:'.length);
    for (const id of [`${good}A`, good.slice(0, -1), `zDn${good.slice(3)}1`, `z${'1'.repeat(129)}`]) {
      const did = `did:key:${id}`;
      await expectCode(await vcJwt({ ...key, did, kid: `${did}#${id}` }), 'DID_UNRESOLVABLE');
    }
  });

  it('bounds DIDs in the core resolver too', async () => {
    const dids = new DidKeyResolver();
    await expect(dids.resolve(`did:key:z6Mk${'A'.repeat(50_000)}`)).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
    await expect(dids.keysFor(`did:key:z${'A'.repeat(50_000)}`, 'authentication')).rejects.toMatchObject({ code: 'DID_UNRESOLVABLE' });
  });
});

describe('empty presentations', () => {
  let holder: TestKey;
  beforeAll(() => {
    holder = didKey();
  });

  it('rejects a presentation with no credentials by default (MALFORMED)', async () => {
    for (const vp of [
      await vpJwt(holder, [], { nonce: 'n', aud: 'a' }),
      await vpJwt(holder, [], { nonce: 'n', aud: 'a', verifiableCredential: undefined }),
      await vpJwt(holder, [], { nonce: 'n', aud: 'a', verifiableCredential: null }),
      await jwtVp(holder, [], { nonce: 'n', aud: 'a' }),
    ]) {
      const r = await nodeApi.verifyPresentation(vp, { now: NOW, nonce: 'n', audience: 'a' });
      expect(codes(r)).toEqual(['MALFORMED']);
      expect(messages(r)).toMatch(/no credentials.*allowEmpty/);
    }
  });

  it('accepts one with allowEmpty: true (authentication only), still checking signature, nonce and audience', async () => {
    const vp = await vpJwt(holder, [], { nonce: 'n', aud: 'a', verifiableCredential: undefined });
    // "one or more" credentials when the property is there (VCDM 2.0 §4.12): [] stays malformed.
    const emptyArray = await nodeApi.verifyPresentation(await vpJwt(holder, [], { nonce: 'n', aud: 'a' }), {
      now: NOW,
      allowEmpty: true,
    });
    expect(emptyArray.verified || emptyArray.errors.map((e) => [e.code, e.path])).toEqual([['MALFORMED', '/payload/verifiableCredential']]);
    const r = await nodeApi.verifyPresentation(vp, { now: NOW, nonce: 'n', audience: 'a', allowEmpty: true });
    expect(r.verified, messages(r)).toBe(true);
    if (r.verified) expect([r.holder, r.credentials]).toEqual([holder.did, []]);
    const verifier = nodeApi.createVerifier({ now: NOW });
    expect((await verifier.verifyPresentation(vp, { allowEmpty: true, nonce: 'n' })).verified).toBe(true);
    expect(codes(await verifier.verifyPresentation(vp, { allowEmpty: true, nonce: 'other' }))).toEqual(['NONCE_MISMATCH']);
    const impostor = await vpJwt({ ...didKey(), did: holder.did, kid: holder.kid }, [], { nonce: 'n', verifiableCredential: undefined });
    expect(codes(await verifier.verifyPresentation(impostor, { allowEmpty: true }))).toEqual(['SIGNATURE_INVALID']);
  });
});

describe('keys that cannot sign', () => {
  it('resolves an X25519 did:key issuer but refuses its key agreement key as a signing key (KEY_NOT_FOUND)', async () => {
    const { publicKey } = generateKeyPairSync('x25519');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
    const id = base58btc.encode(Uint8Array.from([0xec, 0x01, ...raw]));
    const did = `did:key:${id}`;
    const doc = await new DidKeyResolver().resolve(did);
    expect(doc.keyAgreement).toEqual([`${did}#${id}`]);
    expect(doc.assertionMethod).toBeUndefined();
    const signer = didKey();
    for (const kid of [`${did}#${id}`, undefined]) {
      const jwt = await vcJwt({ ...signer, did, kid: kid as string });
      const r = await expectCode(jwt, 'KEY_NOT_FOUND');
      expect(codes(r)).toEqual(['KEY_NOT_FOUND']);
      expect(messages(r)).toMatch(/X25519 key agreement key.*not a signing key/);
    }
  });
});

describe('junk input: MALFORMED with a message that says what it is', () => {
  let jwt: string;
  beforeAll(async () => {
    jwt = await vcJwt(didKey());
  });

  it('says an empty input is empty', async () => {
    for (const input of ['', ' ', '\n\t\r\n']) {
      const r = await expectCode(input, 'MALFORMED');
      expect(messages(r)).toMatch(/^input is empty/);
      expect(messages(r)).not.toMatch(/segment/);
      expect(codes(await nodeApi.verifyPresentation(input))).toEqual(['MALFORMED']);
    }
  });

  it('reports junk containing "~" as MALFORMED; a JWS that is not an SD-JWT VC followed by "~" is UNSUPPORTED_FORMAT', async () => {
    const [h, p] = segments(jwt);
    for (const junk of ['~', '~~~', 'a~b~c', 'hello ~ world', `abc.def~ghi~`, `${h}.${p}~`, `e30.e30.~`]) {
      const r = await expectCode(junk, 'MALFORMED');
      expect(codes(r)).toEqual(['MALFORMED']);
    }
    // SD-JWT VCs are read (see sd-jwt-*.test.ts); a vc+jwt in their place has the wrong typ.
    expect(codes(await nodeApi.verifyCredential(`data:application/dc+sd-jwt,${jwt}~`, { now: NOW }))).toEqual(['UNSUPPORTED_FORMAT']);
    for (const sdJwt of [
      `${jwt}~WyJzYWx0IiwiYSIsMV0~`,
      `${jwt}~`,
      `${jwt}~WyJzYWx0IiwiYSIsMV0~WyJzIiwiYiIsMl0~${jwt}`,
      `${jwt}~not a disclosure~`,
      `${jwt}~WyJzYWx0IiwiYSIsMV0~junk`,
    ]) {
      expect(codes(await nodeApi.verifyCredential(sdJwt, { now: NOW }))).toEqual(['UNSUPPORTED_FORMAT']);
    }
  });

  it('describes each class of junk', async () => {
    const [h, p, s] = segments(jwt);
    const cases: Array<[unknown, RegExp]> = [
      ['\u0000\u0001\u0002binary', /binary/],
      ['\x89PNG\r\n\x1a\n\u0000\u0000', /binary/],
      ['hello world', /neither JSON/],
      ['[1,2,3]', /an array/],
      [[1, 2, 3], /an array/],
      ['{"hello":"world"}', /JSON object but not a credential/],
      ['{"proof":{}}', /proof is not/],
      ['{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"]}', /no securing mechanism/],
      ['{not json', /not valid JSON/],
      ['abc.def', /three base64url segments.*has 2/],
      [`${h}.${p}.${s}.${s}`, /three base64url segments.*has 4/],
      ['nodots', /three base64url segments.*has 1/],
      [`${h}.${p}.${s.slice(0, 5)}!${s.slice(6)}`, /"!" at position \d+ is not a base64url character/],
      [`.${p}.${s}`, /header segment .* is empty/],
      [42, /a number/],
      ['data:,abc', /data: URL without a valid media type/],
      ['data:<script>,x', /data: URL without a valid media type/],
      [Buffer.from(jwt), /binary data \(Buffer\).*as text/],
      [new Uint8Array(8), /binary data \(Uint8Array\)/],
      [new Map([['a', 1]]), /a Map but not a credential/],
      [null, /null/],
    ];
    for (const [input, message] of cases) {
      const r = await expectCode(input, 'MALFORMED');
      expect(messages(r), String(input)).toMatch(message);
    }
  });
});

describe('weak Ed25519 keys: a DID whose key anyone can sign for verifies nothing', () => {
  const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  // The identity point (and its non-canonical spellings) and the other small-order points.
  const weak = [
    '0100000000000000000000000000000000000000000000000000000000000000',
    '0100000000000000000000000000000000000000000000000000000000000080',
    'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '0000000000000000000000000000000000000000000000000000000000000000',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  ].map((hex) => Buffer.from(hex, 'hex'));
  const identity = weak[0] as Buffer;
  // R = identity, S = 0: [S]B = R + [k]A holds for every message when A has small order
  // and [k]A happens to be the identity (always, for A the identity itself).
  const forgeries = [Buffer.concat([identity, Buffer.alloc(32)]), Buffer.alloc(64)];

  for (const [name, api] of backends) {
    it(`refuses forged credentials and presentations from small-order or non-canonical did:key and did:jwk keys (${name})`, async () => {
      for (const raw of weak) {
        const x = raw.toString('base64url');
        const dids = [
          `did:key:${base58btc.encode(Uint8Array.from([0xed, 0x01, ...raw]))}`,
          `did:jwk:${b64({ kty: 'OKP', crv: 'Ed25519', x })}`,
        ];
        for (const did of dids) {
          for (const kid of [undefined, did.startsWith('did:jwk') ? `${did}#0` : `${did}#${did.slice(8)}`]) {
            const header = b64({ alg: 'EdDSA', typ: 'vc+jwt', ...(kid ? { kid } : {}) });
            const payload = b64({
              '@context': ['https://www.w3.org/ns/credentials/v2'],
              type: ['VerifiableCredential'],
              issuer: did,
              credentialSubject: { id: did, name: 'Mallory' },
            });
            for (const sig of forgeries) {
              const r = await api.verifyCredential(`${header}.${payload}.${sig.toString('base64url')}`, { now: NOW });
              expect(r.verified, `${did.slice(0, 60)} ${x}`).toBe(false);
              expect(codes(r)).toEqual([did.startsWith('did:key') ? 'DID_UNRESOLVABLE' : 'KEY_NOT_FOUND']);
            }
            const vpHeader = b64({ alg: 'EdDSA', typ: 'vp+jwt', ...(kid ? { kid } : {}) });
            const vp = b64({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: did });
            const r = await api.verifyPresentation(`${vpHeader}.${vp}.${(forgeries[0] as Buffer).toString('base64url')}`, {
              now: NOW,
              allowEmpty: true,
            });
            expect(r.verified, did).toBe(false);
          }
        }
      }
    });
  }
});

describe('did:key and issuer spellings that would alias a key', () => {
  it('refuses an overlong multicodec varint, an uncompressed P-256 key and a DID URL as issuer (DID_UNRESOLVABLE)', async () => {
    const ed = didKey();
    const raw = Buffer.from(ed.publicJwk.x as string, 'base64url');
    const p256 = didKey('P-256');
    const [x, y] = [Buffer.from(p256.publicJwk.x as string, 'base64url'), Buffer.from(p256.publicJwk.y as string, 'base64url')];
    const aliases: Array<[TestKey, string]> = [
      [ed, `did:key:${base58btc.encode(Uint8Array.from([0xed, 0x81, 0x00, ...raw]))}`],
      [p256, `did:key:${base58btc.encode(Uint8Array.from([0x80, 0x24, 0x04, ...x, ...y]))}`],
      [ed, `${ed.did}/credentials`],
      [ed, `${ed.did}?v=1`],
      [ed, ed.kid],
    ];
    for (const [key, did] of aliases) {
      const jwt = await vcJwt({ ...key, did, kid: did });
      expect(codes(await nodeApi.verifyCredential(jwt, { now: NOW })), did).toEqual(['DID_UNRESOLVABLE']);
      expect(codes(await webApi.verifyCredential(jwt, { now: NOW })), did).toEqual(['DID_UNRESOLVABLE']);
    }
    expect((await nodeApi.verifyCredential(await vcJwt(ed), { now: NOW })).verified).toBe(true);
  });
});

describe('JOSE headers read one way only', () => {
  let issuer: TestKey;
  let jwt: string;
  beforeAll(async () => {
    issuer = didKey();
    jwt = await vcJwt(issuer);
  });
  const resign = (header: string, payload: string) => {
    const input = `${header}.${payload}`;
    return `${input}.${sign(null, Buffer.from(input), issuer.privateKey).toString('base64url')}`;
  };

  it('refuses a header with a duplicate member, such as alg none then EdDSA (MALFORMED)', async () => {
    const [, p] = segments(jwt);
    for (const text of [
      `{"alg":"none","kid":"${issuer.kid}","typ":"vc+jwt","alg":"EdDSA"}`,
      `{"alg":"EdDSA","kid":"did:key:z6Mkother#x","typ":"vc+jwt","kid":"${issuer.kid}"}`,
    ]) {
      for (const [, api] of backends) {
        const r = await api.verifyCredential(resign(Buffer.from(text).toString('base64url'), p), { now: NOW });
        expect(codes(r), text).toEqual(['MALFORMED']);
      }
    }
  });

  it('refuses a payload member named __proto__, however it is spelt, at any depth (MALFORMED)', async () => {
    const [h, p] = segments(jwt);
    const payload = Buffer.from(p, 'base64url').toString();
    for (const [member, path] of [
      ['"__proto__":{"isAdmin":true},', '/payload/__proto__'],
      ['"\\u005f_proto__":{"isAdmin":true},', '/payload/__proto__'],
      ['"evidence":[{"a":1},{"__proto__":{"x":1}}],', '/payload/evidence/1/__proto__'],
    ] as const) {
      const text = `{${member}${payload.slice(1)}`;
      for (const [, api] of backends) {
        const r = await api.verifyCredential(resign(h, Buffer.from(text).toString('base64url')), { now: NOW });
        expect(codes(r), text).toEqual(['MALFORMED']);
        expect(r.verified ? undefined : r.errors[0]?.path).toBe(path);
      }
    }
    // A claim that merely mentions the name, or escapes other characters, is fine.
    const fine = `{"note":"__proto__ \\u00e9",${payload.slice(1)}`;
    expect((await nodeApi.verifyCredential(resign(h, Buffer.from(fine).toString('base64url')), { now: NOW })).verified).toBe(true);
  });

  it('refuses b64 other than true (RFC 7797 unencoded payload) and a header without alg (MALFORMED)', async () => {
    const [h, p] = segments(jwt);
    const header = JSON.parse(Buffer.from(h, 'base64url').toString());
    for (const changed of [
      { ...header, b64: false },
      { ...header, b64: 'false' },
      { ...header, alg: undefined },
    ]) {
      const r = await expectCode(resign(Buffer.from(JSON.stringify(changed)).toString('base64url'), p), 'MALFORMED');
      expect(codes(r)).toEqual(['MALFORMED']);
    }
    expect(
      (await nodeApi.verifyCredential(resign(Buffer.from(JSON.stringify({ ...header, b64: true })).toString('base64url'), p), { now: NOW }))
        .verified,
    ).toBe(true);
  });
});

describe('wrapped input: a bounded number of layers', () => {
  it('unwraps the layers honest producers use, and refuses deeper nesting instead of overflowing the stack (MALFORMED)', async () => {
    const jwt = await vcJwt(didKey());
    const envelope = {
      '@context': 'https://www.w3.org/ns/credentials/v2',
      type: 'EnvelopedVerifiableCredential',
      id: `data:application/vc+jwt,${jwt}`,
    };
    for (const honest of [jwt, JSON.stringify(jwt), JSON.stringify(envelope), JSON.stringify(JSON.stringify(envelope)), envelope]) {
      expect((await nodeApi.verifyCredential(honest, { now: NOW })).verified).toBe(true);
    }
    let dataUrls = jwt;
    for (let i = 0; i < 20_000; i++) dataUrls = `data:application/vc+jwt,${dataUrls}`;
    let quoted = jwt;
    for (let i = 0; i < 8; i++) quoted = JSON.stringify(quoted);
    let proofs: unknown = { proof: { type: 'JwtProof2020', jwt } };
    for (let i = 0; i < 6; i++) proofs = { proof: { type: 'JwtProof2020', jwt: JSON.stringify(proofs) } };
    for (const deep of [dataUrls.slice(0, 250_000), quoted, proofs]) {
      for (const [, api] of backends) {
        const r = await api.verifyCredential(deep, { now: NOW });
        expect(codes(r)).toEqual(['MALFORMED']);
        expect(messages(r)).toMatch(/wrapped in more than/);
      }
    }
  });
});

describe('programmer errors and JSON scalars', () => {
  it('says what a JSON number, boolean or null is; verifyCredentials refuses a non-array with a TypeError', async () => {
    for (const text of ['42', '-1.5e3', 'true', 'false', 'null']) {
      const r = await expectCode(text, 'MALFORMED');
      expect(messages(r)).toMatch(/JSON value/);
    }
    expect(messages(await expectCode(undefined, 'MALFORMED'))).toMatch(/^input is undefined,/);
    for (const notArray of [undefined, null, 'abc', new Set(['x']), { length: 2 }]) {
      await expect(nodeApi.verifyCredentials(notArray as never, { now: NOW })).rejects.toThrow(TypeError);
    }
  });
});

describe('presentation claims of the wrong type or time', () => {
  let holder: TestKey;
  let credential: string;
  beforeAll(async () => {
    holder = didKey();
    credential = await vcJwt(didKey(), { credentialSubject: { id: holder.did, givenName: 'Asha' } });
  });
  const vp = (claims: Record<string, unknown>) =>
    new SignJWT({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      holder: holder.did,
      verifiableCredential: [
        {
          '@context': 'https://www.w3.org/ns/credentials/v2',
          type: 'EnvelopedVerifiableCredential',
          id: `data:application/vc+jwt,${credential}`,
        },
      ],
      ...claims,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: holder.kid, typ: 'vp+jwt' })
      .sign(holder.privateKey);

  it('refuses a presentation issued in the future (NOT_YET_VALID), and aud or nonce that are not strings (MALFORMED)', async () => {
    expect((await nodeApi.verifyPresentation(await vp({ iat: Math.floor(NOW.getTime() / 1000) }), { now: NOW })).verified).toBe(true);
    for (const [name, api] of backends) {
      const future = await api.verifyPresentation(await vp({ iat: 253402300799 }), { now: NOW });
      expect(codes(future), name).toEqual(['NOT_YET_VALID']);
      for (const claims of [{ aud: 5 }, { aud: ['https://bank.example', {}] }, { nonce: 5 }, { nonce: ['n'] }]) {
        const r = await api.verifyPresentation(await vp(claims), { now: NOW });
        expect(codes(r), JSON.stringify(claims)).toEqual(['MALFORMED']);
      }
    }
  });
});

describe('what comes back: bounded messages, typed codes for a caller’s failing callbacks', () => {
  it('cuts messages that quote a huge kid, alg or claim', async () => {
    const issuer = didKey();
    for (const jwt of [
      await vcJwt(issuer, {}, { kid: `${issuer.did}#${'x'.repeat(150_000)}` }),
      await vcJwt(issuer, {}, { typ: 'x'.repeat(150_000) }),
      await vcJwt(issuer, { iss: 'y'.repeat(150_000) }),
    ]) {
      const r = await nodeApi.verifyCredential(jwt, { now: NOW });
      expect(r.verified).toBe(false);
      expect(JSON.stringify(r).length).toBeLessThan(2_000);
    }
  });

  it('reports a status provider that throws null, undefined or an unprintable value as STATUS_UNAVAILABLE', async () => {
    const issuer = didKey();
    const entry = {
      id: 'https://status.example.com/1#5',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '5',
      statusListCredential: 'https://status.example.com/1',
    };
    const jwt = await vcJwt(issuer, { credentialStatus: entry });
    const hostile = {
      get message(): string {
        throw new Error('getter');
      },
    };
    for (const [label, thrown] of [
      ['null', null],
      ['undefined', undefined],
      ['a null-prototype object', Object.create(null)],
      ['an object whose message getter throws', hostile],
    ] as const) {
      for (const [, api] of backends) {
        const r = await api.verifyCredential(jwt, {
          now: NOW,
          status: {
            provider: {
              get() {
                throw thrown;
              },
            },
          },
        });
        expect(codes(r), label).toEqual(['STATUS_UNAVAILABLE']);
      }
    }
  });
});

describe('batches of large junk leave the event loop free', () => {
  it('lets timers run while it rejects hundreds of 256 KiB inputs (it yields between slices of work)', async () => {
    const junk = `eyJ${'a'.repeat(250_000)}.e30.`;
    for (const [name, api] of backends) {
      let finished = false;
      let timerRanFirst = false;
      setTimeout(() => {
        timerRanFirst = !finished;
      }, 0);
      const results = await api.verifyCredentials(Array(300).fill(junk), { now: NOW });
      finished = true;
      expect(
        results.every((r) => !r.verified && codes(r)[0] === 'MALFORMED'),
        name,
      ).toBe(true);
      expect(timerRanFirst, name).toBe(true);
    }
  });
});

describe('options read from configuration: a string never switches a safety off', () => {
  it('refuses non-boolean allowHighS, allowEmpty and allowInsecureDidWeb with a TypeError instead of reading "false" as true', async () => {
    const jwt = await vcJwt(didKey());
    const fetched: string[] = [];
    const didWebFetcher = async (url: string) => {
      fetched.push(url);
      throw new Error('offline');
    };
    for (const value of ['false', 'no', 1]) {
      await expect(nodeApi.verifyCredential(jwt, { now: NOW, allowHighS: value as never })).rejects.toThrow(TypeError);
      await expect(nodeApi.verifyPresentation(jwt, { now: NOW, allowEmpty: value as never })).rejects.toThrow(TypeError);
      await expect(
        nodeApi.verifyCredential(jwt, { now: NOW, didResolver: { didWebFetcher, allowInsecureDidWeb: value as never } }),
      ).rejects.toThrow(TypeError);
      expect(() => new DidKeyResolver({ didWebFetcher, cacheSize: String(value) as never })).toThrow(TypeError);
    }
    expect(fetched).toEqual([]);
  });
});

describe('status fan-out: one credential cannot make the verifier fetch from a thousand hosts', () => {
  it('refuses more than 16 credentialStatus entries before asking the provider (LIMIT_EXCEEDED, also when unavailable lists only warn)', async () => {
    const issuer = didKey();
    const entries = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: `https://h${i}.status.example.com/1#5`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '5',
        statusListCredential: `https://h${i}.status.example.com/1`,
      }));
    for (const onUnavailable of ['reject', 'warn'] as const) {
      let asked = 0;
      const status = { onUnavailable, provider: { get: () => void asked++ } };
      const many = await nodeApi.verifyCredential(await vcJwt(issuer, { credentialStatus: entries(1_000) }), { now: NOW, status });
      expect(codes(many), onUnavailable).toEqual(['LIMIT_EXCEEDED']);
      expect(asked).toBe(0);
      await nodeApi.verifyCredential(await vcJwt(issuer, { credentialStatus: entries(16) }), { now: NOW, status });
      expect(asked).toBe(16);
    }
  });

  it('asks the provider for at most 32 distinct status lists in one presentation (LIMIT_EXCEEDED beyond)', async () => {
    const issuer = didKey();
    const holder = didKey();
    const entries = (from: number) =>
      Array.from({ length: 16 }, (_, i) => ({
        id: `https://h${from + i}.status.example.com/1#5`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: '5',
        statusListCredential: `https://h${from + i}.status.example.com/1`,
      }));
    const credentials = await Promise.all(
      [0, 16, 32, 48].map((from) =>
        vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' }, credentialStatus: entries(from) }),
      ),
    );
    const asked = new Set<string>();
    const status = { onUnavailable: 'warn' as const, provider: { get: (url: string) => void asked.add(url) } };
    const r = await nodeApi.verifyPresentation(await vpJwt(holder, credentials), { now: NOW, status });
    expect(r.verified).toBe(false);
    expect(codes(r)).toContain('LIMIT_EXCEEDED');
    expect(asked.size).toBe(32);
    // The same lists named again by another credential cost nothing more.
    asked.clear();
    const twice = await Promise.all(
      [0, 0].map((from) => vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' }, credentialStatus: entries(from) })),
    );
    const ok = await nodeApi.verifyPresentation(await vpJwt(holder, twice), { now: NOW, status });
    expect(codes(ok)).not.toContain('LIMIT_EXCEEDED');
    expect(asked.size).toBe(16);
  });
});

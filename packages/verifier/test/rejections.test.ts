import { createHmac, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, verifyCredential } from '../src/index.js';
import { decodeSegment, didKey, jwtVc, NOW, type TestKey, vcJwt, withSegment } from './helpers/producers.js';

function codes(r: CredentialVerificationResult): string[] {
  return r.verified ? [] : r.errors.map((e) => e.code);
}

async function expectRejected(input: unknown, code: string, options: Parameters<typeof verifyCredential>[1] = { now: NOW }) {
  const r = await verifyCredential(input, options);
  expect(r.verified, JSON.stringify(r)).toBe(false);
  expect(codes(r)).toContain(code);
  return r;
}

describe('verifyCredential rejects', () => {
  let issuer: TestKey;
  let good: string;
  beforeAll(async () => {
    issuer = didKey();
    good = await vcJwt(issuer);
  });

  it('a tampered payload (SIGNATURE_INVALID)', async () => {
    const payload = decodeSegment(good, 1);
    (payload.credentialSubject as Record<string, unknown>).nationality = 'BB';
    await expectRejected(withSegment(good, 1, payload), 'SIGNATURE_INVALID');
  });

  it('a tampered header (SIGNATURE_INVALID)', async () => {
    await expectRejected(withSegment(good, 0, { ...decodeSegment(good, 0), cty: 'x' }), 'SIGNATURE_INVALID');
  });

  it('a signature by another key (SIGNATURE_INVALID)', async () => {
    const other = didKey();
    const forged = await vcJwt({ ...other, did: issuer.did, kid: issuer.kid });
    await expectRejected(forged, 'SIGNATURE_INVALID');
  });

  it('a truncated signature (SIGNATURE_INVALID)', async () => {
    // Truncated by bytes, so that what is left is still canonical base64url.
    const [h, p, s] = good.split('.');
    const truncated = Buffer.from(s as string, 'base64url')
      .subarray(0, 61)
      .toString('base64url');
    await expectRejected(`${h}.${p}.${truncated}`, 'SIGNATURE_INVALID');
  });

  it('alg none (UNSUPPORTED_ALGORITHM)', async () => {
    const parts = good.split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'vc+jwt' })).toString('base64url')}.${parts[1]}.`;
    await expectRejected(unsigned, 'UNSUPPORTED_ALGORITHM');
  });

  it('HS256 signed with the public key as the secret (UNSUPPORTED_ALGORITHM)', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: issuer.kid, typ: 'vc+jwt' })).toString('base64url');
    const payload = good.split('.')[1];
    const secret = Buffer.from(issuer.publicJwk.x as string, 'base64url');
    const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
    await expectRejected(`${header}.${payload}.${mac}`, 'UNSUPPORTED_ALGORITHM');
  });

  it('ES256K and other algorithms off the allow-list (UNSUPPORTED_ALGORITHM)', async () => {
    for (const alg of ['ES256K', 'RS256', 'PS256', 'ES384', 'EdDSA ', '', 42]) {
      await expectRejected(withSegment(good, 0, { ...decodeSegment(good, 0), alg }), 'UNSUPPORTED_ALGORITHM');
    }
  });

  it('a kid of a different DID (KEY_NOT_FOUND)', async () => {
    const other = didKey();
    const jwt = await vcJwt({ ...issuer, kid: other.kid });
    await expectRejected(jwt, 'KEY_NOT_FOUND');
  });

  it('a kid with an unknown fragment (KEY_NOT_FOUND)', async () => {
    await expectRejected(await vcJwt({ ...issuer, kid: `${issuer.did}#key-2` }), 'KEY_NOT_FOUND');
  });

  it('a kid that is not a DID URL (KEY_NOT_FOUND)', async () => {
    await expectRejected(await vcJwt({ ...issuer, kid: 'key-1' }), 'KEY_NOT_FOUND');
  });

  it('an EdDSA header naming a P-256 key (SIGNATURE_INVALID)', async () => {
    const p256 = didKey('P-256');
    const jwt = await vcJwt({ ...issuer, did: p256.did, kid: p256.kid });
    await expectRejected(jwt, 'SIGNATURE_INVALID');
  });

  it('a malformed did:key multibase (DID_UNRESOLVABLE)', async () => {
    const did = 'did:key:z6MkNOTbase58!!';
    await expectRejected(await vcJwt({ ...issuer, did, kid: `${did}#x` }), 'DID_UNRESOLVABLE');
  });

  it('a did:web issuer when no fetcher is configured (DID_UNRESOLVABLE)', async () => {
    const did = 'did:web:registry.gov.tt';
    await expectRejected(await vcJwt({ ...issuer, did, kid: `${did}#key-1` }), 'DID_UNRESOLVABLE');
  });

  it('an expired credential (EXPIRED)', async () => {
    await expectRejected(good, 'EXPIRED', { now: '2031-01-01T00:01:01Z' });
  });

  it('an expired jwt_vc by its exp claim (EXPIRED)', async () => {
    await expectRejected(await jwtVc(issuer, 'did:example:x', { exp: new Date('2026-03-01T00:00:00Z') }), 'EXPIRED');
  });

  it('accepts within the clock skew and not beyond it', async () => {
    expect((await verifyCredential(good, { now: '2031-01-01T00:00:30Z' })).verified).toBe(true);
    await expectRejected(good, 'EXPIRED', { now: '2031-01-01T00:00:30Z', clockSkewSeconds: 10 });
  });

  it('a credential not yet valid (NOT_YET_VALID)', async () => {
    await expectRejected(good, 'NOT_YET_VALID', { now: '2025-12-31T23:00:00Z' });
    await expectRejected(await jwtVc(issuer, 'did:example:x', { nbf: new Date('2027-01-01T00:00:00Z') }), 'NOT_YET_VALID');
  });

  it('an untrusted issuer (UNTRUSTED_ISSUER)', async () => {
    await expectRejected(good, 'UNTRUSTED_ISSUER', { now: NOW, trustedIssuers: [didKey().did] });
    expect((await verifyCredential(good, { now: NOW, trustedIssuers: [issuer.did] })).verified).toBe(true);
  });

  it('input that is not three segments (MALFORMED)', async () => {
    await expectRejected('abc.def', 'MALFORMED');
    await expectRejected(`${good}.extra`, 'MALFORMED');
    await expectRejected('', 'MALFORMED');
  });

  it('segments that are not base64url (MALFORMED)', async () => {
    const [h, p, s] = good.split('.');
    await expectRejected(`${h}.${p}+/=.${s}`, 'MALFORMED');
    await expectRejected(`${h}.${p}.${s}*`, 'MALFORMED');
    await expectRejected(`${h}.A.${s}`, 'MALFORMED');
  });

  it('a payload that is not a JSON object (MALFORMED)', async () => {
    const h = good.split('.')[0];
    for (const body of ['[1,2]', '"text"', '42', 'null', '{"unterminated":', '\u00ff']) {
      await expectRejected(`${h}.${Buffer.from(body, 'latin1').toString('base64url')}.AAAA`, 'MALFORMED');
    }
  });

  it('a payload that is not a credential (MALFORMED)', async () => {
    const jwt = await new SignJWT({ hello: 'world' }).setProtectedHeader({ alg: 'EdDSA', kid: issuer.kid }).sign(issuer.privateKey);
    await expectRejected(jwt, 'MALFORMED');
    await expectRejected(await vcJwt(issuer, { '@context': ['https://www.w3.org/2018/credentials/v1'] }), 'MALFORMED');
    await expectRejected(await vcJwt(issuer, { type: ['NationalIdCredential'] }), 'MALFORMED');
    await expectRejected(await vcJwt(issuer, { credentialSubject: 'x' }), 'MALFORMED');
    await expectRejected(await vcJwt(issuer, { validUntil: 'next tuesday' }), 'MALFORMED');
  });

  it('jwt_vc claims that contradict the vc claim (MALFORMED)', async () => {
    const other = didKey();
    await expectRejected(await jwtVc(issuer, 'did:example:a', { vc: { issuer: other.did } }), 'MALFORMED');
    await expectRejected(await jwtVc(issuer, 'did:example:a', { vc: { credentialSubject: { id: 'did:example:b' } } }), 'MALFORMED');
    await expectRejected(await jwtVc(issuer, 'did:example:a', { vc: { id: 'urn:uuid:other' } }), 'MALFORMED');
    await expectRejected(await jwtVc(issuer, 'did:example:a', { vc: { issuanceDate: '2020-01-01T00:00:00Z' } }), 'MALFORMED');
  });

  it('vc+jwt claims that contradict the credential (MALFORMED)', async () => {
    await expectRejected(await vcJwt(issuer, { iss: didKey().did }), 'MALFORMED');
    await expectRejected(await vcJwt(issuer, { sub: 'did:example:someone-else' }), 'MALFORMED');
  });

  it('an oversized input (LIMIT_EXCEEDED)', async () => {
    const big = await vcJwt(issuer, { credentialSubject: { id: 'did:example:holder', photo: 'A'.repeat(300_000) } });
    await expectRejected(big, 'LIMIT_EXCEEDED');
    await expectRejected(good, 'LIMIT_EXCEEDED', { now: NOW, limits: { maxInputLength: 100 } });
  });

  it('deeply nested JSON (LIMIT_EXCEEDED)', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    await expectRejected(await vcJwt(issuer, { credentialSubject: { id: 'did:example:holder', deep } }), 'LIMIT_EXCEEDED');
  });

  it('critical header extensions it does not understand (MALFORMED)', async () => {
    await expectRejected(withSegment(good, 0, { ...decodeSegment(good, 0), crit: ['exp'], exp: 1 }), 'MALFORMED');
  });

  it('SD-JWT and Data Integrity credentials (UNSUPPORTED_FORMAT)', async () => {
    await expectRejected(`${good}~WyJzYWx0IiwiYSIsMV0~`, 'UNSUPPORTED_FORMAT');
    await expectRejected(await vcJwt(issuer, {}, { typ: 'dc+sd-jwt' }), 'UNSUPPORTED_FORMAT');
    await expectRejected(
      { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], proof: { type: 'BbsBlsSignature2020' } },
      'UNSUPPORTED_FORMAT',
    );
  });

  it('a format the caller did not accept (UNSUPPORTED_FORMAT)', async () => {
    await expectRejected(good, 'UNSUPPORTED_FORMAT', { now: NOW, formats: ['jwt_vc'] });
  });

  it('values that are not credentials at all (MALFORMED), without throwing', async () => {
    for (const v of [undefined, null, 42, true, [], {}, { '@context': [] }, Symbol.for('x'), () => 1, '{not json', '{"a":1}']) {
      await expectRejected(v, 'MALFORMED');
    }
  });

  it('accepts the enveloped and JSON-quoted forms of the same credential', async () => {
    const enveloped = {
      '@context': 'https://www.w3.org/ns/credentials/v2',
      id: `data:application/vc+jwt,${good}`,
      type: 'EnvelopedVerifiableCredential',
    };
    expect((await verifyCredential(enveloped, { now: NOW })).verified).toBe(true);
    expect((await verifyCredential(JSON.stringify(good), { now: NOW })).verified).toBe(true);
    expect((await verifyCredential(`\n${good}\n`, { now: NOW })).verified).toBe(true);
  });

  it('throws only for programmer errors in options', async () => {
    await expect(verifyCredential(good, { now: 'not a date' })).rejects.toThrow(TypeError);
    // A date-time without an offset would be read in the machine's time zone.
    await expect(verifyCredential(good, { now: '2026-06-01T12:00:00' })).rejects.toThrow(TypeError);
    await expect(verifyCredential(good, { clockSkewSeconds: -1 })).rejects.toThrow(TypeError);
    // A skew of years would switch expiry off; a string of trusted issuers would trust its characters.
    await expect(verifyCredential(good, { clockSkewSeconds: 1e15 })).rejects.toThrow(TypeError);
    await expect(verifyCredential(good, { clockSkewSeconds: '60' as never })).rejects.toThrow(TypeError);
    await expect(verifyCredential(good, { trustedIssuers: 'did:key:z6Mk' as never })).rejects.toThrow(TypeError);
    await expect(verifyCredential(good, { trustedIssuers: [42] as never })).rejects.toThrow(TypeError);
  });

  it('a signature made with a key outside the DID document entirely', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await expectRejected(await vcJwt({ ...issuer, privateKey }), 'SIGNATURE_INVALID');
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { type PresentationVerificationResult, verifyPresentation } from '../src/index.js';
import { decodeSegment, didKey, jwtVc, jwtVp, NOW, type TestKey, vcJwt, vpJwt, withSegment } from './helpers/producers.js';

const codes = (r: PresentationVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const AUD = 'https://bank.example.bb';

describe('verifyPresentation', () => {
  let issuer: TestKey;
  let holder: TestKey;
  let credential: string;
  let credential11: string;
  beforeAll(async () => {
    issuer = didKey();
    holder = didKey();
    credential = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
    credential11 = await jwtVc(issuer, holder.did);
  });

  it('accepts a did-jwt-vc VP-JWT (jwt_vp) with the expected nonce and audience', async () => {
    const vp = await jwtVp(holder, [credential11, credential], { nonce: 'n-123', aud: AUD });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-123', audience: AUD });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (!r.verified) return;
    expect(r.format).toBe('jwt_vp');
    expect(r.holder).toBe(holder.did);
    expect(r.nonce).toBe('n-123');
    expect(r.audience).toEqual([AUD]);
    expect(r.credentials.map((c) => c.format)).toEqual(['jwt_vc', 'vc+jwt']);
  });

  it('accepts a VCDM 2.0 vp+jwt with enveloped credentials', async () => {
    const vp = await vpJwt(holder, [credential], { nonce: 'n-9', aud: AUD });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n-9', audience: AUD });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) expect(r.format).toBe('vp+jwt');
  });

  it('rejects a wrong nonce (NONCE_MISMATCH) and a missing one', async () => {
    const vp = await jwtVp(holder, [credential], { nonce: 'n-123', aud: AUD });
    expect(codes(await verifyPresentation(vp, { now: NOW, nonce: 'n-456', audience: AUD }))).toEqual(['NONCE_MISMATCH']);
    const bare = await jwtVp(holder, [credential], { aud: AUD });
    expect(codes(await verifyPresentation(bare, { now: NOW, nonce: 'n-456' }))).toEqual(['NONCE_MISMATCH']);
  });

  it('rejects a wrong audience (AUDIENCE_MISMATCH)', async () => {
    const vp = await vpJwt(holder, [credential], { nonce: 'n', aud: 'https://other.example.jm' });
    expect(codes(await verifyPresentation(vp, { now: NOW, nonce: 'n', audience: AUD }))).toEqual(['AUDIENCE_MISMATCH']);
  });

  it('rejects a credential of another subject (HOLDER_BINDING)', async () => {
    const stranger = await vcJwt(issuer, { credentialSubject: { id: didKey().did, givenName: 'Asha' } });
    const vp = await jwtVp(holder, [credential, stranger], { nonce: 'n', aud: AUD });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n', audience: AUD });
    expect(codes(r)).toEqual(['HOLDER_BINDING']);
    if (!r.verified) expect(r.errors[0]?.path).toBe('/payload/vp/verifiableCredential/1');
  });

  it('rejects a presentation signed by someone other than the holder (SIGNATURE_INVALID)', async () => {
    const thief = didKey();
    const vp = await vpJwt({ ...thief, did: holder.did, kid: holder.kid }, [credential]);
    expect(codes(await verifyPresentation(vp, { now: NOW }))).toEqual(['SIGNATURE_INVALID']);
  });

  it('rejects a tampered embedded credential and reports where', async () => {
    const payload = decodeSegment(credential, 1);
    (payload.credentialSubject as Record<string, unknown>).givenName = 'Mallory';
    const vp = await jwtVp(holder, [withSegment(credential, 1, payload)], { nonce: 'n' });
    const r = await verifyPresentation(vp, { now: NOW, nonce: 'n' });
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
    if (!r.verified) expect(r.errors[0]?.path).toBe('/payload/vp/verifiableCredential/0/signature');
  });

  it('rejects an expired embedded credential (EXPIRED)', async () => {
    const vp = await jwtVp(holder, [credential], { nonce: 'n' });
    expect(codes(await verifyPresentation(vp, { now: '2032-01-01T00:00:00Z', nonce: 'n' }))).toContain('EXPIRED');
  });

  it('rejects an expired presentation (EXPIRED)', async () => {
    const exp = Math.floor(NOW.getTime() / 1000) - 3600;
    const vp = await vpJwt(holder, [credential], { exp });
    expect(codes(await verifyPresentation(vp, { now: NOW }))).toEqual(['EXPIRED']);
  });

  it('rejects a credential from an untrusted issuer inside (UNTRUSTED_ISSUER)', async () => {
    const vp = await jwtVp(holder, [credential], { nonce: 'n' });
    expect(codes(await verifyPresentation(vp, { now: NOW, nonce: 'n', trustedIssuers: [holder.did] }))).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('rejects too many credentials (LIMIT_EXCEEDED)', async () => {
    const vp = await jwtVp(holder, [credential, credential, credential]);
    expect(codes(await verifyPresentation(vp, { now: NOW, limits: { maxCredentials: 2 } }))).toEqual(['LIMIT_EXCEEDED']);
  });

  it('rejects a holder that contradicts iss (MALFORMED)', async () => {
    const vp = await vpJwt(holder, [credential], { iss: didKey().did });
    expect(codes(await verifyPresentation(vp, { now: NOW }))).toEqual(['MALFORMED']);
  });

  it('rejects a credential given where a presentation is expected (UNSUPPORTED_FORMAT)', async () => {
    expect(codes(await verifyPresentation(credential, { now: NOW }))).toEqual(['UNSUPPORTED_FORMAT']);
  });

  it('rejects garbage without throwing (MALFORMED)', async () => {
    for (const v of ['x', 42, null, {}, 'a.b.c']) expect(codes(await verifyPresentation(v, { now: NOW }))).toEqual(['MALFORMED']);
  });
});

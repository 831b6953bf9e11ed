// A VC-JOSE-COSE credential's registered claims stand for its properties: what they say
// must be what the credential says, and an error points at the member that decided.
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialVerificationResult, verifyCredential } from '../src/index.js';
import { didKey, jwtVc, lowS, NOW, type TestKey, vcJwt } from './helpers/producers.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const errorsOf = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => [e.code, e.path]));

describe('vc+jwt registered claims and the credential', () => {
  let issuer: TestKey;
  beforeAll(() => {
    issuer = didKey();
  });

  it('sub must be the id of a credential subject', async () => {
    const noSubjectId = await vcJwt(issuer, { credentialSubject: { name: 'x' }, sub: 'did:example:evil' });
    expect(errorsOf(await verifyCredential(noSubjectId, { now: NOW }))).toEqual([['MALFORMED', '/payload/sub']]);
    const other = await vcJwt(issuer, {
      credentialSubject: [
        { id: 'did:example:a', n: 1 },
        { id: 'did:example:b', n: 2 },
      ],
      sub: 'did:example:c',
    });
    expect(errorsOf(await verifyCredential(other, { now: NOW }))).toEqual([['MALFORMED', '/payload/sub']]);
    const notString = await vcJwt(issuer, { sub: 7 });
    expect(errorsOf(await verifyCredential(notString, { now: NOW }))).toEqual([['MALFORMED', '/payload/sub']]);
    const second = await vcJwt(issuer, {
      credentialSubject: [
        { id: 'did:example:a', n: 1 },
        { id: 'did:example:b', n: 2 },
      ],
      sub: 'did:example:b',
    });
    expect((await verifyCredential(second, { now: NOW })).verified).toBe(true);
  });

  it('a 1.1 expirationDate or issuanceDate in a 2.0 credential only narrows its window, and is named when it decides', async () => {
    const expired = await vcJwt(issuer, { expirationDate: '2020-01-01T00:00:00Z' });
    expect(errorsOf(await verifyCredential(expired, { now: NOW }))).toEqual([['EXPIRED', '/payload/expirationDate']]);
    const later = await vcJwt(issuer, { issuanceDate: '2030-01-01T00:00:00Z' });
    expect(errorsOf(await verifyCredential(later, { now: NOW }))).toEqual([['NOT_YET_VALID', '/payload/issuanceDate']]);
    const garbage = await vcJwt(issuer, { expirationDate: 'whenever' });
    expect(errorsOf(await verifyCredential(garbage, { now: NOW }))).toEqual([['MALFORMED', '/payload/expirationDate']]);
    // Within both, it verifies.
    const fine = await vcJwt(issuer, { issuanceDate: '2026-01-01T00:00:00Z', expirationDate: '2030-01-01T00:00:00Z' });
    expect((await verifyCredential(fine, { now: NOW })).verified).toBe(true);
  });

  it('an exp earlier than validUntil is named as the bound that expired', async () => {
    const jwt = await vcJwt(issuer, { exp: Math.floor(Date.parse('2026-03-01T00:00:00Z') / 1000) });
    expect(errorsOf(await verifyCredential(jwt, { now: NOW }))).toEqual([['EXPIRED', '/payload/exp']]);
    expect(errorsOf(await verifyCredential(await vcJwt(issuer), { now: new Date('2032-01-01T00:00:00Z') }))).toEqual([
      ['EXPIRED', '/payload/validUntil'],
    ]);
  });

  it('a credential also typed VerifiablePresentation is MALFORMED', async () => {
    const jwt = lowS(
      await new SignJWT({
        '@context': [V2],
        type: ['VerifiableCredential', 'VerifiablePresentation'],
        issuer: issuer.did,
        credentialSubject: { id: 'did:example:a', n: 1 },
      })
        .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'vc+jwt' })
        .sign(issuer.privateKey),
    );
    expect(errorsOf(await verifyCredential(await jwt, { now: NOW }))).toEqual([['MALFORMED', '/payload/type/1']]);
  });
});

describe('jwt_vc: the window error names the member that decided', () => {
  it('an expired jwt_vc points at exp, where did-jwt-vc writes the expiry', async () => {
    const issuer = didKey();
    const jwt = await jwtVc(issuer, 'did:example:holder', { exp: new Date('2026-02-01T00:00:00Z') });
    expect(errorsOf(await verifyCredential(jwt, { now: NOW }))).toEqual([['EXPIRED', '/payload/exp']]);
    const inVc = await jwtVc(issuer, 'did:example:holder', { vc: { expirationDate: '2026-02-01T00:00:00Z' } });
    expect(errorsOf(await verifyCredential(inVc, { now: NOW }))).toEqual([['EXPIRED', '/payload/vc/expirationDate']]);
  });
});

describe('a JWT without typ carries one credential or presentation', () => {
  it('refuses a vc claim beside a top-level credential, and a vc beside a vp claim', async () => {
    const issuer = didKey();
    const credential = {
      '@context': [V2],
      type: ['VerifiableCredential'],
      issuer: issuer.did,
      credentialSubject: { id: 'did:example:a', n: 1 },
    };
    const legacy = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential'],
      credentialSubject: { n: 2 },
    };
    const sign = async (payload: Record<string, unknown>, typ?: string) =>
      lowS(
        await new SignJWT(payload)
          .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, ...(typ ? { typ } : {}) })
          .sign(issuer.privateKey),
      );
    for (const typ of [undefined, 'JWT']) {
      const both = await sign({ ...credential, iss: issuer.did, nbf: 1767225600, vc: legacy }, typ);
      expect(errorsOf(await verifyCredential(both, { now: NOW }))).toEqual([['MALFORMED', '/payload']]);
      const twoClaims = await sign({ iss: issuer.did, nbf: 1767225600, vc: legacy, vp: { '@context': legacy['@context'] } }, typ);
      expect(errorsOf(await verifyCredential(twoClaims, { now: NOW }))).toEqual([['MALFORMED', '/payload']]);
      // Each alone verifies.
      expect((await verifyCredential(await sign({ iss: issuer.did, nbf: 1767225600, vc: legacy }, typ), { now: NOW })).verified).toBe(true);
      expect((await verifyCredential(await sign(credential, typ), { now: NOW })).verified).toBe(true);
    }
    // With typ vc+jwt the payload is the credential, whatever else it holds (the data model then judges it).
    expect(errorsOf(await verifyCredential(await sign({ ...credential, vc: legacy }, 'vc+jwt'), { now: NOW }))).toEqual([]);
  });
});

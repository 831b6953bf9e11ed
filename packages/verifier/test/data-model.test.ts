// Data-model rules (VCDM 2.0 / 1.1) reach the verification result as MALFORMED errors,
// each at the path of the offending member, for both credential formats and for
// presentations. The validator's exhaustive rule tests are core's; these check that
// the verifier runs it on what it decoded, and where the paths point.
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CredentialVerificationResult,
  type PresentationVerificationResult,
  verifyCredential,
  verifyPresentation,
} from '../src/index.js';
import { didKey, jwtVc, jwtVp, lowS, NOW, type TestKey, vcJwt, vpJwt } from './helpers/producers.js';

type Result = CredentialVerificationResult | PresentationVerificationResult;
const malformed = (r: Result) => {
  expect(r.verified, JSON.stringify(r).slice(0, 300)).toBe(false);
  if (r.verified) return [];
  expect(new Set(r.errors.map((e) => e.code))).toEqual(new Set(['MALFORMED']));
  return r.errors.map((e) => e.path);
};

/** A VCDM 1.1 JWT with exactly this vc claim and these registered claims, signed with jose. */
function jwtVcRaw(issuer: TestKey, vc: Record<string, unknown>, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({
    iss: issuer.did,
    nbf: Math.floor(Date.parse('2026-01-01T00:00:00Z') / 1000),
    vc: {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential'],
      credentialSubject: { id: 'did:example:holder', givenName: 'Kemar' },
      ...vc,
    },
    ...claims,
  })
    .setProtectedHeader({ alg: issuer.alg, kid: issuer.kid, typ: 'JWT' })
    .sign(issuer.privateKey)
    .then(lowS);
}

describe('data model of vc+jwt credentials (VCDM 2.0, paths under /payload)', () => {
  let issuer: TestKey;
  beforeAll(() => {
    issuer = didKey();
  });
  const check = async (overrides: Record<string, unknown>) =>
    malformed(await verifyCredential(await vcJwt(issuer, overrides), { now: NOW }));

  it('@context: missing, empty, a bare string, or not starting with the VCDM 2.0 context', async () => {
    expect(await check({ '@context': undefined })).toEqual(['/payload/@context']);
    expect(await check({ '@context': [] })).toEqual(['/payload/@context']);
    expect(await check({ '@context': 'https://www.w3.org/ns/credentials/v2' })).toEqual(['/payload/@context']);
    expect(await check({ '@context': ['https://www.w3.org/ns/credentials/examples/v2'] })).toEqual(['/payload/@context/0']);
    // A VCDM 1.1 document is not a vc+jwt.
    expect(await check({ '@context': ['https://www.w3.org/2018/credentials/v1'] })).toEqual(['/payload/@context/0']);
  });

  it('type: missing, or without VerifiableCredential', async () => {
    expect(await check({ type: undefined })).toEqual(['/payload/type']);
    expect(await check({ type: ['NationalIdCredential'] })).toEqual(['/payload/type']);
  });

  it('issuer and credentialSubject: missing, not a URL, an empty subject', async () => {
    expect(await check({ issuer: 'not a url' })).toEqual(['/payload/issuer']);
    expect(await check({ credentialSubject: undefined })).toEqual(['/payload/credentialSubject']);
    expect(await check({ credentialSubject: [] })).toEqual(['/payload/credentialSubject']);
    expect(await check({ credentialSubject: {} })).toEqual(['/payload/credentialSubject']);
    const idOnly = await verifyCredential(await vcJwt(issuer, { credentialSubject: { id: 'did:example:holder' } }), { now: NOW });
    expect(idOnly.verified).toBe(true);
    expect(await check({ credentialSubject: [{ givenName: 'A' }, 'B'] })).toEqual(['/payload/credentialSubject/1']);
  });

  it('dates: validFrom without a time zone, validUntil before validFrom', async () => {
    expect(await check({ validFrom: '2026-01-01T00:00:00' })).toEqual(['/payload/validFrom']);
    expect(await check({ validFrom: '2027-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' })).toEqual(['/payload/validUntil']);
  });

  it('status entries: without a type, a Bitstring entry with a bad index', async () => {
    const entry = {
      id: 'https://registry.example.tt/status/1#94567',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: 'https://registry.example.tt/status/1',
    };
    expect(await check({ credentialStatus: { ...entry, type: undefined } })).toEqual(['/payload/credentialStatus/type']);
    expect(await check({ credentialStatus: [entry, { ...entry, statusListIndex: '007' }] })).toEqual([
      '/payload/credentialStatus/1/statusListIndex',
    ]);
  });

  it('reports every violation at once, each with its path', async () => {
    const paths = await check({ type: ['NationalIdCredential'], issuer: 'not a url', validFrom: 'yesterday' });
    expect(paths).toEqual(expect.arrayContaining(['/payload/type', '/payload/issuer', '/payload/validFrom']));
    expect(paths).toHaveLength(3);
  });
});

describe('data model of jwt_vc credentials (VCDM 1.1, paths under /payload/vc)', () => {
  let issuer: TestKey;
  beforeAll(() => {
    issuer = didKey();
  });
  const check = async (vc: Record<string, unknown>, claims: Record<string, unknown> = {}) =>
    malformed(await verifyCredential(await jwtVcRaw(issuer, vc, claims), { now: NOW }));

  it('accepts what did-jwt-vc writes, and the same credential with its properties also in the vc claim', async () => {
    expect((await verifyCredential(await jwtVc(issuer), { now: NOW })).verified).toBe(true);
    const both = await jwtVcRaw(
      issuer,
      { id: 'urn:uuid:1', issuer: issuer.did, issuanceDate: '2026-01-01T00:00:00Z', credentialSubject: { id: 'did:example:h', name: 'K' } },
      { jti: 'urn:uuid:1', sub: 'did:example:h' },
    );
    expect((await verifyCredential(both, { now: NOW })).verified).toBe(true);
  });

  it('@context and type', async () => {
    expect(await check({ '@context': ['https://example.org/v1'] })).toEqual(['/payload/vc/@context']);
    expect(await check({ type: ['BirthCertificateCredential'] })).toEqual(['/payload/vc/type']);
  });

  it('an issuanceDate, from the vc claim or nbf/iat: required, and a dateTime', async () => {
    expect(await check({}, { nbf: undefined })).toEqual(['/payload/vc/issuanceDate']);
    expect(await check({ issuanceDate: 'soon' }, { nbf: undefined })).toEqual(['/payload/vc/issuanceDate']);
  });

  it('credentialSubject: missing or empty', async () => {
    expect(await check({ credentialSubject: undefined })).toEqual(['/payload/vc/credentialSubject']);
    expect(await check({ credentialSubject: {} })).toEqual(['/payload/vc/credentialSubject']);
  });

  it('the credential that sub, jti and iss stand in for: a jti that is not a URL', async () => {
    expect(await check({}, { jti: 'not a url' })).toEqual(['/payload/vc/id']);
  });
});

describe('data model of presentations', () => {
  let issuer: TestKey;
  let holder: TestKey;
  let credential: string;
  beforeAll(async () => {
    [issuer, holder] = [didKey(), didKey()];
    credential = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
  });

  it('vp+jwt: @context, type and holder at /payload', async () => {
    const check = async (claims: Record<string, unknown>) =>
      malformed(await verifyPresentation(await vpJwt(holder, [credential], claims), { now: NOW }));
    expect(await check({ '@context': ['https://www.w3.org/2018/credentials/v1'] })).toEqual(['/payload/@context/0']);
    expect(await check({ type: ['VerifiableCredential'] })).toEqual(['/payload/type', '/payload/type/0']);
    expect(await check({ holder: 'not a url' })).toEqual(['/payload/holder']);
  });

  it('vp+jwt: a credential given as a JWT string instead of an object', async () => {
    const vp = await vpJwt(holder, [], { verifiableCredential: [credential] });
    expect(malformed(await verifyPresentation(vp, { now: NOW }))).toEqual(['/payload/verifiableCredential/0']);
  });

  it('jwt_vp (VCDM 1.1): JWT strings are credentials; other strings are not', async () => {
    expect((await verifyPresentation(await jwtVp(holder, [credential]), { now: NOW })).verified).toBe(true);
    const bad = await new SignJWT({
      iss: holder.did,
      vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: ['hello'] },
    })
      .setProtectedHeader({ alg: holder.alg, kid: holder.kid, typ: 'JWT' })
      .sign(holder.privateKey)
      .then(lowS);
    expect(malformed(await verifyPresentation(bad, { now: NOW }))).toEqual(['/payload/vp/verifiableCredential/0']);
  });

  it('a credential inside a presentation that breaks the data model, at its path in the presentation', async () => {
    const broken = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' }, validFrom: '1 June' });
    const vp = await vpJwt(holder, [credential, broken]);
    expect(malformed(await verifyPresentation(vp, { now: NOW }))).toEqual(['/payload/verifiableCredential/1/payload/validFrom']);
  });
});

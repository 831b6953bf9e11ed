// Whole VCDM documents signed by independent producers — jose (vc+jwt, EdDSA and
// ES256, keys as did:jwk or did:key encoded from their specifications) and did-jwt-vc
// (jwt_vc) — verified by @tradewind/verifier with every property kept. And documents
// that break a VCDM 2.0 rule, signed with jose so that no issuer check stands in the
// way: the verifier refuses each one as MALFORMED and names where.
import { verifyCredential } from '@tradewind/verifier';
import { EdDSASigner } from 'did-jwt';
import { createVerifiableCredentialJwt } from 'did-jwt-vc';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { type ForeignKey, foreignKey, memberText, nationalIdDocument, VCDM1, VCDM2 } from './document-fixtures.js';

const NOW = new Date('2026-12-01T12:00:00Z');
// The scheme's own status list is not given: a warning, not a failure (the signature and data model are under test).
const OPTIONS = { now: NOW, status: { onUnavailable: 'warn' as const } };

function signVcJwt(key: ForeignKey, document: Record<string, unknown>): Promise<string> {
  return new SignJWT(document).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'vc+jwt' }).sign(key.privateKey);
}

// P-256 group order. ECDSA signatures (r, s) and (r, n - s) are both valid; jose (Web
// Crypto / OpenSSL) returns either. Tradewind accepts only the low-S one by default, so
// that a credential has exactly one encoding (DESIGN: signatures are canonical).
const P256_N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/** The same ES256 JWS with s replaced by n - s when s > n/2. */
function lowS(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const bytes = Buffer.from(signature, 'base64url');
  const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
  if (s <= P256_N / 2n) return jws;
  const low = Buffer.from((P256_N - s).toString(16).padStart(64, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, 32), low]).toString('base64url')}`;
}

function isHighS(jws: string): boolean {
  return lowS(jws) !== jws;
}

function withId(document: Record<string, unknown>): Record<string, unknown> {
  return { '@context': document['@context'], id: 'urn:uuid:8d1c1f0e-3b5a-4f4e-9c7d-2a6b5e4f3c21', ...document };
}

describe('vc+jwt documents signed with jose are verified with every property kept', () => {
  it.each([
    ['EdDSA, did:jwk', 'jwk', 'Ed25519'],
    ['EdDSA, did:key', 'key', 'Ed25519'],
    ['ES256, did:jwk', 'jwk', 'P-256'],
    ['ES256, did:key', 'key', 'P-256'],
  ] as const)('%s', async (_name, method, curve) => {
    const key = foreignKey(method, curve);
    const document = withId(nationalIdDocument(key.did, 'did:example:asha'));
    const signed = await signVcJwt(key, document);
    const r = await verifyCredential(key.alg === 'ES256' ? lowS(signed) : signed, OPTIONS);
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (!r.verified) return;
    expect(r.format).toBe('vc+jwt');
    expect(r.issuer).toBe(key.did);
    const credential = r.credential as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(document)) expect(memberText(name, credential[name]), name).toBe(memberText(name, value));
    expect(Object.keys(credential).sort()).toEqual(Object.keys(document).sort());
  });
});

describe('ES256 signatures as jose returns them', () => {
  it('a high-S signature is refused by default and accepted with allowHighS; its low-S twin verifies', async () => {
    const key = foreignKey('jwk', 'P-256');
    const document = withId(nationalIdDocument(key.did, 'did:example:asha'));
    let signed = await signVcJwt(key, document);
    // About one signature in two is high-S: sign until one is (a handful of tries).
    for (let i = 0; i < 64 && !isHighS(signed); i++) signed = await signVcJwt(key, document);
    expect(isHighS(signed)).toBe(true);
    const strict = await verifyCredential(signed, OPTIONS);
    expect(strict.verified ? [] : strict.errors.map((e) => e.code)).toEqual(['SIGNATURE_INVALID']);
    expect((await verifyCredential(signed, { ...OPTIONS, allowHighS: true })).verified).toBe(true);
    expect((await verifyCredential(lowS(signed), OPTIONS)).verified).toBe(true);
  });
});

describe('a jwt_vc made by did-jwt-vc createVerifiableCredentialJwt is verified with every property kept', () => {
  it('EdDSA, did:key', async () => {
    const key = foreignKey('key', 'Ed25519');
    const seed = Buffer.from(key.privateKey.export({ format: 'jwk' }).d as string, 'base64url');
    const vc = {
      '@context': [VCDM1, { bc: 'https://registry.gov.bb/vocab#', BirthCertificate: 'bc:BirthCertificate' }],
      type: ['VerifiableCredential', 'BirthCertificate'],
      issuer: { id: key.did, name: 'Registration Department, Barbados' },
      issuanceDate: '2026-03-01T08:30:00.125-04:00',
      credentialSubject: { givenName: 'Asha', familyName: 'Ramdial', birthDate: '1991-07-14' },
      evidence: [{ id: 'urn:bb:register:1991:0042', type: ['RegisterEntry'], verifier: 'https://registry.gov.bb' }],
      termsOfUse: [{ type: 'IssuerPolicy', id: 'https://registry.gov.bb/policies/1' }],
      refreshService: { id: 'https://registry.gov.bb/refresh/0042', type: 'ManualRefreshService' },
    };
    const jwt = await createVerifiableCredentialJwt(
      { sub: 'did:example:asha', nbf: Math.floor(Date.parse(vc.issuanceDate) / 1000), jti: 'urn:bb:birth:0042', vc },
      { did: key.did, signer: EdDSASigner(seed), alg: 'EdDSA' },
      { header: { kid: key.kid } },
    );
    const r = await verifyCredential(jwt, OPTIONS);
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (!r.verified) return;
    expect(r.format).toBe('jwt_vc');
    expect(r.issuer).toBe(key.did);
    expect(r.subject).toBe('did:example:asha');
    const credential = r.credential as unknown as Record<string, unknown>;
    for (const name of ['@context', 'type', 'issuer', 'issuanceDate', 'evidence', 'termsOfUse', 'refreshService'] as const)
      expect(JSON.stringify(credential[name]), name).toBe(JSON.stringify(vc[name]));
    expect(credential.credentialSubject).toMatchObject(vc.credentialSubject);
  });
});

describe('documents that break a VCDM 2.0 rule, signed with jose: MALFORMED with the path of the violation', () => {
  const key = foreignKey('jwk', 'Ed25519');
  const base = () => withId(nationalIdDocument(key.did, 'did:example:asha'));

  it.each([
    ['no VerifiableCredential type', { type: ['NationalIdCredential'] }, '/type'],
    ['id null', { id: null }, '/id'],
    ['validFrom not a dateTimeStamp', { validFrom: '2026-03-01 08:30' }, '/validFrom'],
    ['validFrom without an offset', { validFrom: '2026-03-01T08:30:00' }, '/validFrom'],
    [
      'relatedResource without a digest',
      { relatedResource: [{ id: 'https://id.gov.tt/photos/1.jpg', mediaType: 'image/jpeg' }] },
      '/relatedResource/0',
    ],
    ['an empty credentialSubject', { credentialSubject: {} }, '/credentialSubject'],
    [
      'an inline context redefining the protected term "type"',
      { '@context': [VCDM2, { type: 'https://evil.example/type' }] },
      '/@context/1',
    ],
    [
      'an inline context redefining the protected term "VerifiableCredential"',
      { '@context': [VCDM2, { VerifiableCredential: 'https://evil.example/VC' }] },
      '/@context/1',
    ],
  ] as const)('%s', async (_rule, change, path) => {
    const r = await verifyCredential(await signVcJwt(key, { ...base(), ...change }), OPTIONS);
    expect(r.verified).toBe(false);
    if (r.verified) return;
    expect(r.errors.map((e) => e.code)).toContain('MALFORMED');
    const paths = r.errors.filter((e) => e.code === 'MALFORMED').map((e) => e.path ?? '');
    // Paths point into the JWS: the credential is its payload.
    expect(
      paths.some((p) => p === `/payload${path}` || p.startsWith(`/payload${path}/`)),
      JSON.stringify(r.errors),
    ).toBe(true);
  });

  it('the unbroken document verifies, so each refusal above is the rule it breaks', async () => {
    const r = await verifyCredential(await signVcJwt(key, base()), OPTIONS);
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });
});

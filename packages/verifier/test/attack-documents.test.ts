// Documents shaped as independent producers write them, and documents built to slip past
// the data-model, envelope and holder-binding checks: each is signed for real and verified.
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CredentialVerificationResult,
  type PresentationVerificationResult,
  verifyCredential,
  verifyPresentation,
} from '../src/index.js';
import { didJwk, didKey, jwtVc, jwtVp, lowS, NOW, type TestKey, vcJwt, vpJwt } from './helpers/producers.js';

const V1 = 'https://www.w3.org/2018/credentials/v1';
const V2 = 'https://www.w3.org/ns/credentials/v2';
type Result = CredentialVerificationResult | PresentationVerificationResult;
const issues = (r: Result) => (r.verified ? [] : r.errors.map((e) => [e.code, e.path, e.message]));
const sec = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** A JWT signed with jose exactly as given: header and payload untouched. */
async function signed(key: TestKey, payload: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return lowS(await new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey));
}

describe('credentials as other implementations write them verify', () => {
  let issuer: TestKey;
  let jwk: TestKey;
  let holder: TestKey;
  beforeAll(() => {
    [issuer, jwk, holder] = [didKey('P-256'), didJwk(), didKey()];
  });

  it('a walt.id-style jwt_vc_json: vc with issuer object (image), fractional issuanceDate, StatusList2021Entry, JsonSchema', async () => {
    const jwt = await signed(
      jwk,
      {
        iss: jwk.did,
        sub: holder.did,
        nbf: sec('2026-01-01T10:00:00Z'),
        jti: 'urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5',
        vc: {
          '@context': [V1, 'https://purl.imsglobal.org/spec/ob/v3p0/context.json', 'https://w3id.org/vc/status-list/2021/v1'],
          id: 'urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5',
          type: 'VerifiableCredential',
          issuer: { id: jwk.did, name: 'Jobs for the Future', image: { id: 'https://example.org/logo.png', type: 'Image' } },
          issuanceDate: '2026-01-01T10:00:00.123456Z',
          credentialSubject: {
            id: holder.did,
            type: ['AchievementSubject'],
            achievement: { id: 'urn:uuid:ac254bd5', type: ['Achievement'], criteria: { narrative: 'Passed' }, tags: ['a', 'b'] },
          },
          credentialSchema: { id: 'https://example.org/schema.json', type: 'JsonSchemaValidator2018' },
          credentialStatus: {
            id: 'https://example.org/status/3#94567',
            type: 'StatusList2021Entry',
            statusPurpose: 'revocation',
            statusListIndex: '94567',
            statusListCredential: 'https://example.org/status/3',
          },
        },
      },
      { typ: 'JWT' },
    );
    // No status list is at hand here: with onUnavailable 'warn' that is a warning, and the check is listed.
    const r = await verifyCredential(jwt, { now: NOW, status: { onUnavailable: 'warn' } });
    expect(issues(r)).toEqual([]);
    expect(r.checks).toEqual(['dataModel', 'proof', 'validity', 'status']);
    expect(r.verified && r.warnings.map((w) => [w.code, w.path])).toEqual([['STATUS_UNAVAILABLE', '/payload/vc/credentialStatus']]);
  });

  it('a VC-JOSE-COSE credential as EUDI and walt.id write VCDM 2.0: string type, several contexts, language arrays, offsets, BitstringStatusListEntry, registered claims and cnf beside it', async () => {
    const jwt = await vcJwt(issuer, {
      '@context': [V2, 'https://www.w3.org/ns/credentials/examples/v2', { '@vocab': 'https://example.org/vocab#' }],
      type: 'VerifiableCredential',
      issuer: {
        id: issuer.did,
        name: [
          { '@value': 'Ministère', '@language': 'fr-CA' },
          { '@value': 'Ministry', '@language': 'en' },
        ],
      },
      name: 'Licence',
      description: { '@value': 'رخصة', '@language': 'ar', '@direction': 'rtl' },
      validFrom: '2026-01-01T08:00:00.5+08:00',
      validUntil: '2030-12-31T23:59:59.999-05:00',
      credentialSubject: [
        { id: holder.did, address: { street: ['a', 'b'] } },
        { id: 'did:example:other', role: 'guardian' },
      ],
      credentialSchema: [{ id: 'https://example.org/schema.json', type: 'JsonSchema' }],
      evidence: [{ id: 'https://example.org/evidence/1', type: ['Evidence', 'DocumentVerification'] }],
      termsOfUse: { type: 'TrustFrameworkPolicy', id: 'https://example.org/tf' },
    });
    const r = await verifyCredential(jwt, { now: NOW });
    expect(issues(r)).toEqual([]);
  });

  it('a jwt_vc_json whose vc claim is a VCDM 2.0 credential (validFrom, issuer object, iat and nbf beside it)', async () => {
    const jwt = await signed(
      jwk,
      {
        iss: jwk.did,
        sub: holder.did,
        iat: sec('2026-01-01T00:00:00Z'),
        nbf: sec('2026-01-01T00:00:00Z'),
        exp: sec('2027-01-01T00:00:00Z'),
        jti: 'urn:uuid:8a7c6c4e-2a7e-4ad4-9a1e-2f3c4d5e6f70',
        vc: {
          '@context': [V2, 'https://www.w3.org/ns/credentials/examples/v2'],
          id: 'urn:uuid:8a7c6c4e-2a7e-4ad4-9a1e-2f3c4d5e6f70',
          type: ['VerifiableCredential', 'OpenBadgeCredential'],
          issuer: { id: jwk.did, type: ['Profile'], name: 'Example University', image: 'https://example.org/logo.png' },
          validFrom: '2026-01-01T00:00:00Z',
          credentialSubject: { id: holder.did, achievement: { name: { '@value': 'Bachelor', '@language': 'en' } } },
        },
      },
      { typ: 'JWT' },
    );
    expect(issues(await verifyCredential(jwt, { now: NOW }))).toEqual([]);
  });

  it('a did-jwt-vc jwt_vc with nbf and exp only, vc with extra contexts and nested arrays', async () => {
    const jwt = await jwtVc(issuer, holder.did, {
      exp: new Date('2030-01-01T00:00:00Z'),
      vc: {
        '@context': [V1, 'https://www.w3.org/2018/credentials/examples/v1'],
        type: ['VerifiableCredential', 'UniversityDegreeCredential'],
        credentialSubject: { degree: { type: 'BachelorDegree', name: 'Bachelor', minors: [{ name: 'x' }, { name: 'y' }] } },
      },
    });
    const r = await verifyCredential(jwt, { now: NOW });
    expect(issues(r)).toEqual([]);
  });
});

describe('documents built to pass what they must not', () => {
  let issuer: TestKey;
  let holder: TestKey;
  let aboutHolder: string;
  let aboutOther: string;
  beforeAll(async () => {
    [issuer, holder] = [didKey(), didKey()];
    aboutHolder = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
    aboutOther = await vcJwt(issuer, { credentialSubject: { id: 'did:example:child', givenName: 'Ravi' } });
  });

  /** A vp+jwt signed by the holder whose verifiableCredential is exactly `entries`. */
  const presentation = (entries: unknown[], claims: Record<string, unknown> = {}) =>
    signed(
      holder,
      { '@context': [V2], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: entries, ...claims },
      { typ: 'vp+jwt' },
    );

  it('an envelope in a presentation that is typed as a credential too is MALFORMED at its type', async () => {
    for (const type of [
      ['EnvelopedVerifiableCredential', 'VerifiableCredential'],
      ['EnvelopedVerifiableCredential', 'EnvelopedVerifiablePresentation'],
    ]) {
      const vp = await presentation([{ '@context': [V2], type, id: `data:application/vc+jwt,${aboutHolder}` }]);
      const r = await verifyPresentation(vp, { now: NOW });
      expect(r.verified).toBe(false);
      expect(issues(r).map(([code, path]) => [code, path])).toContainEqual([
        'MALFORMED',
        expect.stringMatching(/^\/payload\/verifiableCredential\/0\/type/),
      ]);
    }
  });

  it('a signed credential that also calls itself an EnvelopedVerifiableCredential (its id another JWS) is MALFORMED', async () => {
    const jwt = await vcJwt(issuer, {
      id: `data:application/vc+jwt,${aboutOther}`,
      type: ['VerifiableCredential', 'EnvelopedVerifiableCredential'],
      credentialSubject: { id: holder.did, givenName: 'Asha' },
    });
    const r = await verifyCredential(jwt, { now: NOW });
    expect(issues(r).map(([code, path]) => [code, path])).toEqual([['MALFORMED', '/payload/type/1']]);
  });

  it("holderBinding 'none' relaxes the subject rule and nothing else: nonce, audience, signature and credentials still count", async () => {
    const envelope = { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${aboutOther}` };
    const vp = await presentation([envelope], { nonce: 'n-1', aud: 'https://rp.example' });
    const none = { now: NOW, holderBinding: 'none' as const };
    const ok = await verifyPresentation(vp, { ...none, nonce: 'n-1', audience: 'https://rp.example' });
    expect(issues(ok)).toEqual([]);
    expect(ok.checks).toEqual(['dataModel', 'proof', 'nonce', 'audience', 'validity', 'credentials']);
    const codes = async (input: string, extra: Record<string, unknown>) =>
      issues(await verifyPresentation(input, { ...none, ...extra })).map(([code]) => code);
    expect(await codes(vp, { nonce: 'n-2' })).toEqual(['NONCE_MISMATCH']);
    expect(await codes(vp, { audience: 'https://other.example' })).toEqual(['AUDIENCE_MISMATCH']);
    expect(await codes(`${vp.slice(0, -6)}AAAAAA`, {})).toEqual(['SIGNATURE_INVALID']);
    const tampered = await presentation([{ ...envelope, id: `data:application/vc+jwt,${aboutOther.slice(0, -6)}AAAAAA` }]);
    expect(await codes(tampered, {})).toEqual(['SIGNATURE_INVALID']);
    // The default binds every credential to the holder.
    expect((await verifyPresentation(vp, { now: NOW })).verified).toBe(false);
  });

  it('a 1.1 presentation: an enveloped presentation, or a presentation JWT, where a credential belongs is refused', async () => {
    const inner = await jwtVp(holder, [aboutHolder]);
    const vp = await jwtVp(holder, [inner]);
    const r = await verifyPresentation(vp, { now: NOW });
    expect(issues(r).map(([code]) => code)).toEqual(['UNSUPPORTED_FORMAT']);
  });

  it('a credential with 2,200 related resources within the input limit verifies, and a repeated id is found', async () => {
    const digest = `u${Buffer.alloc(32, 9).toString('base64url')}`;
    const relatedResource = Array.from({ length: 2200 }, (_, i) => ({ id: `urn:r:${i}`, digestMultibase: digest }));
    const jwt = await vcJwt(issuer, { credentialSubject: { id: holder.did, a: 1 }, relatedResource });
    expect(jwt.length).toBeLessThan(256 * 1024);
    expect(issues(await verifyCredential(jwt, { now: NOW }))).toEqual([]);
    const repeated = await vcJwt(issuer, {
      credentialSubject: { id: holder.did, a: 1 },
      relatedResource: [...relatedResource, { id: 'urn:r:7', digestMultibase: digest }],
    });
    expect(issues(await verifyCredential(repeated, { now: NOW })).map(([code, path]) => [code, path])).toEqual([
      ['MALFORMED', '/payload/relatedResource/2200/id'],
    ]);
  });
});

describe('envelope confusion in text input', () => {
  it('a data: URL holds a compact JWS: JSON in it (an envelope of another kind, say) is MALFORMED', async () => {
    const issuer = didKey();
    const jwt = await vcJwt(issuer);
    const envelope = JSON.stringify({ '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` });
    for (const input of [
      `data:application/vp+jwt,${envelope}`,
      `data:application/vc+jwt,${envelope}`,
      `data:application/jwt,${JSON.stringify(jwt)}`,
      `data:application/vc+jwt,[${JSON.stringify(jwt)}]`,
    ]) {
      const r = await verifyCredential(input, { now: NOW });
      expect([input.slice(0, 30), issues(r).map(([code, path]) => [code, path])]).toEqual([input.slice(0, 30), [['MALFORMED', '/']]]);
    }
    // Media types are case-insensitive (RFC 2045 §5.1), as in an envelope's id.
    for (const input of [`data:APPLICATION/VC+JWT,${jwt}`, `data:Application/Vc+Jwt,${jwt}`]) {
      expect(issues(await verifyCredential(input, { now: NOW }))).toEqual([]);
      const object = { '@context': [V2], type: 'EnvelopedVerifiableCredential', id: input };
      expect(issues(await verifyCredential(object, { now: NOW }))).toEqual([]);
    }
    // The data: URL itself, and the envelope as JSON text, still verify.
    expect((await verifyCredential(`data:application/vc+jwt,${jwt}`, { now: NOW })).verified).toBe(true);
    expect((await verifyCredential(envelope, { now: NOW })).verified).toBe(true);
  });
});

describe('checks name only what ran', () => {
  it('holderBinding is not listed when no credential of the presentation verified (it was never judged)', async () => {
    const [issuer, holder] = [didKey(), didKey()];
    const tampered = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
    const vp = await vpJwt(holder, [`${tampered.slice(0, -6)}AAAAAA`]);
    const r = await verifyPresentation(vp, { now: NOW });
    expect(issues(r).map(([code]) => code)).toEqual(['SIGNATURE_INVALID']);
    expect(r.checks).toEqual(['dataModel', 'proof', 'validity', 'credentials']);
    const good = await vcJwt(issuer, { credentialSubject: { id: holder.did, givenName: 'Asha' } });
    const mixed = await verifyPresentation(await vpJwt(holder, [good, `${tampered.slice(0, -6)}AAAAAA`]), { now: NOW });
    expect(mixed.checks).toEqual(['dataModel', 'proof', 'validity', 'credentials', 'holderBinding']);
  });
});

describe('hostile objects given to the verifier', () => {
  it('getters, proxies, cycles, null prototypes, toJSON and symbol keys give results, never exceptions', async () => {
    const boom = () => {
      throw new Error('boom');
    };
    const jwt = await vcJwt(didKey());
    const envelope = () => ({ '@context': [V2], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` });
    const { proxy: revoked, revoke } = Proxy.revocable({}, {});
    revoke();
    const getter = envelope();
    Object.defineProperty(getter, 'id', { get: boom, enumerable: true });
    const cyclic: Record<string, unknown> = envelope();
    cyclic.self = cyclic;
    const inheritedType = Object.assign(
      Object.create({
        get type() {
          return boom();
        },
      }),
      { '@context': [V2], id: envelope().id },
    );
    const hostile = {
      revoked,
      getter,
      cyclic,
      inheritedType,
      traps: new Proxy(envelope(), { get: boom, ownKeys: boom, getOwnPropertyDescriptor: boom, has: boom, getPrototypeOf: boom }),
      toJSON: { ...envelope(), id: 'data:application/vc+jwt,x', toJSON: () => envelope() },
    };
    for (const [name, value] of Object.entries(hostile)) {
      for (const verify of [verifyCredential, verifyPresentation]) {
        const r = await verify(value, { now: NOW });
        expect([name, r.verified, r.verified ? [] : r.errors.map((e) => e.code)]).toEqual([name, false, ['MALFORMED']]);
      }
    }
    // A null prototype and a symbol key change nothing about what the envelope carries.
    const plain = Object.assign(Object.create(null), envelope(), { [Symbol('note')]: 1 });
    expect(issues(await verifyCredential(plain, { now: NOW }))).toEqual([]);
  });
});

// Data Integrity credentials made by @digitalbazaar/vc (eddsa-rdfc-2022 and
// Ed25519Signature2020, real signatures), verified by the verifier's di path: each
// check fed its rejection.
import { generateKeyPairSync } from 'node:crypto';
import { multikeyToJwk } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import { beforeAll, describe, expect, it } from 'vitest';
import { contextDigest } from '../src/di/loader.js';
import { type CredentialVerificationResult, createVerifier, verifyCredential, verifyCredentials } from '../src/index.js';
import { credential, type DiSigner, didDocument, diSigner, EXTRA_CONTEXTS, issueDi, presentDi, V1, V2 } from './helpers/di-issue.js';
import { didKey, NOW, recognitionListJwt, type TestKey } from './helpers/producers.js';

const codes = (r: CredentialVerificationResult) => (r.verified ? [] : r.errors.map((e) => e.code));
const CUSTOM = 'https://contexts.registry.example/national-id/v1';
const CUSTOM_CONTEXT = {
  '@context': {
    '@version': 1.1,
    '@protected': true,
    NationalIdCredential: 'https://contexts.registry.example/national-id#NationalIdCredential',
    BirthCertificateCredential: 'https://contexts.registry.example/national-id#BirthCertificateCredential',
    nationalIdNumber: 'https://contexts.registry.example/national-id#nationalIdNumber',
  },
};

describe('Data Integrity credentials', () => {
  let eddsa: DiSigner;
  let ed2020: DiSigner;
  let other: DiSigner;

  beforeAll(async () => {
    eddsa = await diSigner('eddsa-rdfc-2022', { seed: 1 });
    ed2020 = await diSigner('Ed25519Signature2020', { seed: 2 });
    other = await diSigner('eddsa-rdfc-2022', { seed: 3 });
    EXTRA_CONTEXTS.set(CUSTOM, CUSTOM_CONTEXT);
  });

  it('verifies eddsa-rdfc-2022 (VCDM 2.0) and reports the proof, as an object and as JSON text', async () => {
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), eddsa);
    for (const input of [vc, JSON.stringify(vc)]) {
      const r = await verifyCredential(input, { now: NOW });
      expect(r.verified, JSON.stringify(r)).toBe(true);
      if (!r.verified || r.format !== 'di') throw new Error('not a di result');
      expect(r.issuer).toBe(eddsa.did);
      expect(r.subject).toBe('did:example:alice');
      expect(r.keyId).toBe(eddsa.id);
      expect(r.proof).toEqual({
        type: 'DataIntegrityProof',
        cryptosuite: 'eddsa-rdfc-2022',
        created: new Date('2026-01-01T00:00:00Z'),
        proofPurpose: 'assertionMethod',
        verificationMethod: eddsa.id,
      });
      expect(r.checks).toEqual(['dataModel', 'proof', 'validity']);
      expect(r.warnings).toEqual([]);
    }
  });

  it('verifies Ed25519Signature2020 on a VCDM 1.1 credential (issuanceDate, expirationDate)', async () => {
    const vc = await issueDi(
      {
        '@context': [V1],
        type: ['VerifiableCredential'],
        issuer: ed2020.did,
        issuanceDate: '2026-01-01T00:00:00Z',
        expirationDate: '2027-01-01T00:00:00Z',
        credentialSubject: { id: 'did:example:alice' },
      },
      ed2020,
    );
    const r = await verifyCredential(vc, { now: NOW });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified && r.format === 'di') {
      expect(r.proof.type).toBe('Ed25519Signature2020');
      expect(r.validUntil).toEqual(new Date('2027-01-01T00:00:00Z'));
    }
  });

  it('verifies in a batch beside other inputs', async () => {
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), eddsa);
    const results = await verifyCredentials([vc, { ...vc, issuer: other.did }], { now: NOW });
    expect(results.map((r) => r.verified)).toEqual([true, false]);
  });

  it('refuses a tampered credential (SIGNATURE_INVALID)', async () => {
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), eddsa);
    const tampered = { ...vc, credentialSubject: { id: 'did:example:mallory', name: 'Alice' } };
    expect(codes(await verifyCredential(tampered, { now: NOW }))).toEqual(['SIGNATURE_INVALID']);
  });

  it('refuses a credential that is expired (EXPIRED) or not yet valid (NOT_YET_VALID)', async () => {
    const expired = await issueDi(credential(eddsa.did, 'did:example:alice', { validUntil: '2026-03-01T00:00:00Z' }), eddsa);
    const r = await verifyCredential(expired, { now: NOW });
    expect(codes(r)).toEqual(['EXPIRED']);
    expect(r.verified ? undefined : r.errors[0]?.path).toBe('/validUntil');
    const future = await issueDi(credential(eddsa.did, 'did:example:alice', { validFrom: '2026-09-01T00:00:00Z' }), eddsa);
    expect(codes(await verifyCredential(future, { now: NOW }))).toEqual(['NOT_YET_VALID']);
  });

  it('refuses an issuer outside trustedIssuers (UNTRUSTED_ISSUER) before any proof work', async () => {
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), eddsa);
    const r = await verifyCredential(vc, { now: NOW, trustedIssuers: [other.did] });
    expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
    expect(r.checks).toEqual(['dataModel', 'trustedIssuers']);
    expect((await verifyCredential(vc, { now: NOW, trustedIssuers: [eddsa.did] })).verified).toBe(true);
  });

  it('refuses a proof by a key another controller holds (KEY_NOT_FOUND)', async () => {
    // Signed by `other`, naming eddsa's DID as issuer: a valid signature of someone else.
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), other);
    const r = await verifyCredential(vc, { now: NOW });
    expect(codes(r)).toEqual(['KEY_NOT_FOUND']);
    expect(r.verified ? '' : r.errors[0]?.message).toContain(`is controlled by ${other.did}, not by ${eddsa.did}`);
  });

  it('refuses a proof whose purpose is not assertionMethod', async () => {
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), eddsa);
    const proof = { ...(vc.proof as object), proofPurpose: 'authentication' };
    const r = await verifyCredential({ ...vc, proof }, { now: NOW });
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
    expect(r.verified ? '' : r.errors[0]?.message).toContain('proof purpose assertionMethod');
  });

  it('refuses a context that is neither bundled nor given, with the URL, and verifies once it is given', async () => {
    const vc = await issueDi(
      credential(eddsa.did, 'did:example:alice', {
        '@context': [V2, CUSTOM],
        type: ['VerifiableCredential', 'NationalIdCredential'],
        credentialSubject: { id: 'did:example:alice', nationalIdNumber: 'TT-123' },
      }),
      eddsa,
    );
    const r = await verifyCredential(vc, { now: NOW });
    expect(codes(r)).toEqual(['MALFORMED']);
    expect(r.verified ? '' : r.errors[0]?.message).toBe(`context not available offline: ${CUSTOM}`);
    const given = await verifyCredential(vc, { now: NOW, dataIntegrity: { contexts: { [CUSTOM]: CUSTOM_CONTEXT } } });
    expect(given.verified, JSON.stringify(given)).toBe(true);
    const asText = await verifyCredential(vc, {
      now: NOW,
      dataIntegrity: { contexts: new Map([[CUSTOM, JSON.stringify(CUSTOM_CONTEXT)]]) },
    });
    expect(asText.verified).toBe(true);
  });

  it('refuses di when the caller accepts other formats only (UNSUPPORTED_FORMAT)', async () => {
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), eddsa);
    expect(codes(await verifyCredential(vc, { now: NOW, formats: ['vc+jwt'] }))).toEqual(['UNSUPPORTED_FORMAT']);
  });

  it('follows a policy that names its formats (di among them, or not)', async () => {
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), eddsa);
    const withDi = await verifyCredential(vc, { now: NOW, policy: { trustedIssuers: [eddsa.did], formats: ['di'] } });
    expect(withDi.verified, JSON.stringify(withDi)).toBe(true);
    const without = await verifyCredential(vc, { now: NOW, policy: { trustedIssuers: [eddsa.did], formats: ['vc+jwt'] } });
    expect(codes(without)).toEqual(['UNSUPPORTED_FORMAT']);
  });

  it('sends a presentation to verifyPresentation (UNSUPPORTED_FORMAT)', async () => {
    const vp = await presentDi([], eddsa);
    const r = await verifyCredential(vp, { now: NOW });
    expect(codes(r)).toEqual(['UNSUPPORTED_FORMAT']);
  });

  it('refuses a data-model violation with its path (MALFORMED)', async () => {
    const vc = await issueDi(credential(eddsa.did, 'did:example:alice'), eddsa);
    const r = await verifyCredential({ ...vc, validFrom: '2026-01-01' }, { now: NOW });
    expect(codes(r)).toEqual(['MALFORMED']);
    expect(r.verified ? '' : r.errors[0]?.path).toBe('/validFrom');
    expect(r.checks).toEqual(['dataModel']);
  });
});

describe('verification methods of did:web issuers and https key documents', () => {
  const DID = 'did:web:registry.example';
  let web: DiSigner;

  beforeAll(async () => {
    web = await diSigner('eddsa-rdfc-2022', { seed: 7, did: DID });
  });

  it('verifies with a DID document the caller gives, and never fetches without one (DID_UNRESOLVABLE)', async () => {
    const vc = await issueDi(credential(DID, 'did:example:alice'), web);
    expect(codes(await verifyCredential(vc, { now: NOW }))).toEqual(['DID_UNRESOLVABLE']);
    const r = await verifyCredential(vc, { now: NOW, dataIntegrity: { documents: [didDocument(web)] } });
    expect(r.verified, JSON.stringify(r)).toBe(true);
  });

  it('refuses a method the DID document does not list under assertionMethod (KEY_NOT_FOUND)', async () => {
    const vc = await issueDi(credential(DID, 'did:example:alice'), web);
    const doc = didDocument(web, { assertionMethod: [] });
    const r = await verifyCredential(vc, { now: NOW, dataIntegrity: { documents: [doc] } });
    expect(codes(r)).toEqual(['KEY_NOT_FOUND']);
    expect(r.verified ? '' : r.errors[0]?.message).toContain('is not authorised for assertionMethod');
  });

  it('accepts the DID itself in assertionMethod only in MOSIP compatibility for that issuer, with a COMPATIBILITY warning', async () => {
    const vc = await issueDi(credential(DID, 'did:example:alice'), web);
    const doc = didDocument(web, { assertionMethod: [DID] });
    const strict = await verifyCredential(vc, { now: NOW, dataIntegrity: { documents: [doc] } });
    expect(codes(strict)).toEqual(['KEY_NOT_FOUND']);
    const otherIssuer = await verifyCredential(vc, {
      now: NOW,
      dataIntegrity: { documents: [doc], compatibility: { 'did:web:elsewhere.example': 'mosip' } },
    });
    expect(codes(otherIssuer)).toEqual(['KEY_NOT_FOUND']);
    const compat = await verifyCredential(vc, { now: NOW, dataIntegrity: { documents: [doc], compatibility: { [DID]: 'mosip' } } });
    expect(compat.verified, JSON.stringify(compat)).toBe(true);
    expect(compat.verified && compat.warnings).toEqual([
      {
        code: 'COMPATIBILITY',
        message: `MOSIP compatibility: the DID itself, not the verification method ${web.id}, is in the assertionMethod of ${DID}`,
        path: '/proof/verificationMethod',
      },
    ]);
  });

  it('refuses a did:key that spells a key a second way (uncompressed P-256) before any signature work (DID_UNRESOLVABLE)', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-65);
    const alias = `did:key:${base58btc.encode(Uint8Array.from([0x80, 0x24, ...raw]))}`;
    const signer = await diSigner('eddsa-rdfc-2022', { seed: 12 });
    const vc = await issueDi(credential(signer.did, 'did:example:alice'), signer);
    const forged = { ...vc, issuer: alias, proof: { ...(vc.proof as object), verificationMethod: `${alias}#${alias.slice(8)}` } };
    expect(codes(await verifyCredential(forged, { now: NOW }))).toEqual(['DID_UNRESOLVABLE']);
  });

  it('refuses a compatibility map that is not per issuer (TypeError)', () => {
    expect(() => createVerifier({ dataIntegrity: { compatibility: { '*': 'mosip' } } })).toThrow(TypeError);
    expect(() => createVerifier({ dataIntegrity: { compatibility: { [DID]: 'lenient' as never } } })).toThrow(TypeError);
    // Material of the wrong shape is a programmer error too, not a silent no-op.
    expect(() => createVerifier({ dataIntegrity: { documents: [{ verificationMethod: [] }] } })).toThrow(TypeError);
    expect(() => createVerifier({ dataIntegrity: { documents: [{ id: DID }, { id: DID }] } })).toThrow(TypeError);
    expect(() => createVerifier({ dataIntegrity: { contexts: { [CUSTOM]: 42 as never } } })).toThrow(TypeError);
  });

  it('verifies with an https key document and its controller document (older MOSIP IDA)', async () => {
    const controller = 'https://ida.registry.example/.well-known/controller.json';
    const keyId = 'https://ida.registry.example/.well-known/key.json';
    const signer = await diSigner('Ed25519Signature2020', { seed: 8, did: controller });
    const keyDoc = { id: keyId, type: 'Ed25519VerificationKey2020', owner: controller, publicKeyMultibase: signer.publicKeyMultibase };
    const signed = await issueWithMethod(credential(controller, 'did:example:alice'), 8, keyId, controller);
    const controllerDoc = { id: controller, assertionMethod: [keyId] };
    const r = await verifyCredential(signed, { now: NOW, dataIntegrity: { documents: [keyDoc, controllerDoc] } });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    // Listed under publicKey only (security v1): MOSIP compatibility, reported.
    const legacy = { id: controller, publicKey: [keyId] };
    const strict = await verifyCredential(signed, { now: NOW, dataIntegrity: { documents: [keyDoc, legacy] } });
    expect(codes(strict)).toEqual(['KEY_NOT_FOUND']);
    const compat = await verifyCredential(signed, {
      now: NOW,
      dataIntegrity: { documents: [keyDoc, legacy], compatibility: { [controller]: 'mosip' } },
    });
    expect(compat.verified, JSON.stringify(compat)).toBe(true);
    expect(compat.verified && compat.warnings.map((w) => w.code)).toEqual(['COMPATIBILITY']);
    // Without the documents nothing is fetched.
    expect(codes(await verifyCredential(signed, { now: NOW }))).toEqual(['KEY_NOT_FOUND']);
  });
});

describe('recognition of Data Integrity issuers', () => {
  const DID = 'did:web:registry.gov.tt';
  let anchor: TestKey;
  let web: DiSigner;
  let list: string;

  beforeAll(async () => {
    anchor = didKey();
    web = await diSigner('eddsa-rdfc-2022', { seed: 9, did: DID });
    const jwk = await multikeyToJwk(web.publicKeyMultibase);
    list = await recognitionListJwt(anchor, [
      {
        id: DID,
        country: 'TT',
        name: 'Registrar General, Trinidad and Tobago',
        credentialTypes: ['NationalIdCredential'],
        assuranceLevel: 'high',
        keys: [{ ...jwk, kid: '#key-1' }],
        formats: ['di'],
        contexts: [{ url: CUSTOM, sha256: await contextDigest(CUSTOM_CONTEXT), document: CUSTOM_CONTEXT }],
      },
    ]);
    EXTRA_CONTEXTS.set(CUSTOM, CUSTOM_CONTEXT);
  });

  const nationalId = (extra: Record<string, unknown> = {}) =>
    credential(DID, 'did:example:alice', {
      '@context': [V2, CUSTOM],
      type: ['VerifiableCredential', 'NationalIdCredential'],
      credentialSubject: { id: 'did:example:alice', nationalIdNumber: 'TT-123' },
      ...extra,
    });

  it('verifies a did:web issuer with the keys and pinned contexts of its recognition list entry', async () => {
    const vc = await issueDi(nationalId(), web);
    const r = await verifyCredential(vc, { now: NOW, policy: { anchors: [anchor.did] }, recognitionLists: [list] });
    expect(r.verified, JSON.stringify(r)).toBe(true);
    if (r.verified) {
      expect(r.recognition).toMatchObject({ source: 'list', country: 'TT', anchor: anchor.did });
      expect(r.checks).toEqual(['dataModel', 'recognition', 'proof', 'validity']);
    }
  });

  it('refuses a type the entry is not accredited for (NOT_RECOGNIZED)', async () => {
    const vc = await issueDi(nationalId({ type: ['VerifiableCredential', 'BirthCertificateCredential'] }), web);
    const r = await verifyCredential(vc, { now: NOW, policy: { anchors: [anchor.did] }, recognitionLists: [list] });
    expect(codes(r)).toEqual(['NOT_RECOGNIZED']);
  });

  it('refuses an issuer on no list (UNTRUSTED_ISSUER)', async () => {
    const stranger = await diSigner('eddsa-rdfc-2022', { seed: 10 });
    const vc = await issueDi(credential(stranger.did, 'did:example:alice'), stranger);
    const r = await verifyCredential(vc, { now: NOW, policy: { anchors: [anchor.did] }, recognitionLists: [list] });
    expect(codes(r)).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('refuses a key the entry does not list, under the issuer DID (KEY_NOT_FOUND)', async () => {
    const impostor = await diSigner('eddsa-rdfc-2022', { seed: 11, did: DID, fragment: 'key-2' });
    const vc = await issueDi(nationalId(), impostor);
    const r = await verifyCredential(vc, { now: NOW, policy: { anchors: [anchor.did] }, recognitionLists: [list] });
    expect(codes(r)).toEqual(['KEY_NOT_FOUND']);
  });

  it('refuses a key the entry lists once its window has closed at the issuance time (UNTRUSTED_ISSUER)', async () => {
    const jwk = await multikeyToJwk(web.publicKeyMultibase);
    const windowed = await recognitionListJwt(anchor, [
      {
        id: DID,
        country: 'TT',
        name: 'Registrar General, Trinidad and Tobago',
        credentialTypes: ['NationalIdCredential'],
        assuranceLevel: 'high',
        keys: [{ ...jwk, kid: '#key-1' }],
        validUntil: '2026-02-01T00:00:00Z',
        contexts: [{ url: CUSTOM, sha256: await contextDigest(CUSTOM_CONTEXT), document: CUSTOM_CONTEXT }],
      },
    ]);
    const policy = { anchors: [anchor.did] };
    const inWindow = await issueDi(nationalId(), web, new Date('2026-01-15T00:00:00Z'));
    expect((await verifyCredential(inWindow, { now: NOW, policy, recognitionLists: [windowed] })).verified).toBe(true);
    // Issued (validFrom and proof.created) after the entry's window.
    const late = await issueDi(nationalId({ validFrom: '2026-03-01T00:00:00Z' }), web, new Date('2026-03-01T00:00:00Z'));
    expect(codes(await verifyCredential(late, { now: NOW, policy, recognitionLists: [windowed] }))).toEqual(['UNTRUSTED_ISSUER']);
  });

  it('refuses a pinned context whose content differs from its pin (MALFORMED)', async () => {
    const forged = { '@context': { ...CUSTOM_CONTEXT['@context'], nationalIdNumber: 'https://evil.example/n' } };
    const jwk = await multikeyToJwk(web.publicKeyMultibase);
    const pinnedWrong = await recognitionListJwt(anchor, [
      {
        id: DID,
        country: 'TT',
        name: 'Registrar General',
        credentialTypes: ['NationalIdCredential'],
        assuranceLevel: 'high',
        keys: [{ ...jwk, kid: '#key-1' }],
        contexts: [{ url: CUSTOM, sha256: await contextDigest(CUSTOM_CONTEXT) }],
      },
    ]);
    const vc = await issueDi(nationalId(), web);
    const r = await verifyCredential(vc, {
      now: NOW,
      policy: { anchors: [anchor.did] },
      recognitionLists: [pinnedWrong],
      dataIntegrity: { contexts: { [CUSTOM]: forged } },
    });
    expect(codes(r)).toEqual(['MALFORMED']);
  });

  it('reads the compatibility mode from the recognition list entry of that issuer only', async () => {
    const jwk = await multikeyToJwk(web.publicKeyMultibase);
    const entry = {
      id: DID,
      country: 'TT',
      name: 'Registrar General',
      credentialTypes: ['*'],
      assuranceLevel: 'high',
      keys: [{ ...jwk, kid: '#key-1' }],
    };
    // Signed with created 8 hours ahead of now: a server clock in another time zone.
    const shifted = await issueDi(credential(DID, 'did:example:alice'), web, new Date('2026-06-01T20:00:00Z'));
    const policy = { anchors: [anchor.did] };
    const strictList = await recognitionListJwt(anchor, [entry]);
    const strict = await verifyCredential(shifted, { now: NOW, policy, recognitionLists: [strictList] });
    expect(codes(strict)).toEqual(['NOT_YET_VALID']);
    const mosipList = await recognitionListJwt(anchor, [{ ...entry, compatibility: 'mosip' }]);
    const compat = await verifyCredential(shifted, { now: NOW, policy, recognitionLists: [mosipList] });
    expect(compat.verified, JSON.stringify(compat)).toBe(true);
    expect(compat.verified ? compat.warnings.map((w) => [w.code, w.path]) : []).toEqual([['COMPATIBILITY', '/proof/created']]);
    // The entry of another issuer on the same list lends it nothing.
    const stranger = await diSigner('eddsa-rdfc-2022', { seed: 13 });
    const otherShifted = await issueDi(credential(stranger.did, 'did:example:alice'), stranger, new Date('2026-06-01T20:00:00Z'));
    const both = await recognitionListJwt(anchor, [
      { ...entry, compatibility: 'mosip' },
      { id: stranger.did, country: 'BB', name: 'Other', credentialTypes: ['*'], assuranceLevel: 'low' },
    ]);
    expect(codes(await verifyCredential(otherShifted, { now: NOW, policy, recognitionLists: [both] }))).toEqual(['NOT_YET_VALID']);
  });
});

/** Signs with a key whose verification method id is `methodId` (an https key document, say). */
async function issueWithMethod(unsigned: Record<string, unknown>, seed: number, methodId: string, controller: string) {
  const { Ed25519VerificationKey2020 } = await import('@digitalbazaar/ed25519-verification-key-2020');
  const { Ed25519Signature2020 } = await import('@digitalbazaar/ed25519-signature-2020');
  const vc = await import('@digitalbazaar/vc');
  const { documentLoader } = await import('./helpers/di-issue.js');
  const key = await Ed25519VerificationKey2020.generate({ seed: new Uint8Array(32).fill(seed), id: methodId, controller });
  const date = new Date('2026-01-01T00:00:00Z');
  return (await vc.issue({
    credential: structuredClone(unsigned),
    suite: new Ed25519Signature2020({ key, date }),
    documentLoader,
    now: date,
  })) as Record<string, unknown>;
}

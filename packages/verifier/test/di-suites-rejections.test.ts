// Every rejection class of verifyDiProof, each fed by a real proof (made by Digital
// Bazaar's suites or jsonld-signatures) that is then bent in one way; and MOSIP's
// ld-signatures-java quirks, reproduced on jsonld-signatures, refused when strict and
// accepted with a named warning under compatibility 'mosip'.
import { createHash } from 'node:crypto';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { secp256k1 } from '@noble/curves/secp256k1';
import { type JsonObject, TradewindError } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DiVerifyProofOptions, verifyDiProof } from '../src/di/proof.js';
import {
  CREATED,
  credentialV1,
  credentialV2,
  documentLoader,
  ecdsaRdfc,
  eddsaRdfc,
  legacyProducer,
  loader,
  NOW,
  type Producer,
  resolverFor,
} from './helpers/di-producers.js';

const options = (...methods: JsonObject[]): DiVerifyProofOptions => ({
  loader,
  resolveMethod: resolverFor(...methods),
  expectedPurpose: 'assertionMethod',
  now: NOW,
  clockSkewSeconds: 60,
  allowHighS: false,
});

async function rejection(p: Promise<unknown>): Promise<[string, string, string | undefined]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TradewindError) return [e.code, e.message, e.path];
    throw e;
  }
  throw new Error('expected a rejection');
}
const codeOf = async (p: Promise<unknown>) => (await rejection(p))[0];

const V2 = 'https://www.w3.org/ns/credentials/v2';
const ED2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';
const SECURITY_V3 = 'https://w3id.org/security/v3';
const withProof = (doc: JsonObject, changes: JsonObject): JsonObject => ({ ...doc, proof: { ...(doc.proof as JsonObject), ...changes } });
const without = (doc: JsonObject, member: string): JsonObject => {
  const { [member]: _gone, ...proof } = doc.proof as JsonObject;
  return { ...doc, proof };
};

let eddsa: Producer;
let signed: JsonObject;
beforeAll(async () => {
  eddsa = await eddsaRdfc();
  signed = await eddsa.sign(credentialV2());
});

describe('proof shape', () => {
  it('no proof, an empty proof set, more than 4 proofs, a proof that is not an object', async () => {
    expect(await rejection(verifyDiProof(credentialV2(), options(eddsa.method)))).toEqual([
      'MALFORMED',
      'the document has no proof',
      '/proof',
    ]);
    expect(await codeOf(verifyDiProof({ ...signed, proof: [] }, options(eddsa.method)))).toBe('MALFORMED');
    const five = Array.from({ length: 5 }, () => signed.proof);
    expect(await codeOf(verifyDiProof({ ...signed, proof: five }, options(eddsa.method)))).toBe('LIMIT_EXCEEDED');
    expect(await codeOf(verifyDiProof({ ...signed, proof: ['x'] }, options(eddsa.method)))).toBe('MALFORMED');
  });

  it('type, proofPurpose, verificationMethod, created, expires, challenge, domain of the wrong shape are MALFORMED', async () => {
    const bad: Array<[JsonObject, string]> = [
      [withProof(signed, { type: 7 }), '/proof/type'],
      [without(signed, 'proofPurpose'), '/proof/proofPurpose'],
      [withProof(signed, { verificationMethod: { id: eddsa.method.id } }), '/proof/verificationMethod'],
      [withProof(signed, { created: '2026-01-01T00:00:00' }), '/proof/created'],
      [withProof(signed, { created: '2026-01-01' }), '/proof/created'],
      [withProof(signed, { expires: 1767225600 }), '/proof/expires'],
      [withProof(signed, { challenge: 42 }), '/proof/challenge'],
      [withProof(signed, { domain: [] }), '/proof/domain'],
      [withProof(signed, { cryptosuite: 5 }), '/proof/cryptosuite'],
    ];
    for (const [doc, path] of bad) {
      const [code, , at] = await rejection(verifyDiProof(doc, options(eddsa.method)));
      expect([code, at]).toEqual(['MALFORMED', path]);
    }
  });

  it('an unknown proof type, cryptosuite or proof purpose is UNSUPPORTED_FORMAT', async () => {
    expect(await codeOf(verifyDiProof(withProof(signed, { type: 'BbsBlsSignature2020' }), options(eddsa.method)))).toBe(
      'UNSUPPORTED_FORMAT',
    );
    expect(await codeOf(verifyDiProof(withProof(signed, { cryptosuite: 'ecdsa-sd-2023' }), options(eddsa.method)))).toBe(
      'UNSUPPORTED_FORMAT',
    );
    expect(await codeOf(verifyDiProof(withProof(signed, { proofPurpose: 'capabilityInvocation' }), options(eddsa.method)))).toBe(
      'UNSUPPORTED_FORMAT',
    );
  });

  it('a proof for another purpose than the expected one is refused', async () => {
    const [code, message] = await rejection(verifyDiProof(signed, { ...options(eddsa.method), expectedPurpose: 'authentication' }));
    expect([code, message]).toEqual(['SIGNATURE_INVALID', 'no proof has the proof purpose authentication']);
  });

  it('the method resolution failing is passed through', async () => {
    const [code] = await rejection(
      verifyDiProof(signed, {
        ...options(),
        resolveMethod: async () => {
          throw new TradewindError('KEY_NOT_FOUND', 'no such key');
        },
      }),
    );
    expect(code).toBe('KEY_NOT_FOUND');
  });
});

describe('signature encoding', () => {
  it('proofValue not multibase base58btc, or not base58 at all, is MALFORMED; a wrong length SIGNATURE_INVALID', async () => {
    const value = (signed.proof as JsonObject).proofValue as string;
    expect(await codeOf(verifyDiProof(withProof(signed, { proofValue: `u${value.slice(1)}` }), options(eddsa.method)))).toBe('MALFORMED');
    expect(await codeOf(verifyDiProof(withProof(signed, { proofValue: `z0OIl${value.slice(5)}` }), options(eddsa.method)))).toBe(
      'MALFORMED',
    );
    expect(await codeOf(verifyDiProof(withProof(signed, { proofValue: 42 }), options(eddsa.method)))).toBe('MALFORMED');
    expect(await codeOf(verifyDiProof(without(signed, 'proofValue'), options(eddsa.method)))).toBe('MALFORMED');
    const short = base58btc.encode(base58btc.decode(value).subarray(0, 63));
    expect(await rejection(verifyDiProof(withProof(signed, { proofValue: short }), options(eddsa.method)))).toEqual([
      'SIGNATURE_INVALID',
      'an EdDSA signature is 64 bytes, not 63',
      '/proof/proofValue',
    ]);
    expect(await codeOf(verifyDiProof(withProof(signed, { jws: 'e30..AA' }), options(eddsa.method)))).toBe('MALFORMED');
  });

  it('a detached JWS that is not b64: false, attached, or with unknown critical parameters is MALFORMED', async () => {
    const p = legacyProducer({ type: 'Ed25519Signature2018', alg: 'EdDSA', kind: 'Ed25519', methodType: 'JsonWebKey2020' });
    const doc = await p.sign(credentialV1());
    expect((await verifyDiProof(doc, options(p.method))).algorithm).toBe('EdDSA');
    const jws = (doc.proof as JsonObject).jws as string;
    const [, sig] = jws.split('..') as [string, string];
    const header = (h: JsonObject) => Buffer.from(JSON.stringify(h)).toString('base64url');
    const variants = [
      `${header({ alg: 'EdDSA' })}..${sig}`,
      `${header({ alg: 'EdDSA', b64: false, crit: ['b64', 'exp'] })}..${sig}`,
      `${header({ alg: 'EdDSA', b64: false })}..${sig}`,
      `${jws.split('..')[0]}.e30.${sig}`,
      'not a jws',
    ];
    for (const v of variants) expect(await codeOf(verifyDiProof(withProof(doc, { jws: v }), options(p.method)))).toBe('MALFORMED');
    expect(await codeOf(verifyDiProof(withProof(without(doc, 'jws'), { proofValue: 'z1111' }), options(p.method)))).toBe('MALFORMED');
  });
});

describe('key type against suite', () => {
  it('eddsa-rdfc-2022 with a P-256 key, ecdsa-rdfc-2019 with an Ed25519 key: UNSUPPORTED_ALGORITHM', async () => {
    const p256 = await ecdsaRdfc('P-256');
    const wrong = { ...p256.method, id: eddsa.method.id };
    expect(await codeOf(verifyDiProof(signed, options(wrong)))).toBe('UNSUPPORTED_ALGORITHM');
    const ecdsaSigned = await p256.sign(credentialV2());
    expect(await codeOf(verifyDiProof(ecdsaSigned, options({ ...eddsa.method, id: p256.method.id })))).toBe('UNSUPPORTED_ALGORITHM');
  });

  it('a JWS alg the key does not sign with, or the suite does not allow: UNSUPPORTED_ALGORITHM', async () => {
    const rsa = legacyProducer({ type: 'RsaSignature2018', alg: 'RS256', kind: 'RSA', methodType: 'RsaVerificationKey2018' });
    const doc = await rsa.sign(credentialV1());
    const [, sig] = ((doc.proof as JsonObject).jws as string).split('..') as [string, string];
    const es256 = `${Buffer.from(JSON.stringify({ alg: 'ES256', b64: false, crit: ['b64'] })).toString('base64url')}..${sig}`;
    expect(await codeOf(verifyDiProof(withProof(doc, { jws: es256 }), options(rsa.method)))).toBe('UNSUPPORTED_ALGORITHM');
    // RsaSignature2018 over an Ed25519 key.
    const ed = legacyProducer({ type: 'RsaSignature2018', alg: 'EdDSA', kind: 'Ed25519', methodType: 'JsonWebKey2020' });
    expect(await codeOf(verifyDiProof(await ed.sign(credentialV1()), options(ed.method)))).toBe('UNSUPPORTED_ALGORITHM');
    // A verification method type that cannot hold the key it carries.
    const k1 = legacyProducer({
      type: 'EcdsaSecp256k1Signature2019',
      alg: 'ES256K',
      kind: 'secp256k1',
      methodType: 'Ed25519VerificationKey2020',
    });
    expect(await codeOf(verifyDiProof(await k1.sign(credentialV1()), options(k1.method)))).toBe('KEY_NOT_FOUND');
  });

  it('RSA keys below 2048 bits are refused', async () => {
    const rsa = legacyProducer({ type: 'RsaSignature2018', alg: 'RS256', kind: 'RSA', methodType: 'RsaVerificationKey2018', bits: 1024 });
    const [code, message] = await rejection(verifyDiProof(await rsa.sign(credentialV1()), options(rsa.method)));
    expect([code, message]).toEqual([
      'KEY_NOT_FOUND',
      `verification method ${rsa.method.id}: RSA keys below 2048 bits are refused (1024 bits)`,
    ]);
  });
});

describe('challenge, domain, created, expires', () => {
  it('challenge: equal verifies; another or none is NONCE_MISMATCH', async () => {
    const auth = await eddsa.sign(credentialV2(), { purpose: 'authentication', challenge: 'n-1', domain: 'verifier.example' });
    const base = { ...options(eddsa.method), expectedPurpose: 'authentication' as const };
    const result = await verifyDiProof(auth, { ...base, challenge: 'n-1', domain: 'verifier.example' });
    expect([result.challenge, result.domain, result.proofPurpose]).toEqual(['n-1', 'verifier.example', 'authentication']);
    expect(await rejection(verifyDiProof(auth, { ...base, challenge: 'n-2' }))).toEqual([
      'NONCE_MISMATCH',
      'the proof challenge is not the expected one',
      '/proof/challenge',
    ]);
    expect(await codeOf(verifyDiProof(without(auth, 'challenge'), { ...base, challenge: 'n-1' }))).toBe('NONCE_MISMATCH');
  });

  it('domain: equal or included verifies; another or none is AUDIENCE_MISMATCH', async () => {
    const auth = await eddsa.sign(credentialV2(), { purpose: 'authentication', challenge: 'n-1', domain: 'verifier.example' });
    const base = { ...options(eddsa.method), expectedPurpose: 'authentication' as const };
    expect(await rejection(verifyDiProof(auth, { ...base, domain: 'other.example' }))).toEqual([
      'AUDIENCE_MISMATCH',
      'the proof domain is not the expected one',
      '/proof/domain',
    ]);
    expect(await codeOf(verifyDiProof(without(auth, 'domain'), { ...base, domain: 'verifier.example' }))).toBe('AUDIENCE_MISMATCH');
  });

  it('expires in the past is EXPIRED; created in the future (beyond the skew) NOT_YET_VALID; within the skew verifies', async () => {
    const doc = await eddsa.sign(credentialV2(), { created: new Date(NOW.getTime() + 30_000) });
    expect((await verifyDiProof(doc, options(eddsa.method))).created?.getTime()).toBe(NOW.getTime() + 30_000);
    const [code, message] = await rejection(verifyDiProof(doc, { ...options(eddsa.method), clockSkewSeconds: 0 }));
    expect(code).toBe('NOT_YET_VALID');
    expect(message).toContain('MOSIP compatibility');
    const far = await eddsa.sign(credentialV2(), { created: new Date(NOW.getTime() + 20 * 3600_000) });
    expect(await rejection(verifyDiProof(far, options(eddsa.method)))).toEqual([
      'NOT_YET_VALID',
      'the proof was created 1199 minutes in the future',
      '/proof/created',
    ]);
    // expires is signed over: the producer puts it in its proof options.
    const expiring = await eddsa.sign(credentialV2(), { expires: new Date(NOW.getTime() - 3600_000) });
    expect(await rejection(verifyDiProof(expiring, options(eddsa.method)))).toEqual(['EXPIRED', 'the proof has expired', '/proof/expires']);
    const valid = await eddsa.sign(credentialV2(), { expires: new Date(NOW.getTime() + 3600_000) });
    expect((await verifyDiProof(valid, options(eddsa.method))).expires).toEqual(new Date(NOW.getTime() + 3600_000));
  });
});

const ed25519Multikey = (jwk: JsonObject) => ({
  publicKeyMultibase: base58btc.encode(Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(jwk.x as string, 'base64url')])),
});
const mosip = (o: DiVerifyProofOptions): DiVerifyProofOptions => ({ ...o, compatibility: 'mosip' });
const NOT_ENABLED = 'which is not enabled for this issuer';

describe("MOSIP compatibility (ld-signatures-java's quirks)", () => {
  it('Ed25519Signature2020 with proof options under security v3: refused strictly, with the diagnosis; accepted under mosip with a warning', async () => {
    const p = legacyProducer({
      type: 'Ed25519Signature2020',
      alg: 'EdDSA',
      kind: 'Ed25519',
      methodType: 'Ed25519VerificationKey2020',
      encoding: 'proofValue',
      method: ed25519Multikey,
      mosip: { proofContext: SECURITY_V3 },
    });
    // Inji's VCDM 2.0 credentials name no suite context: under the document's context the
    // proof type is undefined, under security v3 it is defined.
    const doc = await p.sign(credentialV2());
    expect(await rejection(verifyDiProof(doc, options(p.method)))).toEqual([
      'SIGNATURE_INVALID',
      `the proof verifies only with MOSIP compatibility (proof options canonicalised under ${SECURITY_V3}), ${NOT_ENABLED}`,
      '/proof/proofValue',
    ]);
    const result = await verifyDiProof(doc, mosip(options(p.method)));
    expect(result.warnings).toEqual([
      { code: 'COMPATIBILITY', message: `MOSIP compatibility: proof options canonicalised under ${SECURITY_V3}`, path: '/proof' },
    ]);
    const changed = structuredClone(doc);
    (changed.credentialSubject as JsonObject).name = 'Mallory';
    expect(await codeOf(verifyDiProof(changed, mosip(options(p.method))))).toBe('SIGNATURE_INVALID');
  });

  it('Ed25519Signature2020 under security v3 over a document that names the suite context: the same statements, so strict', async () => {
    const p = legacyProducer({
      type: 'Ed25519Signature2020',
      alg: 'EdDSA',
      kind: 'Ed25519',
      methodType: 'Ed25519VerificationKey2020',
      encoding: 'proofValue',
      method: ed25519Multikey,
      mosip: { proofContext: SECURITY_V3 },
    });
    const doc = await p.sign(credentialV2({ '@context': [V2, ED2020] }));
    expect((await verifyDiProof(doc, options(p.method))).warnings).toEqual([]);
  });

  it('RsaSignature2018 (VCDM 1.1) with proof options under security v3: the same statements as under security v2, so strict', async () => {
    // The VCDM 1.1 context gives RsaSignature2018 `sec:`-prefixed terms it never defines
    // (jsonld-signatures signs those statements); security v2 and v3 expand them, and the
    // suite's original definition (security v2) is tried second, without a warning.
    const p = legacyProducer({
      type: 'RsaSignature2018',
      alg: 'RS256',
      kind: 'RSA',
      methodType: 'RsaVerificationKey2018',
      mosip: { proofContext: SECURITY_V3 },
    });
    const doc = await p.sign(credentialV1());
    expect((await verifyDiProof(doc, options(p.method))).warnings).toEqual([]);
    expect((await verifyDiProof(doc, mosip(options(p.method)))).warnings).toEqual([]);
  });

  it('undefined terms dropped: MALFORMED strictly (with the diagnosis); accepted under mosip with a warning', async () => {
    const p = legacyProducer({
      type: 'Ed25519Signature2018',
      alg: 'EdDSA',
      kind: 'Ed25519',
      methodType: 'JsonWebKey2020',
      mosip: { unsafe: true },
    });
    const doc = await p.sign(credentialV1({ credentialSubject: { id: 'did:example:alice', fullName: 'Alice' } }));
    const [code, message] = await rejection(verifyDiProof(doc, options(p.method)));
    expect(code).toBe('MALFORMED');
    expect(message).toContain(`the proof verifies only with MOSIP compatibility (undefined JSON-LD terms dropped), ${NOT_ENABLED}`);
    const result = await verifyDiProof(doc, mosip(options(p.method)));
    expect(result.warnings.map((w) => w.message)).toEqual(['MOSIP compatibility: undefined JSON-LD terms dropped']);
    // What is defined is still signed for.
    const changed = structuredClone(doc);
    (changed.credentialSubject as JsonObject).id = 'did:example:mallory';
    expect(await codeOf(verifyDiProof(changed, mosip(options(p.method))))).toBe('SIGNATURE_INVALID');
  });

  it('proof options are never canonicalised with terms dropped: a challenge that would fall out of the signature is not accepted', async () => {
    // Ed25519Signature2018 is not defined by the VCDM 2.0 context: with terms dropped its
    // proof options (challenge and domain included) would sign as nothing at all.
    const p = legacyProducer({
      type: 'Ed25519Signature2018',
      alg: 'EdDSA',
      kind: 'Ed25519',
      methodType: 'JsonWebKey2020',
      mosip: { unsafe: true },
    });
    const doc = await p.sign(credentialV2(), { purpose: 'authentication', challenge: 'n-1', domain: 'verifier.example' });
    const auth = { ...mosip(options(p.method)), expectedPurpose: 'authentication' as const };
    expect(await codeOf(verifyDiProof(doc, { ...auth, challenge: 'n-1' }))).toBe('SIGNATURE_INVALID');
    expect(await codeOf(verifyDiProof(withProof(doc, { challenge: 'n-2' }), { ...auth, challenge: 'n-2' }))).toBe('SIGNATURE_INVALID');
  });

  it('both at once: security v3 and undefined terms dropped, each named', async () => {
    const p = legacyProducer({
      type: 'Ed25519Signature2020',
      alg: 'EdDSA',
      kind: 'Ed25519',
      methodType: 'Ed25519VerificationKey2020',
      encoding: 'proofValue',
      method: ed25519Multikey,
      mosip: { unsafe: true, proofContext: SECURITY_V3 },
    });
    const doc = await p.sign(credentialV2({ credentialSubject: { id: 'did:example:alice', fullName: 'Alice' } }));
    expect((await verifyDiProof(doc, mosip(options(p.method)))).warnings.map((w) => w.message)).toEqual([
      `MOSIP compatibility: proof options canonicalised under ${SECURITY_V3}`,
      'MOSIP compatibility: undefined JSON-LD terms dropped',
    ]);
  });

  it('ecdsa-rdfc-2019 with a secp256k1 key: UNSUPPORTED_ALGORITHM strictly; accepted under mosip with a warning', async () => {
    const secret = secp256k1.utils.randomPrivateKey();
    const pub = secp256k1.getPublicKey(secret, true);
    const id = 'did:example:issuer#k1';
    const method = {
      id,
      type: 'EcdsaSecp256k1VerificationKey2019',
      controller: 'did:example:issuer',
      publicKeyHex: Buffer.from(pub).toString('hex'),
    };
    // Digital Bazaar's ecdsa-rdfc-2019 over a signer that says P-256 and signs with secp256k1 (what MOSIP's configuration does).
    const signer = {
      id,
      algorithm: 'P-256',
      sign: async ({ data }: { data: Uint8Array }) =>
        secp256k1.sign(createHash('sha256').update(data).digest(), secret, { lowS: true, prehash: false }).toCompactRawBytes(),
    };
    const jsigs = (await import('jsonld-signatures')).default as unknown as {
      sign(d: unknown, o: unknown): Promise<JsonObject>;
      purposes: { AssertionProofPurpose: new () => unknown };
    };
    const suite = new DataIntegrityProof({ signer, cryptosuite: ecdsaRdfc2019, date: CREATED });
    const doc = await jsigs.sign(credentialV2(), { suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader });
    const [code, message] = await rejection(verifyDiProof(doc, options(method)));
    expect(code).toBe('UNSUPPORTED_ALGORITHM');
    expect(message).toContain('MOSIP compatibility');
    const result = await verifyDiProof(doc, mosip(options(method)));
    expect([result.algorithm, result.warnings.map((w) => w.message)]).toEqual([
      'ES256K',
      ['MOSIP compatibility: ecdsa cryptosuite with a secp256k1 key'],
    ]);
    const changed = structuredClone(doc);
    (changed.credentialSubject as JsonObject).name = 'Mallory';
    expect(await codeOf(verifyDiProof(changed, mosip(options(method))))).toBe('SIGNATURE_INVALID');
  });

  it('created shifted by a time zone: up to 14 h ahead accepted under mosip with a warning saying by how much; beyond, NOT_YET_VALID', async () => {
    const ahead = await eddsa.sign(credentialV2(), { created: new Date(NOW.getTime() + 5.5 * 3600_000) });
    const [code, message] = await rejection(verifyDiProof(ahead, options(eddsa.method)));
    expect([code, message]).toEqual([
      'NOT_YET_VALID',
      `the proof was created 329 minutes in the future; a time-zone shift of created verifies only with MOSIP compatibility, ${NOT_ENABLED}`,
    ]);
    const result = await verifyDiProof(ahead, mosip(options(eddsa.method)));
    expect(result.warnings).toEqual([
      {
        code: 'COMPATIBILITY',
        message: 'MOSIP compatibility: proof created 329 minutes in the future (a time-zone shift of created) accepted',
        path: '/proof/created',
      },
    ]);
    const far = await eddsa.sign(credentialV2(), { created: new Date(NOW.getTime() + 15 * 3600_000) });
    expect(await codeOf(verifyDiProof(far, mosip(options(eddsa.method))))).toBe('NOT_YET_VALID');
  });

  it("the resolution's relaxations become COMPATIBILITY warnings", async () => {
    const resolveMethod = async (vm: string) => ({
      id: vm,
      controller: 'did:example:issuer',
      type: 'Multikey',
      method: eddsa.method,
      relaxations: ['the DID itself, not the verification method, is in the assertionMethod of did:example:issuer'],
    });
    const result = await verifyDiProof(signed, { ...mosip(options()), resolveMethod });
    expect(result.warnings).toEqual([
      {
        code: 'COMPATIBILITY',
        message: 'MOSIP compatibility: the DID itself, not the verification method, is in the assertionMethod of did:example:issuer',
        path: '/proof/verificationMethod',
      },
    ]);
  });

  it('a proof that verifies strictly carries no warning under mosip', async () => {
    expect((await verifyDiProof(signed, mosip(options(eddsa.method)))).warnings).toEqual([]);
  });
});

describe('members jsonld cannot see', () => {
  it('a member named __proto__, anywhere, is MALFORMED (jsonld skips it even in safe mode, so it would ride along unsigned)', async () => {
    const top = JSON.parse(JSON.stringify(signed).replace('{', '{"__proto__":{"verified":true},')) as JsonObject;
    expect(await rejection(verifyDiProof(top, options(eddsa.method)))).toEqual([
      'MALFORMED',
      'a member named __proto__ is not allowed',
      '/__proto__',
    ]);
    const deep = JSON.parse(
      JSON.stringify(signed).replace('"credentialSubject":{', '"credentialSubject":{"__proto__":{"x":1},'),
    ) as JsonObject;
    expect(await rejection(verifyDiProof(deep, mosip(options(eddsa.method))))).toEqual([
      'MALFORMED',
      'a member named __proto__ is not allowed',
      '/credentialSubject/__proto__',
    ]);
    expect(({} as JsonObject).verified).toBeUndefined();
  });
});

describe('never a crash', () => {
  it('any JSON value in any proof member, or as the proof: a TradewindError, never another error, never verified', async () => {
    const fc = await import('fast-check');
    const members = [
      'type',
      'cryptosuite',
      'proofPurpose',
      'verificationMethod',
      'created',
      'expires',
      'challenge',
      'domain',
      'proofValue',
      'jws',
      '@context',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...members, 'proof'), fc.jsonValue({ maxDepth: 3 }), async (member, value) => {
        const doc = member === 'proof' ? { ...signed, proof: value } : withProof(signed, { [member]: value });
        const original = (signed.proof as JsonObject)[member];
        if (member !== 'proof' && JSON.stringify(value) === JSON.stringify(original)) return;
        try {
          await verifyDiProof(doc as JsonObject, mosip(options(eddsa.method)));
          // Only members outside the signature's reach may change: none of these.
          throw new Error(`verified with ${member} = ${JSON.stringify(value)}`);
        } catch (e) {
          if (!(e instanceof TradewindError)) throw e;
        }
      }),
      { numRuns: 150, seed: 13 },
    );
  });
});

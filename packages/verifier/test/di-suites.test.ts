// Every Data Integrity suite against proofs made by independent producers (Digital
// Bazaar's cryptosuites and jsonld-signatures 11's LinkedDataSignature), and against the
// W3C specifications' own test vectors (test/fixtures/di-vectors, see its README).
import { readFileSync } from 'node:fs';
import { type JsonObject, TradewindError } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { type DiVerifyProofOptions, verifyDiProof } from '../src/di/proof.js';
import {
  CREATED,
  credentialV2,
  ecdsaRdfc,
  ed25519Signature2020,
  eddsaRdfc,
  highS,
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

async function rejection(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TradewindError) return [e.code, e.message];
    throw e;
  }
  throw new Error('expected a rejection');
}

const ED2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';
const ORDER: Record<string, bigint> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};

/** Is the proofValue's ECDSA signature high-S (WebCrypto, which the producer uses, emits either at random)? */
function isHighS(proofValue: string, alg: string): boolean {
  const n = ORDER[alg];
  if (n === undefined) return false;
  const sig = base58btc.decode(proofValue);
  return BigInt(`0x${Buffer.from(sig.subarray(sig.length / 2)).toString('hex')}`) > n >> 1n;
}

/** Signs until the signature is low-S (ECDSA); Ed25519 signs once. */
async function signLowS(producer: Producer, doc: JsonObject, alg: string): Promise<JsonObject> {
  for (;;) {
    const signed = await producer.sign(doc);
    if (!isHighS((signed.proof as JsonObject).proofValue as string, alg)) return signed;
  }
}

describe('Digital Bazaar producers', () => {
  const cases: Array<[string, () => Promise<Producer>, () => JsonObject, string]> = [
    ['eddsa-rdfc-2022', () => eddsaRdfc(), () => credentialV2(), 'EdDSA'],
    ['ecdsa-rdfc-2019 P-256', () => ecdsaRdfc('P-256'), () => credentialV2(), 'ES256'],
    ['ecdsa-rdfc-2019 P-384', () => ecdsaRdfc('P-384'), () => credentialV2(), 'ES384'],
    [
      'Ed25519Signature2020',
      () => ed25519Signature2020(),
      () => credentialV2({ '@context': ['https://www.w3.org/ns/credentials/v2', ED2020] }),
      'EdDSA',
    ],
  ];
  for (const [name, make, doc, alg] of cases) {
    it(`${name}: verifies; a changed claim does not`, async () => {
      const producer = await make();
      const signed = await signLowS(producer, doc(), alg);
      const result = await verifyDiProof(signed, options(producer.method));
      expect(result.algorithm).toBe(alg);
      expect(result.warnings).toEqual([]);
      expect(result.created).toEqual(CREATED);
      const changed = structuredClone(signed);
      (changed.credentialSubject as JsonObject).name = 'Mallory';
      expect((await rejection(verifyDiProof(changed, options(producer.method))))[0]).toBe('SIGNATURE_INVALID');
    });
  }
  for (const [curve, alg] of [
    ['P-256', 'ES256'],
    ['P-384', 'ES384'],
  ] as const) {
    it(`ecdsa-rdfc-2019 ${curve}: the high-S twin of a signature is refused unless allowHighS`, async () => {
      const producer = await ecdsaRdfc(curve);
      const signed = await signLowS(producer, credentialV2(), alg);
      const proof = signed.proof as JsonObject;
      const sig = base58btc.decode(proof.proofValue as string);
      const twin = highS(sig, ORDER[alg] as bigint);
      const twinned = { ...signed, proof: { ...proof, proofValue: base58btc.encode(twin) } };
      const [code, message] = await rejection(verifyDiProof(twinned, options(producer.method)));
      expect([code, message]).toEqual(['SIGNATURE_INVALID', `${alg} signature has a high S value (non-canonical; s must be at most n/2)`]);
      expect((await verifyDiProof(twinned, { ...options(producer.method), allowHighS: true })).algorithm).toBe(alg);
    });
  }
});

const vector = (path: string) => JSON.parse(readFileSync(new URL(`./fixtures/di-vectors/${path}`, import.meta.url), 'utf8')) as JsonObject;

/** A did:key verification method (`did:key:z…#z…`) as its Multikey. */
function didKeyMethods(doc: JsonObject): JsonObject[] {
  const proofs = Array.isArray(doc.proof) ? doc.proof : [doc.proof];
  return proofs.map((p) => {
    const id = (p as JsonObject).verificationMethod as string;
    const [controller, multibase] = id.split('#') as [string, string];
    return { id, type: 'Multikey', controller, publicKeyMultibase: multibase };
  });
}

describe('W3C test vectors', () => {
  const vectors: Array<[string, string]> = [
    ['vc-di-eddsa/eddsa-rdfc-2022-signedDataInt.json', 'EdDSA'],
    ['vc-di-eddsa/eddsa-jcs-2022-signedJCS.json', 'EdDSA'],
    ['vc-di-eddsa/Ed25519Signature2020-signedEdSig.json', 'EdDSA'],
    ['vc-di-ecdsa/ecdsa-rdfc-2019-p256-signedECDSAP256.json', 'ES256'],
    ['vc-di-ecdsa/ecdsa-rdfc-2019-p384-signedECDSAP384.json', 'ES384'],
    ['vc-di-ecdsa/ecdsa-jcs-2019-p256-signedJCSECDSAP256.json', 'ES256'],
    ['vc-di-ecdsa/ecdsa-jcs-2019-p384-signedJCSECDSAP384.json', 'ES384'],
  ];
  for (const [path, alg] of vectors) {
    it(`${path} verifies; with a changed claim it does not`, async () => {
      const doc = vector(path);
      const methods = didKeyMethods(doc);
      const proof = doc.proof as JsonObject;
      const high = isHighS(proof.proofValue as string, alg);
      const result = await verifyDiProof(doc, { ...options(...methods), allowHighS: high });
      expect(result.algorithm).toBe(alg);
      expect(result.verificationMethod).toBe(proof.verificationMethod);
      const changed = structuredClone(doc);
      (changed.credentialSubject as JsonObject).alumniOf = 'Another School';
      expect((await rejection(verifyDiProof(changed, { ...options(...methods), allowHighS: high })))[0]).toBe('SIGNATURE_INVALID');
    });
  }

  it('a proof set verifies (every proof); one bad proof in it fails the set', async () => {
    const doc = vector('vc-di-eddsa/proof-set-chain-signedProofSet2.json');
    const methods = didKeyMethods(doc);
    const result = await verifyDiProof(doc, options(...methods));
    expect(result.verificationMethod).toBe(((doc.proof as JsonObject[])[0] as JsonObject).verificationMethod);
    const broken = structuredClone(doc);
    const second = (broken.proof as JsonObject[])[1] as JsonObject;
    second.proofValue = ((doc.proof as JsonObject[])[0] as JsonObject).proofValue;
    const [code, message] = await rejection(verifyDiProof(broken, options(...methods)));
    expect(code).toBe('SIGNATURE_INVALID');
    expect(message).toContain('eddsa-rdfc-2022');
  });

  it("a proof @context that is not a prefix of the document's is refused", async () => {
    const doc = vector('vc-di-eddsa/eddsa-jcs-2022-signedJCS.json');
    const proof = doc.proof as JsonObject;
    const swapped = { ...doc, proof: { ...proof, '@context': ['https://www.w3.org/ns/credentials/examples/v2'] } };
    const [code, message] = await rejection(verifyDiProof(swapped, options(...didKeyMethods(doc))));
    expect([code, message]).toEqual(['SIGNATURE_INVALID', "the proof's @context is not a prefix of the document's"]);
  });

  it('a proof chain (previousProof) is UNSUPPORTED_FORMAT', async () => {
    const doc = vector('vc-di-eddsa/proof-set-chain-signedProofChain2.json');
    const [code, message] = await rejection(verifyDiProof(doc, options(...didKeyMethods(doc))));
    expect([code, message]).toEqual(['UNSUPPORTED_FORMAT', 'proof chains (previousProof) are not supported']);
  });

  it('a proof set with no proof of the expected purpose is refused', async () => {
    const doc = vector('vc-di-eddsa/proof-set-chain-signedProofSet2.json');
    const [code] = await rejection(verifyDiProof(doc, { ...options(...didKeyMethods(doc)), expectedPurpose: 'authentication' }));
    expect(code).toBe('SIGNATURE_INVALID');
  });
});

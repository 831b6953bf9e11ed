// dataIntegritySigningInput: the bytes an issuer or a wallet signs. Byte for byte what
// Digital Bazaar's suites and jsonld-signatures compute for the same document and proof
// options, what the W3C test vectors were signed over, and what verifyDiProof accepts.

import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { type JsonObject, TradewindError } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { dataIntegritySigningInput, encodeProofValue, verifyDiProof } from '../src/di/public.js';
import { credentialV1, credentialV2, documentLoader, loader, lowS, NOW, resolverFor } from './helpers/di-producers.js';

const ISSUER = 'did:example:issuer';
const ED2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';
const proofOptions = (type: string, cryptosuite: string | undefined, vm: string): JsonObject => ({
  type,
  ...(cryptosuite ? { cryptosuite } : {}),
  created: '2026-01-01T00:00:00Z',
  verificationMethod: vm,
  proofPurpose: 'assertionMethod',
});
const vector = (path: string) => JSON.parse(readFileSync(new URL(`./fixtures/di-vectors/${path}`, import.meta.url), 'utf8')) as JsonObject;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('the same bytes as the independent producers', () => {
  it("eddsa-rdfc-2022 and ecdsa-rdfc-2019: Digital Bazaar's DataIntegrityProof.createVerifyData", async () => {
    for (const [name, cryptosuite] of [
      ['eddsa-rdfc-2022', eddsaRdfc2022],
      ['ecdsa-rdfc-2019', ecdsaRdfc2019],
    ] as const) {
      const doc = credentialV2();
      const proof = proofOptions('DataIntegrityProof', name, `${ISSUER}#k`);
      const theirs = await new DataIntegrityProof({ cryptosuite }).createVerifyData({ document: doc, proof: { ...proof }, documentLoader });
      expect(hex(await dataIntegritySigningInput(doc, proof, { loader }))).toBe(hex(theirs));
    }
  });

  it("Ed25519Signature2020: jsonld-signatures' LinkedDataSignature.createVerifyData (the suite's)", async () => {
    const doc = credentialV2({ '@context': ['https://www.w3.org/ns/credentials/v2', ED2020] });
    const proof = proofOptions('Ed25519Signature2020', undefined, `${ISSUER}#k`);
    const suite = new Ed25519Signature2020({ verificationMethod: `${ISSUER}#k` } as never);
    const theirs = await (suite as unknown as { createVerifyData(o: unknown): Promise<Uint8Array> }).createVerifyData({
      document: doc,
      proof: { ...proof },
      documentLoader,
    });
    expect(hex(await dataIntegritySigningInput(doc, proof, { loader }))).toBe(hex(theirs));
  });

  it('the W3C vectors (eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020) were signed over exactly these bytes', async () => {
    const { publicKeyMultibase } = vector('vc-di-eddsa/keyPair.json') as { publicKeyMultibase: string };
    const raw = base58btc.decode(publicKeyMultibase).subarray(2);
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
    for (const path of ['eddsa-rdfc-2022-signedDataInt.json', 'eddsa-jcs-2022-signedJCS.json', 'Ed25519Signature2020-signedEdSig.json']) {
      const { proof, ...doc } = vector(`vc-di-eddsa/${path}`);
      const { proofValue, ...options } = proof as JsonObject;
      const data = await dataIntegritySigningInput(doc, options, { loader });
      expect(verify(null, data, key, base58btc.decode(proofValue as string))).toBe(true);
    }
  });
});

describe('signing with it', () => {
  it('Ed25519 and P-256 proofs made from the signing input verify, here and with Digital Bazaar', async () => {
    const ed = generateKeyPairSync('ed25519');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const edRaw = Buffer.from((ed.publicKey.export({ format: 'jwk' }) as JsonObject).x as string, 'base64url');
    const p256Jwk = p256.publicKey.export({ format: 'jwk' }) as JsonObject;
    const p256Compressed = Buffer.concat([
      Buffer.from([0x80, 0x24, (Buffer.from(p256Jwk.y as string, 'base64url').at(-1) as number) & 1 ? 3 : 2]),
      Buffer.from(p256Jwk.x as string, 'base64url'),
    ]);
    const cases = [
      {
        suite: 'eddsa-rdfc-2022',
        key: ed,
        publicKeyMultibase: base58btc.encode(Buffer.concat([Buffer.from([0xed, 0x01]), edRaw])),
        cryptosuite: eddsaRdfc2022,
      },
      { suite: 'ecdsa-rdfc-2019', key: p256, publicKeyMultibase: base58btc.encode(p256Compressed), cryptosuite: ecdsaRdfc2019 },
    ];
    for (const c of cases) {
      const vm = `${ISSUER}#${c.suite}`;
      const method = { id: vm, type: 'Multikey', controller: ISSUER, publicKeyMultibase: c.publicKeyMultibase };
      const doc = credentialV2();
      const proof = proofOptions('DataIntegrityProof', c.suite, vm);
      const data = await dataIntegritySigningInput(doc, proof, { loader });
      const signature =
        c.suite === 'eddsa-rdfc-2022'
          ? new Uint8Array(sign(null, data, c.key.privateKey))
          : lowS(new Uint8Array(sign('sha256', data, { key: c.key.privateKey, dsaEncoding: 'ieee-p1363' })), 'P-256');
      const signed = { ...doc, proof: { ...proof, proofValue: encodeProofValue(signature) } };
      const ours = await verifyDiProof(signed, {
        loader,
        resolveMethod: resolverFor(method),
        expectedPurpose: 'assertionMethod',
        now: NOW,
        clockSkewSeconds: 60,
        allowHighS: false,
      });
      expect(ours.verificationMethod).toBe(vm);
      // Digital Bazaar's verifier, with the method and its controller document from the loader.
      const controller = {
        '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
        id: ISSUER,
        verificationMethod: [method],
        assertionMethod: [vm],
      };
      const withDocs = async (url: string) => {
        if (url === ISSUER) return { contextUrl: null, documentUrl: url, document: controller };
        if (url === vm)
          return { contextUrl: null, documentUrl: url, document: { '@context': 'https://w3id.org/security/multikey/v1', ...method } };
        return documentLoader(url);
      };
      const jsigs = (await import('jsonld-signatures')).default as unknown as {
        verify(d: unknown, o: unknown): Promise<{ verified: boolean; error?: unknown }>;
        purposes: { AssertionProofPurpose: new () => unknown };
      };
      const theirs = await jsigs.verify(signed, {
        suite: new DataIntegrityProof({ cryptosuite: c.cryptosuite }),
        purpose: new jsigs.purposes.AssertionProofPurpose(),
        documentLoader: withDocs,
      });
      expect(theirs.verified).toBe(true);
    }
  });

  it('encodeProofValue is multibase base58btc', () => {
    const sig = new Uint8Array(64).map((_, i) => i);
    expect(encodeProofValue(sig).startsWith('z')).toBe(true);
    expect(Buffer.from(base58btc.decode(encodeProofValue(sig))).equals(Buffer.from(sig))).toBe(true);
  });
});

describe('refusals', () => {
  const code = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (e) {
      if (e instanceof TradewindError) return e.code;
      throw e;
    }
    throw new Error('expected a refusal');
  };

  it('another suite, a proof that already has a signature, no proof object: INVALID_ARGUMENT', async () => {
    const doc = credentialV1();
    expect(await code(dataIntegritySigningInput(doc, proofOptions('RsaSignature2018', undefined, `${ISSUER}#k`), { loader }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(await code(dataIntegritySigningInput(doc, proofOptions('DataIntegrityProof', 'ecdsa-sd-2023', `${ISSUER}#k`), { loader }))).toBe(
      'INVALID_ARGUMENT',
    );
    expect(
      await code(
        dataIntegritySigningInput(
          doc,
          { ...proofOptions('DataIntegrityProof', 'eddsa-rdfc-2022', `${ISSUER}#k`), proofValue: 'z1' },
          { loader },
        ),
      ),
    ).toBe('INVALID_ARGUMENT');
    expect(await code(dataIntegritySigningInput(doc, null as unknown as JsonObject, { loader }))).toBe('INVALID_ARGUMENT');
  });

  it('a document with an undefined term, or a context not available offline: MALFORMED (nothing is signed that would not verify)', async () => {
    const proof = proofOptions('DataIntegrityProof', 'eddsa-rdfc-2022', `${ISSUER}#k`);
    expect(
      await code(dataIntegritySigningInput(credentialV1({ credentialSubject: { id: 'did:example:a', fullName: 'A' } }), proof, { loader })),
    ).toBe('MALFORMED');
    expect(
      await code(
        dataIntegritySigningInput(
          credentialV2({ '@context': ['https://www.w3.org/ns/credentials/v2', 'https://example.org/ctx'] }),
          proof,
          { loader },
        ),
      ),
    ).toBe('MALFORMED');
  });

  it('a proof member of the document is ignored (the signing input covers the document without it)', async () => {
    const proof = proofOptions('DataIntegrityProof', 'eddsa-rdfc-2022', `${ISSUER}#k`);
    const doc = credentialV2();
    expect(hex(await dataIntegritySigningInput({ ...doc, proof: { type: 'Other' } }, proof, { loader }))).toBe(
      hex(await dataIntegritySigningInput(doc, proof, { loader })),
    );
  });
});

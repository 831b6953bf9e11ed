// The Linked Data signature suites (detached JWS with b64: false, and the proofValue
// of EcdsaSecp256r1Signature2019), their proofs made by jsonld-signatures 11's
// LinkedDataSignature (its createVerifyData), signed with node:crypto or @noble/curves.
import { type JsonObject, TradewindError } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../src/crypto/node.js';
import { webCrypto } from '../src/crypto/web.js';
import { type DiVerifyProofOptions, verifyDiProof } from '../src/di/proof.js';
import { credentialV1, type LegacyKind, legacyProducer, loader, NOW, resolverFor } from './helpers/di-producers.js';

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

const SEC_V2 = 'https://w3id.org/security/v2';
const JWS_2020 = 'https://w3id.org/security/suites/jws-2020/v1';
const V1 = 'https://www.w3.org/2018/credentials/v1';
const b58 = (jwk: JsonObject, field: 'x') => base58btc.baseEncode(Buffer.from(jwk[field] as string, 'base64url'));
const uncompressed = (jwk: JsonObject) =>
  Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x as string, 'base64url'), Buffer.from(jwk.y as string, 'base64url')]);
const compressedP256Multikey = (jwk: JsonObject) => {
  const y = Buffer.from(jwk.y as string, 'base64url');
  const prefix = (y[31] as number) & 1 ? 3 : 2;
  return base58btc.encode(Buffer.concat([Buffer.from([0x80, 0x24, prefix]), Buffer.from(jwk.x as string, 'base64url')]));
};

interface Case {
  name: string;
  type: string;
  alg: string;
  kind: LegacyKind;
  methodType: string;
  context: Array<string>;
  encoding?: 'jws' | 'proofValue';
  method?: (jwk: JsonObject) => JsonObject;
}

const CASES: Case[] = [
  {
    name: 'Ed25519Signature2018 (Ed25519VerificationKey2018, publicKeyBase58)',
    type: 'Ed25519Signature2018',
    alg: 'EdDSA',
    kind: 'Ed25519',
    methodType: 'Ed25519VerificationKey2018',
    context: [V1],
    method: (jwk) => ({ publicKeyBase58: b58(jwk, 'x') }),
  },
  {
    name: 'RsaSignature2018 RS256 (RsaVerificationKey2018, publicKeyPem)',
    type: 'RsaSignature2018',
    alg: 'RS256',
    kind: 'RSA',
    methodType: 'RsaVerificationKey2018',
    context: [V1],
    method: 'pem' as unknown as Case['method'],
  },
  {
    name: 'RsaSignature2018 PS256 (publicKeyJwk)',
    type: 'RsaSignature2018',
    alg: 'PS256',
    kind: 'RSA',
    methodType: 'RsaVerificationKey2018',
    context: [V1],
  },
  {
    name: 'EcdsaSecp256k1Signature2019 (EcdsaSecp256k1VerificationKey2019, publicKeyJwk)',
    type: 'EcdsaSecp256k1Signature2019',
    alg: 'ES256K',
    kind: 'secp256k1',
    methodType: 'EcdsaSecp256k1VerificationKey2019',
    context: [V1],
  },
  {
    name: 'EcdsaSecp256k1Signature2019 (publicKeyHex)',
    type: 'EcdsaSecp256k1Signature2019',
    alg: 'ES256K',
    kind: 'secp256k1',
    methodType: 'EcdsaSecp256k1VerificationKey2019',
    context: [V1],
    method: (jwk) => ({ publicKeyHex: uncompressed(jwk).toString('hex') }),
  },
  {
    name: 'EcdsaKoblitzSignature2016 (publicKeyBase58)',
    type: 'EcdsaKoblitzSignature2016',
    alg: 'ES256K',
    kind: 'secp256k1',
    methodType: 'EcdsaSecp256k1VerificationKey2019',
    context: [SEC_V2, V1],
    method: (jwk) => ({ publicKeyBase58: base58btc.baseEncode(uncompressed(jwk)) }),
  },
  {
    name: 'EcdsaSecp256r1Signature2019 (proofValue; EcdsaSecp256r1VerificationKey2019, publicKeyMultibase)',
    type: 'EcdsaSecp256r1Signature2019',
    alg: 'ES256',
    kind: 'P-256',
    methodType: 'EcdsaSecp256r1VerificationKey2019',
    context: [V1],
    encoding: 'proofValue',
    method: (jwk) => ({ publicKeyMultibase: compressedP256Multikey(jwk) }),
  },
  ...(['Ed25519', 'P-256', 'P-384', 'secp256k1', 'RSA'] as const).flatMap((kind): Case[] => {
    const algs = { Ed25519: ['EdDSA'], 'P-256': ['ES256'], 'P-384': ['ES384'], secp256k1: ['ES256K'], RSA: ['RS256', 'PS256'] }[kind];
    return algs.map((alg) => ({
      name: `JsonWebSignature2020 ${alg} (JsonWebKey2020)`,
      type: 'JsonWebSignature2020',
      alg,
      kind,
      methodType: 'JsonWebKey2020',
      context: [V1, JWS_2020],
    }));
  }),
];

function producerFor(c: Case) {
  return legacyProducer({
    type: c.type,
    alg: c.alg,
    kind: c.kind,
    methodType: c.methodType,
    ...(c.encoding ? { encoding: c.encoding } : {}),
    ...(c.method && (c.method as unknown) !== 'pem' ? { method: c.method } : {}),
  });
}

async function withPem(c: Case, p: ReturnType<typeof producerFor>): Promise<JsonObject> {
  if ((c.method as unknown) !== 'pem' || !p.privateKey) return p.method;
  const { createPublicKey } = await import('node:crypto');
  const pem = createPublicKey(p.privateKey).export({ format: 'pem', type: 'spki' }) as string;
  const { publicKeyJwk: _jwk, ...rest } = p.method;
  return { ...rest, publicKeyPem: pem };
}

describe('Linked Data signature suites by jsonld-signatures 11', () => {
  for (const c of CASES) {
    it(`${c.name}: verifies (node:crypto and WebCrypto); a changed claim does not`, async () => {
      const p = producerFor(c);
      const method = await withPem(c, p);
      const signed = await p.sign(credentialV1({ '@context': c.context }));
      for (const crypto of [nodeCrypto, webCrypto]) {
        const result = await verifyDiProof(signed, { ...options(method), crypto });
        expect(result.algorithm).toBe(c.alg);
        expect(result.type).toBe(c.type);
        expect(result.warnings).toEqual([]);
      }
      const changed = structuredClone(signed);
      (changed.credentialSubject as JsonObject).id = 'did:example:mallory';
      expect((await rejection(verifyDiProof(changed, options(method))))[0]).toBe('SIGNATURE_INVALID');
    });
  }
});

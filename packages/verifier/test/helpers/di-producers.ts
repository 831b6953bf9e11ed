// Data Integrity proofs made by independent producers, offline: Digital Bazaar's
// @digitalbazaar/vc with its cryptosuites (eddsa-rdfc-2022, ecdsa-rdfc-2019 on P-256 and
// P-384, Ed25519Signature2020), and jsonld-signatures 11 itself for the detached-JWS
// suites: its LinkedDataSignature builds the verify data (createVerifyData), the subclass
// here only signs it with node:crypto or @noble/curves, as the suites' own packages do.

import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createRequire } from 'node:module';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { secp256k1 } from '@noble/curves/secp256k1';
import { base64urlEncode, type JsonObject } from '@tradewind/core';
import { createDocumentLoader } from '../../src/di/loader.js';
import type { DiMethod } from '../../src/di/proof.js';

const require = createRequire(import.meta.url);
const jsigs = require('jsonld-signatures') as {
  sign(doc: unknown, o: unknown): Promise<JsonObject>;
  suites: { LinkedDataSignature: new (o: unknown) => object };
  purposes: { AssertionProofPurpose: new () => unknown; AuthenticationProofPurpose: new (o: unknown) => unknown };
};

/** The verifier's own static loader: producers and verifier read the same contexts. */
export const loader = createDocumentLoader();
export const documentLoader = (url: string) => loader(url);

export const V1 = 'https://www.w3.org/2018/credentials/v1';
export const V2 = 'https://www.w3.org/ns/credentials/v2';
export const NOW = new Date('2026-06-01T00:00:00Z');
export const CREATED = new Date('2026-01-01T00:00:00Z');

export interface SignOptions {
  purpose?: 'assertionMethod' | 'authentication';
  challenge?: string;
  domain?: string;
  created?: Date;
  /** A proof `expires` (Data Integrity cryptosuites only). */
  expires?: Date;
}

/** A DataIntegrityProof suite of Digital Bazaar's, with `expires` in its proof options when asked. */
function dataIntegrity(signer: unknown, cryptosuite: unknown, o: SignOptions): unknown {
  const suite = new DataIntegrityProof({ signer, cryptosuite, date: o.created ?? CREATED });
  if (o.expires) (suite as { proof?: JsonObject }).proof = { expires: o.expires.toISOString().replace(/\.\d{3}Z$/, 'Z') };
  return suite;
}

export interface Producer {
  method: JsonObject;
  /** Signs `doc` with this producer's suite. */
  sign(doc: JsonObject, options?: SignOptions): Promise<JsonObject>;
}

export function resolverFor(...methods: JsonObject[]) {
  const byId = new Map(methods.map((m) => [m.id as string, m]));
  return async (vm: string): Promise<DiMethod> => {
    const method = byId.get(vm);
    if (!method) throw Object.assign(new Error(`no method ${vm}`), { code: 'KEY_NOT_FOUND' });
    return { id: vm, controller: method.controller as string, type: method.type as string, method };
  };
}

function purposeOf(o: { purpose?: string; challenge?: string; domain?: string }) {
  if (o.purpose === 'authentication')
    return new jsigs.purposes.AuthenticationProofPurpose({ challenge: o.challenge ?? 'c', domain: o.domain });
  return new jsigs.purposes.AssertionProofPurpose();
}

async function dbSign(doc: JsonObject, suite: unknown, o: { purpose?: string; challenge?: string; domain?: string }): Promise<JsonObject> {
  return jsigs.sign(structuredClone(doc), { suite, purpose: purposeOf(o), documentLoader });
}

/** eddsa-rdfc-2022 (Multikey) by @digitalbazaar/eddsa-rdfc-2022-cryptosuite. */
export async function eddsaRdfc(controller = 'did:example:issuer'): Promise<Producer> {
  const key = await Ed25519Multikey.generate({ controller });
  key.id = `${controller}#ed`;
  const method = { id: key.id, type: 'Multikey', controller, publicKeyMultibase: key.publicKeyMultibase };
  return {
    method,
    sign: (doc, o = {}) => dbSign(doc, dataIntegrity(key.signer(), eddsaRdfc2022, o), o),
  };
}

/** ecdsa-rdfc-2019 (Multikey, P-256 or P-384) by @digitalbazaar/ecdsa-rdfc-2019-cryptosuite. */
export async function ecdsaRdfc(curve: 'P-256' | 'P-384', controller = 'did:example:issuer'): Promise<Producer> {
  const key = await EcdsaMultikey.generate({ curve, controller, id: `${controller}#${curve}` });
  const method = { id: key.id, type: 'Multikey', controller, publicKeyMultibase: key.publicKeyMultibase };
  return {
    method,
    sign: (doc, o = {}) => dbSign(doc, dataIntegrity(key.signer(), ecdsaRdfc2019, o), o),
  };
}

/** Ed25519Signature2020 by @digitalbazaar/ed25519-signature-2020. */
export async function ed25519Signature2020(controller = 'did:example:issuer'): Promise<Producer> {
  const key = await Ed25519VerificationKey2020.generate({ controller, id: `${controller}#ed2020` });
  const method = { id: key.id, type: 'Ed25519VerificationKey2020', controller, publicKeyMultibase: key.publicKeyMultibase };
  return { method, sign: (doc, o = {}) => dbSign(doc, new Ed25519Signature2020({ key, date: o.created ?? CREATED }), o) };
}

/** Raw signature over bytes: what a suite's signer does with the verify data (or JWS signing input). */
type RawSigner = (data: Uint8Array) => Uint8Array;

/**
 * A suite on jsonld-signatures' LinkedDataSignature: its createVerifyData (proof options
 * with the document's @context, RDFC, SHA-256 ‖ SHA-256); `sign` puts a detached JWS
 * (b64: false) or a multibase proofValue in the proof, as the 2018/2019 suites do.
 */
function legacySuite(
  type: string,
  verificationMethod: string,
  signer: RawSigner,
  encoding: { jws: string } | 'proofValue',
  created: Date,
  mosip: MosipQuirks = {},
  contextUrl = 'https://www.w3.org/2018/credentials/v1',
) {
  const Base = jsigs.suites.LinkedDataSignature as unknown as new (
    o: unknown,
  ) => {
    createVerifyData(o: unknown): Promise<Uint8Array>;
    canonize(input: unknown, o: unknown): Promise<string>;
    canonizeProof(proof: JsonObject, o: unknown): Promise<string>;
  };
  class Suite extends Base {
    /** ld-signatures-java (MOSIP): the proof options under security v3 only, not the document's context. */
    override async canonizeProof(proof: JsonObject, o: { documentLoader: unknown }) {
      if (!mosip.proofContext) return super.canonizeProof(proof, o);
      const { jws: _j, proofValue: _p, ...options } = proof;
      return this.canonize({ ...options, '@context': mosip.proofContext }, { documentLoader: javaV3Loader, skipExpansion: false });
    }
    async sign({ verifyData, proof }: { verifyData: Uint8Array; proof: JsonObject }) {
      if (encoding === 'proofValue') {
        const { base58btc } = await import('multiformats/bases/base58');
        proof.proofValue = base58btc.encode(signer(verifyData));
        return proof;
      }
      const header = base64urlEncode(new TextEncoder().encode(JSON.stringify({ alg: encoding.jws, b64: false, crit: ['b64'] })));
      const input = new Uint8Array([...new TextEncoder().encode(`${header}.`), ...verifyData]);
      proof.jws = `${header}..${base64urlEncode(signer(input))}`;
      return proof;
    }
  }
  // The signer's id is the proof's verificationMethod; contextUrl is the document's first
  // context (jsonld-signatures insists a suite names one the document has).
  return new Suite({
    type,
    date: created,
    // ld-signatures-java (MOSIP): undefined terms dropped rather than refused.
    ...(mosip.unsafe ? { canonizeOptions: { safe: false } } : {}),
    contextUrl,
    signer: {
      id: verificationMethod,
      algorithm: typeof encoding === 'string' ? 'ES256' : encoding.jws,
      sign: async () => new Uint8Array(),
    },
  });
}

export type LegacyKind = 'Ed25519' | 'P-256' | 'P-384' | 'secp256k1' | 'RSA';

/** A key pair and its raw signer per JOSE algorithm. */
export function legacyKey(
  kind: LegacyKind,
  bits = 2048,
): { publicJwk: JsonObject; signer: (alg: string) => RawSigner; privateKey?: KeyObject } {
  if (kind === 'secp256k1') {
    const secret = secp256k1.utils.randomPrivateKey();
    const pub = secp256k1.getPublicKey(secret, false);
    return {
      publicJwk: { kty: 'EC', crv: 'secp256k1', x: base64urlEncode(pub.subarray(1, 33)), y: base64urlEncode(pub.subarray(33)) },
      signer: () => (data) => {
        const digest = new Uint8Array(require('node:crypto').createHash('sha256').update(data).digest());
        return secp256k1.sign(digest, secret, { lowS: true, prehash: false }).toCompactRawBytes();
      },
    };
  }
  const { publicKey, privateKey } =
    kind === 'Ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'RSA'
        ? generateKeyPairSync('rsa', { modulusLength: bits })
        : generateKeyPairSync('ec', { namedCurve: kind === 'P-256' ? 'prime256v1' : 'secp384r1' });
  const publicJwk = publicKey.export({ format: 'jwk' }) as JsonObject;
  return {
    publicJwk,
    privateKey,
    signer: (alg) => (data) => {
      switch (alg) {
        case 'EdDSA':
          return new Uint8Array(sign(null, data, privateKey));
        case 'ES256':
        case 'ES384':
          return lowS(
            new Uint8Array(sign(alg === 'ES256' ? 'sha256' : 'sha384', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })),
            kind,
          );
        case 'RS256':
          return new Uint8Array(sign('sha256', data, privateKey));
        case 'PS256':
          return new Uint8Array(sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
        default:
          throw new Error(alg);
      }
    },
  };
}

const ORDERS: Record<string, bigint> = {
  'P-256': 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  'P-384': 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
};
/** The low-S twin of an ECDSA signature (verifiers refuse high S). */
export function lowS(sig: Uint8Array, kind: string): Uint8Array {
  const n = ORDERS[kind] as bigint;
  const size = sig.length / 2;
  const s = BigInt(`0x${Buffer.from(sig.subarray(size)).toString('hex')}`);
  if (s <= n >> 1n) return sig;
  return highS(sig, n);
}
/** (r, n - s): the other valid signature. */
export function highS(sig: Uint8Array, n: bigint): Uint8Array {
  const size = sig.length / 2;
  const s = BigInt(`0x${Buffer.from(sig.subarray(size)).toString('hex')}`);
  const out = new Uint8Array(sig);
  out.set(Buffer.from((n - s).toString(16).padStart(size * 2, '0'), 'hex'), size);
  return out;
}

/**
 * Security v3 as MOSIP's Java JSON-LD processor reads it: it lets Ed25519Signature2020's
 * scoped `proofValue` redefine the protected top-level one, which `jsonld` refuses. Proof
 * options carry no proofValue, so leaving the top-level term out gives the same statements.
 */
async function javaV3Loader(url: string) {
  const remote = await loader(url);
  if (url !== 'https://w3id.org/security/v3') return remote;
  const document = structuredClone(remote.document) as JsonObject;
  for (const c of ([] as unknown[]).concat(document['@context'])) if (c && typeof c === 'object') delete (c as JsonObject).proofValue;
  return { ...remote, document };
}

/** How MOSIP's ld-signatures-java departs from jsonld-signatures (see the verifier's MOSIP compatibility). */
export interface MosipQuirks {
  proofContext?: string;
  unsafe?: boolean;
}

/**
 * A legacy (LD signatures) producer: `type` signed with `alg` under a key of `kind`,
 * its verification method of `methodType` (the key as JWK unless `method` is given).
 */
export function legacyProducer(options: {
  type: string;
  alg: string;
  kind: LegacyKind;
  methodType: string;
  encoding?: 'jws' | 'proofValue';
  controller?: string;
  method?: (publicJwk: JsonObject) => JsonObject;
  bits?: number;
  mosip?: MosipQuirks;
}): Producer & { publicJwk: JsonObject; privateKey?: KeyObject; rawSigner: RawSigner } {
  const controller = options.controller ?? 'did:example:issuer';
  const key = legacyKey(options.kind, options.bits);
  const id = `${controller}#${options.type}-${options.alg}`;
  const method = {
    id,
    type: options.methodType,
    controller,
    ...(options.method ? options.method(key.publicJwk) : { publicKeyJwk: key.publicJwk }),
  };
  const rawSigner = key.signer(options.alg);
  return {
    method,
    publicJwk: key.publicJwk,
    ...(key.privateKey ? { privateKey: key.privateKey } : {}),
    rawSigner,
    sign: (doc, o = {}) =>
      dbSign(
        doc,
        legacySuite(
          options.type,
          id,
          rawSigner,
          options.encoding === 'proofValue' ? 'proofValue' : { jws: options.alg },
          o.created ?? CREATED,
          options.mosip,
          ([] as unknown[]).concat(doc['@context'])[0] as string,
        ),
        o,
      ),
  };
}

/** A VCDM 1.1 credential (its context defines the 2018/2019 proof types). */
export function credentialV1(extra: JsonObject = {}): JsonObject {
  return {
    '@context': [V1],
    id: 'urn:uuid:5c8e3f52-0c1d-4bb4-9d2f-6a1b8f0a7c11',
    type: ['VerifiableCredential'],
    issuer: 'did:example:issuer',
    issuanceDate: '2026-01-01T00:00:00Z',
    // The VCDM 1.1 context defines no claims: the subject is its id.
    credentialSubject: { id: 'did:example:alice' },
    ...extra,
  };
}

/** A VCDM 2.0 credential. */
export function credentialV2(extra: JsonObject = {}): JsonObject {
  return {
    '@context': [V2],
    id: 'urn:uuid:0b6d1d2e-8f0a-4f57-9a43-5d0f7b2f9e21',
    type: ['VerifiableCredential'],
    issuer: 'did:example:issuer',
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'did:example:alice', name: 'Alice' },
    ...extra,
  };
}

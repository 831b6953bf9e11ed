// The proof suites: how each turns a document and its proof into the bytes that were
// signed (RDF canonicalisation or JCS, then hashes), how it encodes the signature
// (multibase `proofValue` or a detached JWS with an unencoded payload, RFC 7797), and
// which key types and algorithms it allows.
import { secp256k1 } from '@noble/curves/secp256k1';
import { base64urlDecode, checkSignatureEncoding, type JsonObject, TradewindError, utf8Decode, utf8Encode } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import type { CryptoBackend, DiBackendAlgorithm, DigestAlgorithm } from '../crypto/backend.js';
import { webCrypto } from '../crypto/web.js';
import { type CanonizeOptions, canonizeRdfc } from './canonize.js';
import { jcs } from './jcs.js';
import type { DiKey, DiKeyFamily } from './keys.js';
import type { DocumentLoader } from './loader.js';

/** The signature algorithms of Data Integrity proofs. RS256, PS256, ES256K and ES384 exist only here. */
export type DiAlgorithm = 'EdDSA' | 'ES256' | 'ES384' | 'ES256K' | 'RS256' | 'PS256';

/** Security vocabulary v2: the context older LD-signature producers put proof options under. */
export const SECURITY_V2 = 'https://w3id.org/security/v2';
const VCDM_V1 = 'https://www.w3.org/2018/credentials/v1';
/** Security vocabulary v3 (v3-unstable): MOSIP's ld-signatures-java puts proof options under it. */
export const SECURITY_V3 = 'https://w3id.org/security/v3';

type Algorithms = Partial<Record<DiKeyFamily, readonly DiAlgorithm[]>>;

interface Suite {
  /** `cryptosuite`: the Data Integrity spec's proof configuration; `legacy`: LD signatures' proof options. */
  kind: 'cryptosuite' | 'legacy';
  canon: 'rdfc' | 'jcs';
  value: 'proofValue' | 'jws';
  algorithms: Algorithms;
  /** Allowed only with MOSIP compatibility (its ecdsa cryptosuites over secp256k1). */
  mosipAlgorithms?: Algorithms;
}

const EDDSA: Algorithms = { Ed25519: ['EdDSA'] };
const ECDSA: Algorithms = { 'P-256': ['ES256'], 'P-384': ['ES384'] };
const K1: Algorithms = { secp256k1: ['ES256K'] };

/** Every suite verified, by `type` (and `cryptosuite` for DataIntegrityProof). */
export const SUITES: Readonly<Record<string, Suite>> = {
  'DataIntegrityProof/eddsa-rdfc-2022': { kind: 'cryptosuite', canon: 'rdfc', value: 'proofValue', algorithms: EDDSA },
  'DataIntegrityProof/ecdsa-rdfc-2019': { kind: 'cryptosuite', canon: 'rdfc', value: 'proofValue', algorithms: ECDSA, mosipAlgorithms: K1 },
  'DataIntegrityProof/eddsa-jcs-2022': { kind: 'cryptosuite', canon: 'jcs', value: 'proofValue', algorithms: EDDSA },
  'DataIntegrityProof/ecdsa-jcs-2019': { kind: 'cryptosuite', canon: 'jcs', value: 'proofValue', algorithms: ECDSA, mosipAlgorithms: K1 },
  Ed25519Signature2020: { kind: 'legacy', canon: 'rdfc', value: 'proofValue', algorithms: EDDSA },
  EcdsaSecp256r1Signature2019: { kind: 'legacy', canon: 'rdfc', value: 'proofValue', algorithms: { 'P-256': ['ES256'] } },
  Ed25519Signature2018: { kind: 'legacy', canon: 'rdfc', value: 'jws', algorithms: EDDSA },
  RsaSignature2018: { kind: 'legacy', canon: 'rdfc', value: 'jws', algorithms: { RSA: ['RS256', 'PS256'] } },
  EcdsaSecp256k1Signature2019: { kind: 'legacy', canon: 'rdfc', value: 'jws', algorithms: K1 },
  EcdsaKoblitzSignature2016: { kind: 'legacy', canon: 'rdfc', value: 'jws', algorithms: K1 },
  JsonWebSignature2020: {
    kind: 'legacy',
    canon: 'rdfc',
    value: 'jws',
    algorithms: { Ed25519: ['EdDSA'], 'P-256': ['ES256'], 'P-384': ['ES384'], secp256k1: ['ES256K'], RSA: ['RS256', 'PS256'] },
  },
};

/** The proof types verified (DataIntegrityProof with the cryptosuites in {@link SUITES}). */
export const DI_PROOF_TYPES: readonly string[] = [...new Set(Object.keys(SUITES).map((k) => k.split('/')[0] as string))];

/** The suite of a proof: `type` (and `cryptosuite`). Throws UNSUPPORTED_FORMAT for any other. */
export function suiteOf(proof: JsonObject, path = '/proof'): { name: string; suite: Suite } {
  const type = proof.type;
  if (typeof type !== 'string') throw new TradewindError('MALFORMED', 'proof type must be a string', { path: `${path}/type` });
  let name = type;
  if (type === 'DataIntegrityProof') {
    if (typeof proof.cryptosuite !== 'string') {
      throw new TradewindError('MALFORMED', 'a DataIntegrityProof needs a cryptosuite (string)', { path: `${path}/cryptosuite` });
    }
    name = `${type}/${proof.cryptosuite}`;
  } else if (!SUITES[type]) {
    throw new TradewindError('UNSUPPORTED_FORMAT', `unsupported proof type ${JSON.stringify(type)}`, { path: `${path}/type` });
  } else if (proof.cryptosuite !== undefined) {
    throw new TradewindError('MALFORMED', `a ${type} proof has no cryptosuite`, { path: `${path}/cryptosuite` });
  }
  const suite = SUITES[name];
  if (!suite) {
    const what = type === 'DataIntegrityProof' ? `cryptosuite ${JSON.stringify(proof.cryptosuite)}` : `proof type ${JSON.stringify(type)}`;
    throw new TradewindError('UNSUPPORTED_FORMAT', `unsupported ${what}`, {
      path: type === 'DataIntegrityProof' ? `${path}/cryptosuite` : `${path}/type`,
    });
  }
  return { name, suite };
}

const HASH: Record<DiAlgorithm, DigestAlgorithm> = {
  EdDSA: 'SHA-256',
  ES256: 'SHA-256',
  ES384: 'SHA-384',
  ES256K: 'SHA-256',
  RS256: 'SHA-256',
  PS256: 'SHA-256',
};

/** How the verify data is built: the proof options' context and jsonld's safe mode. */
export interface Transformation {
  /** `document`: the document's own @context (the spec); or a fixed context URL. */
  proofContext: 'document' | typeof SECURITY_V2 | typeof SECURITY_V3;
  /** Safe mode for the document (proof options are always canonicalised in safe mode). */
  safe: boolean;
}

/**
 * Caches the canonical document per safe mode: the compatibility variants and the strict
 * diagnosis re-hash the proof options only.
 */
export class VerifyDataBuilder {
  readonly #document: JsonObject;
  readonly #proof: JsonObject;
  readonly #suite: Suite;
  readonly #options: { loader: DocumentLoader; limits?: CanonizeOptions['limits']; crypto: CryptoBackend };
  readonly #canonical = new Map<string, Promise<string>>();

  constructor(
    document: JsonObject,
    proof: JsonObject,
    suite: Suite,
    options: { loader: DocumentLoader; limits?: CanonizeOptions['limits']; crypto: CryptoBackend },
  ) {
    this.#document = document;
    this.#proof = proof;
    this.#suite = suite;
    this.#options = options;
  }

  /** hash(canonical proof options) ‖ hash(canonical document), the bytes a suite signs (or a JWS's payload). */
  async build(hash: DigestAlgorithm, t: Transformation): Promise<Uint8Array> {
    const [proofText, docText] = await Promise.all([this.#canonicalProof(t), this.#canonicalDocument(t.safe)]);
    const crypto = this.#options.crypto;
    const [a, b] = await Promise.all([crypto.digest(hash, proofText), crypto.digest(hash, docText)]);
    const out = new Uint8Array(a.length + b.length);
    out.set(a, 0);
    out.set(b, a.length);
    return out;
  }

  #canonicalDocument(safe: boolean): Promise<string> {
    const key = `doc:${safe}`;
    let text = this.#canonical.get(key);
    if (!text) {
      text = this.#suite.canon === 'jcs' ? Promise.resolve().then(() => jcs(this.#jcsDocument(), '')) : this.#rdfc(this.#document, safe);
      this.#canonical.set(key, text);
    }
    return text;
  }

  #canonicalProof(t: Transformation): Promise<string> {
    const { proofValue, jws, signatureValue, ...options } = this.#proof;
    if (this.#suite.canon === 'jcs') return Promise.resolve().then(() => jcs(options, '/proof'));
    const context = t.proofContext === 'document' ? (this.#proof['@context'] ?? this.#document['@context'] ?? SECURITY_V2) : t.proofContext;
    const loader = t.proofContext === SECURITY_V3 ? mosipV3Loader(this.#options.loader) : this.#options.loader;
    // Always safe: with terms dropped, a proof's challenge, domain or expires could fall out
    // of what is signed and be replaced. MOSIP's relaxation is for the document only.
    return this.#rdfc({ ...options, '@context': context } as JsonObject, true, loader);
  }

  /** eddsa-jcs-2022 / ecdsa-jcs-2019: a proof with its own @context lends it to the document (a prefix of its own). */
  #jcsDocument(): JsonObject {
    const context = this.#proof['@context'];
    return context === undefined ? this.#document : { ...this.#document, '@context': context };
  }

  #rdfc(document: JsonObject, safe: boolean, loader = this.#options.loader): Promise<string> {
    return canonizeRdfc(document, {
      loader,
      safe,
      ...(this.#options.limits ? { limits: this.#options.limits } : {}),
    });
  }
}

const v3Loaders = new WeakMap<DocumentLoader, DocumentLoader>();

/**
 * The loader for MOSIP's proof options under security v3 (v3-unstable). That context
 * protects a plain `proofValue` term and then gives Ed25519Signature2020 (and other
 * types) a scoped `proofValue` of another definition: JSON-LD 1.1 processors such as
 * `jsonld` refuse the redefinition, the Java processor MOSIP signs with applies it.
 * Proof options never carry proofValue, so dropping the top-level term changes no
 * statement and lets the scoped definitions apply as they do for the signer.
 */
function mosipV3Loader(loader: DocumentLoader): DocumentLoader {
  let wrapped = v3Loaders.get(loader);
  if (!wrapped) {
    wrapped = async (url) => {
      const remote = await loader(url);
      if (url !== SECURITY_V3) return remote;
      const document = structuredClone(remote.document) as JsonObject;
      const ctx = document['@context'];
      for (const c of Array.isArray(ctx) ? ctx : [ctx]) {
        if (c && typeof c === 'object') delete (c as JsonObject).proofValue;
      }
      return { ...remote, document };
    };
    v3Loaders.set(loader, wrapped);
  }
  return wrapped;
}

/** Checks a proof's own @context: the document's must start with it (Data Integrity §4.5). */
export function checkProofContext(document: JsonObject, proof: JsonObject, path: string): void {
  const own = proof['@context'];
  if (own === undefined) return;
  const list = (v: unknown) => (Array.isArray(v) ? v : [v]);
  const docContexts = list(document['@context']);
  const proofContexts = list(own);
  const same = proofContexts.every((c, i) => i < docContexts.length && JSON.stringify(c) === JSON.stringify(docContexts[i]));
  if (!same)
    throw new TradewindError('SIGNATURE_INVALID', "the proof's @context is not a prefix of the document's", { path: `${path}/@context` });
}

/** A proof's signature, decoded: the bytes, and for a JWS its protected header (the signing input's prefix). */
export interface EncodedSignature {
  signature: Uint8Array;
  /** The detached JWS's encoded header and its `alg`. */
  jws?: { header: string; alg: string };
}

const MAX_PROOF_VALUE_LENGTH = 2048; // an RSA-8192 signature in base58 is ~1,400 characters
const MAX_JWS_LENGTH = 8192;

/** Reads `proofValue` (multibase base58btc) or `jws` (`<header>..<signature>`, b64: false). MALFORMED when not well-formed. */
export function decodeSignature(suite: Suite, proof: JsonObject, path: string): EncodedSignature {
  if (suite.value === 'proofValue') {
    if (proof.jws !== undefined)
      throw new TradewindError('MALFORMED', 'this proof type carries proofValue, not jws', { path: `${path}/jws` });
    const value = proof.proofValue;
    if (typeof value !== 'string') throw new TradewindError('MALFORMED', 'proofValue must be a string', { path: `${path}/proofValue` });
    if (!value.startsWith('z') || value.length > MAX_PROOF_VALUE_LENGTH) {
      throw new TradewindError('MALFORMED', "proofValue must be multibase base58btc ('z…')", { path: `${path}/proofValue` });
    }
    try {
      return { signature: base58btc.decode(value) };
    } catch {
      throw new TradewindError('MALFORMED', 'proofValue is not valid base58btc', { path: `${path}/proofValue` });
    }
  }
  if (proof.proofValue !== undefined)
    throw new TradewindError('MALFORMED', 'this proof type carries jws, not proofValue', { path: `${path}/proofValue` });
  const value = proof.jws;
  if (typeof value !== 'string') throw new TradewindError('MALFORMED', 'jws must be a string', { path: `${path}/jws` });
  const match = value.length <= MAX_JWS_LENGTH ? /^([A-Za-z0-9_-]+)\.\.([A-Za-z0-9_-]+)$/.exec(value) : null;
  if (!match) throw new TradewindError('MALFORMED', 'jws must be a detached JWS (<header>..<signature>)', { path: `${path}/jws` });
  const headerB64 = match[1] as string;
  const headerBytes = base64urlDecode(headerB64);
  const signature = base64urlDecode(match[2] as string);
  const headerText = headerBytes && utf8Decode(headerBytes);
  let header: unknown;
  try {
    header = headerText === undefined ? undefined : JSON.parse(headerText);
  } catch {
    header = undefined;
  }
  if (!signature || !header || typeof header !== 'object' || Array.isArray(header)) {
    throw new TradewindError('MALFORMED', 'jws header or signature is not base64url JSON', { path: `${path}/jws` });
  }
  const h = header as Record<string, unknown>;
  if (typeof h.alg !== 'string') throw new TradewindError('MALFORMED', 'jws header has no alg', { path: `${path}/jws` });
  // RFC 7797: the payload (the verify data) is not base64url-encoded, and a verifier must know it.
  if (h.b64 !== false || !Array.isArray(h.crit) || !h.crit.includes('b64')) {
    throw new TradewindError('MALFORMED', 'jws header must have b64: false and crit: ["b64"] (RFC 7797)', { path: `${path}/jws` });
  }
  if (h.crit.some((c) => c !== 'b64')) {
    throw new TradewindError('MALFORMED', `jws header names critical parameters not understood: ${JSON.stringify(h.crit)}`, {
      path: `${path}/jws`,
    });
  }
  return { signature, jws: { header: headerB64, alg: h.alg } };
}

/**
 * The algorithm for a suite, a key, and (JWS suites) the header's `alg`. UNSUPPORTED_ALGORITHM
 * when the key type does not fit the suite or the header names another algorithm.
 * `mosip`: also MOSIP's secp256k1 under the ecdsa cryptosuites (reported in `relaxed`).
 */
export function suiteAlgorithm(
  name: string,
  suite: Suite,
  key: DiKey,
  jwsAlg: string | undefined,
  mosip: boolean,
  path: string,
): { algorithm: DiAlgorithm; relaxed: boolean } {
  let allowed = suite.algorithms[key.family];
  let relaxed = false;
  if (!allowed && suite.mosipAlgorithms?.[key.family]) {
    if (!mosip) {
      throw new TradewindError(
        'UNSUPPORTED_ALGORITHM',
        `${name} does not allow a ${key.family} key (MOSIP compatibility allows secp256k1, and it is not enabled for this issuer)`,
        { path },
      );
    }
    allowed = suite.mosipAlgorithms[key.family];
    relaxed = true;
  }
  if (!allowed) throw new TradewindError('UNSUPPORTED_ALGORITHM', `${name} does not allow a ${key.family} key`, { path });
  if (jwsAlg === undefined) return { algorithm: allowed[0] as DiAlgorithm, relaxed };
  if (!(allowed as readonly string[]).includes(jwsAlg)) {
    throw new TradewindError('UNSUPPORTED_ALGORITHM', `${name} with a ${key.family} key cannot be signed with ${jwsAlg}`, {
      path: `${path}/jws`,
    });
  }
  return { algorithm: jwsAlg as DiAlgorithm, relaxed };
}

const P384_N = 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n;
const K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * Checks the one encoding each algorithm allows (lengths; Ed25519 S < L; ECDSA r and s in
 * range and low S unless allowHighS). Throws SIGNATURE_INVALID.
 */
export async function checkDiSignatureEncoding(alg: DiAlgorithm, signature: Uint8Array, key: DiKey, allowHighS: boolean, path: string) {
  const fail = (why: string) => new TradewindError('SIGNATURE_INVALID', why, { path });
  try {
    if (alg === 'EdDSA') await checkSignatureEncoding('EdDSA', signature);
    else if (alg === 'ES256') await checkSignatureEncoding('ES256', signature, { allowHighS });
  } catch (e) {
    if (e instanceof TradewindError) throw fail(e.message);
    throw e;
  }
  if (alg === 'ES384' || alg === 'ES256K') {
    const size = alg === 'ES384' ? 48 : 32;
    const n = alg === 'ES384' ? P384_N : K1_N;
    if (signature.length !== 2 * size) throw fail(`an ${alg} signature is ${2 * size} bytes (r‖s), not ${signature.length}`);
    const r = toBigint(signature.subarray(0, size));
    const s = toBigint(signature.subarray(size));
    if (r < 1n || r >= n || s < 1n || s >= n) throw fail(`${alg} signature r or s is out of range`);
    if (s > n >> 1n && !allowHighS) throw fail(`${alg} signature has a high S value (non-canonical; s must be at most n/2)`);
  }
  if ((alg === 'RS256' || alg === 'PS256') && key.family === 'RSA' && signature.length !== Math.ceil(key.bits / 8)) {
    throw fail(`an ${alg} signature under a ${key.bits}-bit key is ${Math.ceil(key.bits / 8)} bytes, not ${signature.length}`);
  }
}

function toBigint(bytes: Uint8Array): bigint {
  let hex = '0x0';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return BigInt(hex);
}

/** A key prepared for repeated checks (one import for all variants). */
export async function signatureChecker(
  key: DiKey,
  alg: DiAlgorithm,
  crypto: CryptoBackend,
  allowHighS: boolean,
): Promise<(data: Uint8Array, signature: Uint8Array) => Promise<boolean>> {
  if (alg === 'ES256K') {
    if (key.family !== 'secp256k1') return async () => false;
    const point = key.point;
    return async (data, signature) => {
      try {
        const digest = await crypto.digest('SHA-256', data);
        return secp256k1.verify(signature, digest, point, { prehash: false, lowS: !allowHighS, format: 'compact' });
      } catch {
        return false;
      }
    };
  }
  const backendAlg = alg as DiBackendAlgorithm;
  let imported: unknown;
  try {
    imported = await crypto.importDiKey(key.jwk as Parameters<CryptoBackend['importDiKey']>[0], backendAlg);
  } catch {
    throw new TradewindError('KEY_NOT_FOUND', `the ${key.family} key cannot be imported for ${alg}`);
  }
  return (data, signature) => crypto.verifyDi(backendAlg, imported, data, signature);
}

/** The bytes a proof's signature covers: the verify data, or for a JWS `ASCII(header) '.' verifyData`. */
export function signingInput(verifyData: Uint8Array, encoded: EncodedSignature): Uint8Array {
  if (!encoded.jws) return verifyData;
  const prefix = utf8Encode(`${encoded.jws.header}.`);
  const out = new Uint8Array(prefix.length + verifyData.length);
  out.set(prefix, 0);
  out.set(verifyData, prefix.length);
  return out;
}

/** The hash a suite uses for its verify data. */
export function suiteHash(suite: Suite, alg: DiAlgorithm): DigestAlgorithm {
  return suite.kind === 'cryptosuite' ? HASH[alg] : 'SHA-256';
}

export interface SuiteVerification {
  document: JsonObject;
  proof: JsonObject;
  key: DiKey;
  loader: DocumentLoader;
  limits?: CanonizeOptions['limits'];
  crypto?: CryptoBackend;
  allowHighS: boolean;
  mosip: boolean;
  path: string;
}

/** MOSIP compatibility quirks this module can use, as named in warnings and diagnoses. */
export const QUIRK_SECURITY_V3 = `proof options canonicalised under ${SECURITY_V3}`;
export const QUIRK_UNSAFE = 'undefined JSON-LD terms dropped';
export const QUIRK_SECP256K1 = 'ecdsa cryptosuite with a secp256k1 key';

interface Variant extends Transformation {
  quirks: string[];
}

/**
 * Verifies the signature of one proof over a document (without its proof). Strict first; with
 * `mosip`, then the compatibility variants (their quirks are returned). In strict mode a
 * failure is diagnosed: when a variant would verify, the error says which quirk it needs.
 */
export async function verifySuiteSignature(v: SuiteVerification): Promise<{ algorithm: DiAlgorithm; suite: string; quirks: string[] }> {
  const { name, suite } = suiteOf(v.proof, v.path);
  const encoded = decodeSignature(suite, v.proof, v.path);
  const { algorithm, relaxed } = suiteAlgorithm(name, suite, v.key, encoded.jws?.alg, v.mosip, v.path);
  const sigPath = `${v.path}/${suite.value}`;
  await checkDiSignatureEncoding(algorithm, encoded.signature, v.key, v.allowHighS, sigPath);
  if (suite.kind === 'cryptosuite') checkProofContext(v.document, v.proof, v.path);
  const crypto = v.crypto ?? webCrypto;
  const check = await signatureChecker(v.key, algorithm, crypto, v.allowHighS);
  const builder = new VerifyDataBuilder(v.document, v.proof, suite, { loader: v.loader, limits: v.limits, crypto });
  const hash = suiteHash(suite, algorithm);

  // jsonld-signatures 11: the proof options under the document's @context (security v2 for
  // a document without one). On a VCDM 1.1 credential the pre-Data Integrity suites were
  // also signed with proof options under security v2 (jsonld-signatures before 7): tried
  // second, without a warning, as that was those suites' own definition.
  const strict: Variant[] = [{ proofContext: 'document', safe: true, quirks: [] }];
  if (suite.kind === 'legacy' && [v.document['@context']].flat().includes(VCDM_V1)) {
    strict.push({ proofContext: SECURITY_V2, safe: true, quirks: [] });
  }
  const compat: Variant[] =
    suite.canon === 'jcs'
      ? []
      : [
          { proofContext: SECURITY_V3, safe: true, quirks: [QUIRK_SECURITY_V3] },
          { proofContext: 'document', safe: false, quirks: [QUIRK_UNSAFE] },
          { proofContext: SECURITY_V3, safe: false, quirks: [QUIRK_SECURITY_V3, QUIRK_UNSAFE] },
        ];
  const baseQuirks = relaxed ? [QUIRK_SECP256K1] : [];

  const attempt = async (variant: Variant): Promise<boolean> => {
    const data = await builder.build(hash, variant);
    return check(signingInput(data, encoded), encoded.signature);
  };

  let strictError: TradewindError | undefined;
  for (const variant of strict) {
    try {
      if (await attempt(variant)) return { algorithm, suite: name, quirks: baseQuirks };
    } catch (e) {
      if (!(e instanceof TradewindError) || e.code !== 'MALFORMED') throw e;
      // Only the document's own context decides; the security v2 reading is a fallback.
      if (variant.proofContext === 'document') strictError = e;
    }
  }
  let verifiedWith: Variant | undefined;
  let compatComputed = false;
  for (const variant of compat) {
    try {
      const ok = await attempt(variant);
      compatComputed ||= variant.quirks.length > 0 && (!strictError || !variant.safe);
      if (ok) {
        verifiedWith = variant;
        break;
      }
    } catch (e) {
      if (!(e instanceof TradewindError) || (e.code !== 'MALFORMED' && e.code !== 'LIMIT_EXCEEDED')) throw e;
    }
  }
  if (verifiedWith && v.mosip) return { algorithm, suite: name, quirks: [...baseQuirks, ...verifiedWith.quirks] };
  if (verifiedWith) {
    // The document itself has undefined terms (MALFORMED, as strictly it is); otherwise
    // the proof is what does not verify as it stands.
    throw new TradewindError(
      strictError && !verifiedWith.safe ? strictError.code : 'SIGNATURE_INVALID',
      `${strictError && !verifiedWith.safe ? `${strictError.message}; the ` : 'the '}proof verifies only with MOSIP compatibility (${verifiedWith.quirks.join(', ')}), which is not enabled for this issuer`,
      { path: (strictError && !verifiedWith.safe ? strictError.path : undefined) ?? sigPath },
    );
  }
  // Under MOSIP compatibility a document that canonicalises only with undefined terms
  // dropped has a signature that was checked, and failed.
  if (strictError && !(v.mosip && compatComputed)) throw strictError;
  throw new TradewindError('SIGNATURE_INVALID', `${name} signature does not verify`, { path: sigPath });
}

#!/usr/bin/env node
// Produces credentials secured the way MOSIP Inji Certify (mosip/inji-certify@618684d)
// secures `ldp_vc` credentials, with its Java stack's deviations from the Data Integrity
// specifications reproduced on purpose, plus the did:web DID document it publishes and a
// status list credential signed the same way. The outputs are committed in
// fixtures/inji/; fixtures/inji/README.md names the source lines each step follows.
//
//   node test/data-integrity/make-inji-fixtures.mjs            # rewrite fixtures/inji/*.json
//   node test/data-integrity/make-inji-fixtures.mjs --check    # fail if a committed file differs
//
// Deterministic: every key comes from a fixed seed (RSA primes too), Ed25519, ECDSA
// (RFC 6979) and RSASSA-PKCS1-v1_5 signatures are deterministic, and RSASSA-PSS uses a
// salt derived from the message instead of a random one (a verifier cannot tell). Offline:
// the JSON-LD document loader below knows a fixed set of contexts and throws for any
// other URL. Nothing here reaches the network.
//
// The deviations (named in manifest.json per fixture, as `quirks`, only where they change
// what a spec-strict verifier sees):
// - `proof-options-security-v3`: the legacy suites (Ed25519Signature2020/2018,
//   RsaSignature2018, EcdsaSecp256k1Signature2019, EcdsaKoblitzSignature2016,
//   EcdsaSecp256r1Signature2019) hash the proof options canonicalised under
//   https://w3id.org/security/v3 (ld-signatures-java's default proof context, its
//   security-v3-unstable document), not under the credential's own @context (listed
//   only when neither that nor, for VCDM 1.1, security v2 (jsonld-signatures' proof
//   context before version 7) gives the same N-Quads);
// - `undefined-terms`: JSON-LD terms the contexts do not define are dropped silently
//   (titanium-json-ld; jsonld.js with safe mode off), where the specifications require
//   an error;
// - `created-shift`: `created` is the credential's validFrom read as a local time of the
//   server's zone and written in UTC ('Z'), so it is off by the zone's offset (in the
//   future for zones west of UTC);
// - `did-assertion-method`: the DID document lists the DID itself, not the key, under
//   assertionMethod (and authentication);
// - `ecdsa-secp256k1`: DataIntegrityProof with ecdsa-rdfc-2019 over a secp256k1 key.
import { createHash, createPrivateKey, createPublicKey, constants as cryptoConstants, privateEncrypt, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { contexts as credentialsContexts } from '@digitalbazaar/credentials-context';
import { contexts as dataIntegrityContexts } from '@digitalbazaar/data-integrity-context';
import { contexts as securityContexts } from '@digitalbazaar/security-context';
import ed25519Context from 'ed25519-signature-2020-context';
import jsonld from 'jsonld';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'fixtures', 'inji');
// @noble/curves is a dependency of the verifier, not of the workspace root.
const requireFromVerifier = createRequire(join(here, '..', '..', 'packages', 'verifier', 'package.json'));
const { secp256k1 } = requireFromVerifier('@noble/curves/secp256k1');
const { p256 } = requireFromVerifier('@noble/curves/p256');

const CHECK = process.argv.includes('--check');

// ---------------------------------------------------------------------------------------
// Offline JSON-LD document loader.
export const SECURITY_V3 = 'https://w3id.org/security/v3';
export const FARMER_CONTEXT = 'https://tradewind-interop.github.io/inji-contexts/farmer-v1.json';
export const NATIONAL_ID_CONTEXT = 'https://tradewind-interop.github.io/inji-contexts/national-id-v2.json';
const VC_V1 = 'https://www.w3.org/2018/credentials/v1';
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const ED25519_2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';
const readJson = (name) => JSON.parse(readFileSync(join(out, 'contexts', name), 'utf8'));
const CONTEXTS = new Map([
  [VC_V1, credentialsContexts.get(VC_V1)],
  [VC_V2, credentialsContexts.get(VC_V2)],
  [ED25519_2020, ed25519Context.contexts.get(ED25519_2020)],
  ...dataIntegrityContexts,
  ...securityContexts,
  // ld-signatures-java's own copy (security-v3-unstable.jsonld), which its LdProof adds
  // as the default context of proof options.
  [SECURITY_V3, readJson('security-v3-unstable.jsonld')],
  [FARMER_CONTEXT, readJson('farmer-v1.json')],
  [NATIONAL_ID_CONTEXT, readJson('national-id-v2.json')],
]);
async function documentLoader(url) {
  const document = CONTEXTS.get(url);
  if (document === undefined) throw new Error(`context not available offline: ${url}`);
  return { contextUrl: null, documentUrl: url, document: structuredClone(document) };
}

async function nquads(document, safe) {
  return jsonld.canonize(document, { algorithm: 'RDFC-1.0', format: 'application/n-quads', documentLoader, safe });
}
const sha256 = (data) => createHash('sha256').update(data).digest();

// ---------------------------------------------------------------------------------------
// Encodings.
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
export function base58btc(bytes) {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
  let s = '';
  while (n > 0n) {
    s = B58[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    s = `1${s}`;
  }
  return s;
}
const b64u = (bytes) => Buffer.from(bytes).toString('base64url');
const bigToB64u = (n, length) => b64u(Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex'));

// ---------------------------------------------------------------------------------------
// Keys from fixed seeds.
const seed = (label) => sha256(`tradewind inji fixture: ${label}`);

function ed25519Key(label) {
  const d = seed(label);
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), d]),
    format: 'der',
    type: 'pkcs8',
  });
  const raw = createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).subarray(12);
  return { privateKey, raw };
}

function deterministicBytes(label) {
  let counter = 0;
  return (n) => {
    const chunks = [];
    let have = 0;
    while (have < n) {
      const c = sha256(`${label}/${counter++}`);
      chunks.push(c);
      have += c.length;
    }
    return Buffer.concat(chunks).subarray(0, n);
  };
}
const toBig = (bytes) => BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
function modPow(base, exp, mod) {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}
function isProbablePrime(n, random) {
  for (const p of [3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n]) if (n % p === 0n) return n === p;
  let d = n - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  for (let i = 0; i < 24; i++) {
    const a = 2n + (toBig(random(64)) % (n - 4n));
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let composite = true;
    for (let j = 1; j < r; j++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}
function modInverse(a, m) {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}
/** An RSA-2048 key whose primes come from a seeded stream (the same key on every run). */
function rsaKey(label) {
  const random = deterministicBytes(`rsa ${label}`);
  const e = 65537n;
  const prime = () => {
    for (;;) {
      const bytes = random(128);
      bytes[0] |= 0xc0;
      bytes[127] |= 1;
      const p = toBig(bytes);
      if ((p - 1n) % e !== 0n && isProbablePrime(p, random)) return p;
    }
  };
  let p = prime();
  let q = prime();
  if (p < q) [p, q] = [q, p];
  const n = p * q;
  const d = modInverse(e, (p - 1n) * (q - 1n));
  const jwk = {
    kty: 'RSA',
    n: bigToB64u(n, 256),
    e: 'AQAB',
    d: bigToB64u(d, 256),
    p: bigToB64u(p, 128),
    q: bigToB64u(q, 128),
    dp: bigToB64u(d % (p - 1n), 128),
    dq: bigToB64u(d % (q - 1n), 128),
    qi: bigToB64u(modInverse(q, p), 128),
  };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

function ecKey(curve, label) {
  const d = (toBig(seed(label)) % (curve.CURVE.n - 1n)) + 1n;
  const privateKey = Buffer.from(d.toString(16).padStart(64, '0'), 'hex');
  const point = curve.getPublicKey(privateKey, false);
  return { privateKey, x: point.subarray(1, 33), y: point.subarray(33, 65), compressed: curve.getPublicKey(privateKey, true) };
}

// ---------------------------------------------------------------------------------------
// Signatures over the 64 bytes the Java stack hashes to.
function jwsDetached(alg, keyName, signingInput, signer) {
  // MOSIP's key manager (SignatureServiceImpl.jwsSign, SignatureUtil.getJWSHeader): a JWS
  // with b64=false and the payload detached; the header also carries the signing
  // certificate's SHA-256 thumbprint (includeCertHash) and the key id (includeKeyId, on by
  // default). There is no certificate here: the thumbprint is over the public key's SPKI.
  const header = b64u(
    Buffer.from(JSON.stringify({ alg, crit: ['b64'], 'x5t#S256': b64u(sha256(spki(keyName))), kid: KIDS[keyName], b64: false })),
  );
  const input = Buffer.concat([Buffer.from(`${header}.`), signingInput]);
  return `${header}..${b64u(signer(input))}`;
}
/** RSASSA-PSS (SHA-256, MGF1-SHA-256, 32-byte salt) with a salt derived from the message. */
function pssSign(privateKey, message) {
  const hLen = 32;
  const emLen = 256;
  const mHash = sha256(message);
  const salt = sha256(Buffer.concat([Buffer.from('pss salt'), message]));
  const h = sha256(Buffer.concat([Buffer.alloc(8), mHash, salt]));
  const db = Buffer.concat([Buffer.alloc(emLen - 2 * hLen - 2), Buffer.from([1]), salt]);
  const mask = Buffer.alloc(db.length);
  for (let i = 0, off = 0; off < mask.length; i++, off += hLen) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(i);
    sha256(Buffer.concat([h, c])).copy(mask, off);
  }
  const masked = Buffer.from(db.map((b, i) => b ^ mask[i]));
  masked[0] &= 0x7f; // emBits = 2047
  const em = Buffer.concat([masked, h, Buffer.from([0xbc])]);
  return privateEncrypt({ key: privateKey, padding: cryptoConstants.RSA_NO_PADDING }, em);
}

// ---------------------------------------------------------------------------------------
// The issuer: one did:web with one key per algorithm (DIDDocumentUtil.generateDIDDocument).
export const ISSUER = 'did:web:certify.inji.example';
const STATUS_BASE = 'https://certify.inji.example/v1/certify/credentials/status-list';
const keys = {
  ed25519: ed25519Key('issuer ed25519'),
  rsa: rsaKey('issuer rsa'),
  k1: ecKey(secp256k1, 'issuer secp256k1'),
  r1: ecKey(p256, 'issuer p-256'),
};
const kid = (label) => b64u(sha256(`kid ${label}`)).slice(0, 43);
const KIDS = { ed25519: kid('ed25519'), rsa: kid('rsa'), k1: kid('secp256k1'), r1: kid('p-256') };
const vm = (name) => `${ISSUER}#${KIDS[name]}`;
/** The DER SubjectPublicKeyInfo of an issuer key (for the JWS header's certificate thumbprint). */
function spki(name) {
  if (name === 'ed25519') return Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), keys.ed25519.raw]);
  if (name === 'rsa') return keys.rsa.publicKey.export({ format: 'der', type: 'spki' });
  const point = Buffer.concat([Buffer.from([4]), keys[name].x, keys[name].y]);
  const curve = name === 'k1' ? '06052b8104000a' : '06082a8648ce3d030107';
  const algorithm = `301${name === 'k1' ? '0' : '3'}06072a8648ce3d0201${curve}`;
  return Buffer.concat([Buffer.from(`30${name === 'k1' ? '56' : '59'}${algorithm}034200`, 'hex'), point]);
}

function didDocument(assertionMethod) {
  const pem = keys.rsa.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    alsoKnownAs: [],
    service: [],
    id: ISSUER,
    authentication: assertionMethod,
    assertionMethod,
    verificationMethod: [
      {
        type: 'Ed25519VerificationKey2020',
        '@context': ED25519_2020,
        controller: ISSUER,
        publicKeyMultibase: `z${base58btc(Buffer.concat([Buffer.from([0xed, 0x01]), keys.ed25519.raw]))}`,
        id: vm('ed25519'),
      },
      {
        type: 'RsaVerificationKey2018',
        '@context': 'https://w3id.org/security/v1',
        controller: ISSUER,
        publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${pem.match(/.{1,64}/g).join('\n')}\n-----END PUBLIC KEY-----`,
        id: vm('rsa'),
      },
      {
        type: 'EcdsaSecp256k1VerificationKey2019',
        '@context': 'https://w3id.org/security/v1',
        controller: ISSUER,
        publicKeyJwk: { kty: 'EC', crv: 'secp256k1', x: b64u(keys.k1.x), y: b64u(keys.k1.y) },
        id: vm('k1'),
      },
      {
        type: 'EcdsaSecp256r1VerificationKey2019',
        '@context': 'https://w3id.org/security/suites/ecdsa-2019/v1',
        controller: ISSUER,
        publicKeyMultibase: `z${base58btc(Buffer.concat([Buffer.from([0x80, 0x24]), keys.r1.compressed]))}`,
        id: vm('r1'),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------
// Proofs.
/** W3CJsonLD.addProof: validFrom parsed as a LocalDateTime, placed in the server's zone. */
export function shiftedCreated(validFrom, zoneOffsetMinutes) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/.exec(validFrom);
  if (!m) throw new Error(`validFrom not in yyyy-MM-dd'T'HH:mm:ss.SSS'Z': ${validFrom}`);
  const local = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], 0);
  // JsonLDUtils.dateToString: yyyy-MM-dd'T'HH:mm:ss'Z' in UTC, no fraction.
  return new Date(local - zoneOffsetMinutes * 60_000).toISOString().replace('.000Z', 'Z');
}

const LEGACY = {
  Ed25519Signature2020: { key: 'ed25519', value: (data) => ({ proofValue: `z${base58btc(sign(null, data, keys.ed25519.privateKey))}` }) },
  Ed25519Signature2018: {
    key: 'ed25519',
    value: (data) => ({ jws: jwsDetached('EdDSA', 'ed25519', data, (input) => sign(null, input, keys.ed25519.privateKey)) }),
  },
  'RsaSignature2018/RS256': {
    type: 'RsaSignature2018',
    key: 'rsa',
    value: (data) => ({ jws: jwsDetached('RS256', 'rsa', data, (input) => sign('sha256', input, keys.rsa.privateKey)) }),
  },
  'RsaSignature2018/PS256': {
    type: 'RsaSignature2018',
    key: 'rsa',
    value: (data) => ({ jws: jwsDetached('PS256', 'rsa', data, (input) => pssSign(keys.rsa.privateKey, input)) }),
  },
  EcdsaSecp256k1Signature2019: {
    key: 'k1',
    value: (data) => ({
      jws: jwsDetached('ES256K', 'k1', data, (input) => secp256k1.sign(sha256(input), keys.k1.privateKey).toCompactRawBytes()),
    }),
  },
  EcdsaKoblitzSignature2016: {
    key: 'k1',
    value: (data) => ({
      jws: jwsDetached('ES256K', 'k1', data, (input) => secp256k1.sign(sha256(input), keys.k1.privateKey).toCompactRawBytes()),
    }),
  },
  EcdsaSecp256r1Signature2019: {
    key: 'r1',
    value: (data) => ({ proofValue: `z${base58btc(p256.sign(sha256(data), keys.r1.privateKey).toCompactRawBytes())}` }),
  },
};

/**
 * The legacy path of W3CJsonLD.addProof → CredentialUtils.generateLdProof →
 * URDNA2015Canonicalizer: sha256(proof options under security v3) ‖ sha256(document),
 * both canonicalised with undefined terms dropped, then the suite's signature.
 */
async function legacyProof(document, suite, created) {
  const spec = LEGACY[suite];
  const type = spec.type ?? suite;
  const options = { type, created, proofPurpose: 'assertionMethod', verificationMethod: vm(spec.key) };
  const data = Buffer.concat([
    sha256(await nquads({ '@context': [SECURITY_V3], ...options }, false)),
    sha256(await nquads(document, false)),
  ]);
  return { ...options, ...spec.value(data) };
}

/**
 * The DataIntegrityProof path (data-integrity-java 1.17.0, RDFC10Canonicalizer): proof
 * options under the document's @context (CredentialUtils.generateDataIntegrityProof adds
 * it), sha256(proof options) ‖ sha256(document), ES256K over those 64 bytes.
 */
async function dataIntegrityProof(document, created) {
  const options = {
    type: 'DataIntegrityProof',
    created,
    proofPurpose: 'assertionMethod',
    cryptosuite: 'ecdsa-rdfc-2019',
    verificationMethod: vm('k1'),
  };
  const data = Buffer.concat([
    sha256(await nquads({ '@context': document['@context'], ...options }, false)),
    sha256(await nquads(document, false)),
  ]);
  return { ...options, proofValue: `z${base58btc(secp256k1.sign(sha256(data), keys.k1.privateKey).toCompactRawBytes())}` };
}

/** What a spec-strict verifier would see differently (the quirks this fixture depends on). */
async function quirksOf(secured, { legacy, now, skewSeconds = 60 }) {
  const { proof, ...document } = secured;
  const quirks = [];
  let documentDefined = true;
  try {
    await nquads(document, true);
  } catch {
    documentDefined = false;
    quirks.push('undefined-terms');
  }
  if (legacy) {
    // A strict verifier canonicalises the proof options under the document's @context
    // (the Data Integrity way, jsonld-signatures 11) or, for these pre-Data Integrity
    // suites on a VCDM 1.1 credential, under security v2 (what jsonld-signatures did
    // before version 7): the deviation counts only if neither gives the same N-Quads.
    const { proofValue, jws, ...options } = proof;
    const mosip = await nquads({ '@context': [SECURITY_V3], ...options }, false);
    const vcdm1 = [document['@context']].flat().includes(VC_V1);
    let same = false;
    for (const context of [document['@context'], ...(vcdm1 ? ['https://w3id.org/security/v2'] : [])]) {
      try {
        if ((await nquads({ '@context': context, ...options }, true)) === mosip) same = true;
      } catch {}
    }
    if (!same) quirks.push('proof-options-security-v3');
  }
  if (Date.parse(proof.created) > now.getTime() + skewSeconds * 1000) quirks.push('created-shift');
  if (proof.type === 'DataIntegrityProof') quirks.push('ecdsa-secp256k1');
  quirks.push('did-assertion-method');
  return { quirks, documentDefined };
}

// ---------------------------------------------------------------------------------------
// Credentials.
const VALID_FROM = '2026-11-30T10:00:00.000Z';
const VALID_UNTIL = '2028-11-30T10:00:00.000Z';
/** When the tests evaluate the fixtures: an hour after issuance. */
export const NOW = '2026-11-30T11:00:00Z';
const ZONES = { 'Asia/Kolkata': 330, 'America/Port_of_Spain': -240, UTC: 0 };
const HOLDER = 'did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IjExcVlBWUt4Q3JmVlNfN1R5V1FIT2c3aGN2UGFwaU1scndJYWFQY0hVUm8ifQ';
const STATUS_LIST_ID = `${STATUS_BASE}/8f3b6a52-6c1e-4c55-9d5e-3c2f1f0a7b10`;

/** certify_init.sql:178, the FarmerCredential template (VCDM 1.1, a context on GitHub Pages, `face` left undefined). */
function farmer({ face = true } = {}) {
  return {
    '@context': [VC_V1, FARMER_CONTEXT, ED25519_2020],
    issuer: ISSUER,
    type: ['VerifiableCredential', 'FarmerCredential'],
    issuanceDate: VALID_FROM,
    expirationDate: VALID_UNTIL,
    credentialSubject: {
      id: HOLDER,
      fullName: 'Asha Ramdial',
      mobileNumber: '+18687654321',
      dateOfBirth: '1990-04-12',
      gender: 'Female',
      state: 'Trinidad',
      district: 'Caroni',
      villageOrTown: 'Chaguanas',
      postalCode: '500101',
      landArea: '2.5 acres',
      landOwnershipType: 'Owner',
      primaryCropType: 'Cocoa',
      secondaryCropType: 'Hot pepper',
      ...(face ? { face: 'data:image/jpeg;base64,/9j/4AAQSkZJRgABAQAAAQABAAD' } : {}),
      farmerID: 'TT-FARM-004211',
    },
  };
}
/** A VCDM 2.0 credential type (the templates of StatusListCredentialService and VelocityTemplatingEngineImpl). */
function nationalId({ statusIndex, contexts = [VC_V2, NATIONAL_ID_CONTEXT] } = {}) {
  return {
    '@context': contexts,
    id: `urn:uuid:${statusIndex === undefined ? '0b8a3d52-4f0e-4b2c-9a51-6d1f3e2c7a90' : `5c2e9f10-7a3b-4d61-8e0f-00000000${String(statusIndex).padStart(4, '0')}`}`,
    type: ['VerifiableCredential', 'NationalIdCredential'],
    issuer: ISSUER,
    validFrom: VALID_FROM,
    validUntil: VALID_UNTIL,
    credentialSubject: {
      id: HOLDER,
      fullName: 'Asha Ramdial',
      dateOfBirth: '1990-04-12',
      gender: 'Female',
      nationalIdNumber: '19900412-0042',
      placeOfBirth: 'San Fernando',
    },
    ...(statusIndex === undefined
      ? {}
      : {
          // StatusListCredentialService.addCredentialStatus: a string statusListIndex.
          credentialStatus: {
            id: `${STATUS_LIST_ID}#${statusIndex}`,
            type: 'BitstringStatusListEntry',
            statusPurpose: 'revocation',
            statusListIndex: String(statusIndex),
            statusListCredential: STATUS_LIST_ID,
          },
        }),
  };
}

const REVOKED_INDEX = 42;
const VALID_INDEX = 7;
/** StatusListCredentialService.generateStatusListCredential, with index 42 revoked. */
function statusList() {
  const bits = Buffer.alloc(16 * 1024); // 16 KB, BitStringStatusListUtils: most significant bit first
  bits[REVOKED_INDEX >> 3] |= 1 << (7 - (REVOKED_INDEX % 8));
  return {
    '@context': [VC_V2],
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    id: STATUS_LIST_ID,
    issuer: ISSUER,
    validFrom: '2026-11-30T09:00:00.000Z',
    credentialSubject: {
      id: STATUS_LIST_ID,
      type: 'BitstringStatusList',
      statusPurpose: 'revocation',
      encodedList: `u${b64u(gzipSync(bits, { level: 9 }))}`,
    },
  };
}

const FIXTURES = [
  { name: 'farmer-vcdm1-ed25519signature2020', suite: 'Ed25519Signature2020', zone: 'Asia/Kolkata', make: () => farmer() },
  {
    name: 'farmer-vcdm1-ed25519signature2020-west',
    suite: 'Ed25519Signature2020',
    zone: 'America/Port_of_Spain',
    make: () => farmer({ face: false }),
  },
  { name: 'national-id-vcdm2-ed25519signature2020', suite: 'Ed25519Signature2020', zone: 'Asia/Kolkata', make: () => nationalId() },
  {
    name: 'national-id-vcdm2-ed25519signature2020-status',
    suite: 'Ed25519Signature2020',
    zone: 'Asia/Kolkata',
    make: () => nationalId({ statusIndex: VALID_INDEX }),
  },
  {
    name: 'national-id-vcdm2-ed25519signature2020-revoked',
    suite: 'Ed25519Signature2020',
    zone: 'Asia/Kolkata',
    make: () => nationalId({ statusIndex: REVOKED_INDEX }),
  },
  {
    name: 'farmer-vcdm1-ed25519signature2018',
    suite: 'Ed25519Signature2018',
    zone: 'UTC',
    make: () => ({ ...farmer({ face: false }), '@context': [VC_V1, FARMER_CONTEXT] }),
  },
  {
    name: 'farmer-vcdm1-rsasignature2018-rs256',
    suite: 'RsaSignature2018/RS256',
    zone: 'UTC',
    make: () => ({ ...farmer({ face: false }), '@context': [VC_V1, FARMER_CONTEXT] }),
  },
  {
    name: 'farmer-vcdm1-rsasignature2018-ps256',
    suite: 'RsaSignature2018/PS256',
    zone: 'Asia/Kolkata',
    make: () => ({ ...farmer(), '@context': [VC_V1, FARMER_CONTEXT] }),
  },
  { name: 'national-id-vcdm2-rsasignature2018-rs256', suite: 'RsaSignature2018/RS256', zone: 'UTC', make: () => nationalId() },
  {
    name: 'farmer-vcdm1-ecdsasecp256k1signature2019',
    suite: 'EcdsaSecp256k1Signature2019',
    zone: 'UTC',
    make: () => ({ ...farmer(), '@context': [VC_V1, FARMER_CONTEXT] }),
  },
  {
    name: 'farmer-vcdm1-ecdsakoblitzsignature2016',
    suite: 'EcdsaKoblitzSignature2016',
    zone: 'UTC',
    make: () => ({ ...farmer({ face: false }), '@context': [VC_V1, FARMER_CONTEXT] }),
  },
  {
    name: 'national-id-vcdm2-ecdsasecp256r1signature2019',
    suite: 'EcdsaSecp256r1Signature2019',
    zone: 'America/Port_of_Spain',
    make: () => nationalId(),
  },
  {
    name: 'national-id-vcdm2-dataintegrity-ecdsa-rdfc-2019-secp256k1',
    suite: 'DataIntegrityProof/ecdsa-rdfc-2019',
    zone: 'Asia/Kolkata',
    make: () => nationalId(),
  },
];

async function secure(document, suite, zone) {
  const validFrom = document.validFrom ?? document.issuanceDate;
  const created = shiftedCreated(validFrom, ZONES[zone]);
  const proof = suite.startsWith('DataIntegrityProof')
    ? await dataIntegrityProof(document, created)
    : await legacyProof(document, suite, created);
  return { ...document, proof };
}

const written = [];
function emit(file, value) {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  const path = join(out, file);
  if (CHECK) {
    let old;
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      old = undefined;
    }
    if (old !== text) throw new Error(`${file} differs from what the generator produces`);
  } else writeFileSync(path, text);
  written.push(file);
}

const now = new Date(NOW);
const manifest = {
  source:
    'mosip/inji-certify@618684d (W3CJsonLD.java, CredentialUtils.java, proofgenerators/*, DIDDocumentUtil.java, StatusListCredentialService.java); weboftrust ld-signatures-java 1.0.0 as danubetech/data-integrity-java@8a7b55d; data-integrity-java 1.17.0',
  issuer: ISSUER,
  now: NOW,
  didDocument: 'did-web.json',
  didDocumentKeyIds: 'did-web-key-ids.json',
  statusList: { file: 'status-list.json', url: STATUS_LIST_ID, revokedIndex: REVOKED_INDEX, validIndex: VALID_INDEX },
  contexts: {
    [FARMER_CONTEXT]: 'contexts/farmer-v1.json',
    [NATIONAL_ID_CONTEXT]: 'contexts/national-id-v2.json',
  },
  fixtures: [],
};
for (const f of FIXTURES) {
  const secured = await secure(f.make(), f.suite, f.zone);
  const { quirks, documentDefined } = await quirksOf(secured, { legacy: !f.suite.startsWith('DataIntegrityProof'), now });
  emit(`${f.name}.json`, secured);
  manifest.fixtures.push({
    file: `${f.name}.json`,
    suite: f.suite,
    zone: f.zone,
    validFrom: secured.validFrom ?? secured.issuanceDate,
    created: secured.proof.created,
    verificationMethod: secured.proof.verificationMethod,
    quirks,
    documentDefined,
    ...(secured.credentialStatus
      ? { status: Number(secured.credentialStatus.statusListIndex) === REVOKED_INDEX ? 'revoked' : 'valid' }
      : {}),
  });
}
const list = await secure(statusList(), 'Ed25519Signature2020', 'Asia/Kolkata');
emit('status-list.json', list);
manifest.statusList.quirks = (await quirksOf(list, { legacy: true, now })).quirks;
emit('did-web.json', didDocument([ISSUER]));
// The same keys listed by id under assertionMethod, as the specifications expect: with it
// a spec-strict verifier gets as far as the proof itself, so the tests can see which
// canonicalisation deviation it refuses.
emit('did-web-key-ids.json', didDocument(Object.keys(KIDS).map(vm)));
// The keys a recognition list carries for this did:web issuer (recognition lists take
// Ed25519 and P-256 JWKs), each under its verification method id.
emit('recognition-keys.json', [
  { kid: vm('ed25519'), kty: 'OKP', crv: 'Ed25519', x: b64u(keys.ed25519.raw) },
  { kid: vm('r1'), kty: 'EC', crv: 'P-256', x: b64u(keys.r1.x), y: b64u(keys.r1.y) },
]);
emit('manifest.json', manifest);
console.log(`${CHECK ? 'checked' : 'wrote'} ${written.length} files in ${out}`);

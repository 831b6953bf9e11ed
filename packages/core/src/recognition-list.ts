// Recognition lists: a regional trust anchor's signed list of the issuing authorities
// its member states accredit (the role ETSI trusted lists play in the EU). The list is a
// VCDM 2.0 credential of type RecognitionList; this module fixes and checks its subject.
// The JSON Schema in packages/core/schemas/recognition-list.schema.json says the same.

import { base64Decode } from './base64url.js';
import { parseDateTimeStamp } from './datetime.js';
import { TradewindError } from './errors.js';
import { type RecognizedJwk, toRecognizedJwk } from './recognized-jwk.js';
import { type CredentialFormat, isJsonObject, type JsonObject, typesOf } from './types.js';

export const RECOGNITION_LIST_TYPE = 'RecognitionList';

/** Assurance levels, lowest first (eIDAS-style: low, substantial, high). */
export const ASSURANCE_LEVELS = ['low', 'substantial', 'high'] as const;
export type AssuranceLevel = (typeof ASSURANCE_LEVELS)[number];

/** True when `level` is at least `minimum`. */
export function meetsAssurance(level: AssuranceLevel, minimum: AssuranceLevel): boolean {
  return ASSURANCE_LEVELS.indexOf(level) >= ASSURANCE_LEVELS.indexOf(minimum);
}

/**
 * A public key of a recognised issuer, for DIDs that do not resolve offline (did:web).
 * Verifiers identify it by its material (RFC 7638 thumbprint), not only by its kid: two
 * different keys under one kid are two keys, each held to its own entry's window.
 * Ed25519 and P-256 keys verify JOSE (JWT, SD-JWT) and Data Integrity proofs; RSA,
 * secp256k1 and P-384 keys verify Data Integrity proofs only (a JWS naming one is
 * refused with UNSUPPORTED_ALGORITHM).
 */
export type RecognizedKey = RecognizedJwk & {
  /**
   * For a DID issuer, the verification method id: an absolute DID URL (`did:web:…#key-1`)
   * or a fragment (`#key-1`). For an https issuer, any non-empty string: the `kid` its
   * JWS headers carry.
   */
  kid: string;
  /**
   * `true`: the key is compromised. It never verifies anything again (credentials,
   * status lists), whatever the dates and whichever entry or list names it.
   */
  revoked?: boolean;
};

/**
 * X.509 certificates a list pins for an issuer that signs with an `x5c` header (SD-JWT
 * VCs, as MOSIP Inji issues them): each one the issuer's own certificate, or a CA
 * certificate above it. A chain that reaches none of them is not trusted.
 */
export interface RecognizedCertificates {
  /** Certificates, each base64 (not base64url) DER, as in an `x5c` header. */
  certificates: string[];
}

/** One accredited issuing authority (one key period of it, for key rollover). */
export interface RecognitionEntry {
  /**
   * The issuer: a DID, or an https URL (the `iss` of SD-JWT VCs whose issuer has no DID;
   * such an entry must carry `keys` or `x509`, since nothing is fetched).
   */
  id: string;
  /** ISO 3166-1 alpha-2 code of the accrediting member state. */
  country: string;
  name: string;
  /** Credential types the issuer is accredited for (`*` for any). */
  credentialTypes: string[];
  assuranceLevel: AssuranceLevel;
  /** Start of the accreditation (of this key period). */
  validFrom?: string;
  /** End of it: credentials issued after this are not recognised; earlier ones still are. */
  validUntil?: string;
  /** Keys for DIDs that are not self-resolving (did:web) and for https issuers. */
  keys?: RecognizedKey[];
  /** Certificates that anchor the issuer's `x5c` chains. */
  x509?: RecognizedCertificates;
  /** Formats accepted from this issuer; all when absent. */
  formats?: CredentialFormat[];
  /** The issuer's status mechanism, when its credentials must carry status. */
  status?: { required?: boolean; maxAgeSeconds?: number };
  /**
   * `true`: the keys of this entry are compromised (its listed `keys`, or, for a DID
   * without listed keys such as did:key, the DID's own key). They never verify anything
   * again, whatever the dates. A window (`validUntil`) only bounds what an honest issuer
   * signed; `revoked` is the answer to a stolen key.
   */
  revoked?: boolean;
  /**
   * `mosip`: Data Integrity proofs of this issuer are read with exactly the deviations
   * of MOSIP's Java stack (each one used is reported as a COMPATIBILITY warning). Only
   * this issuer: every other stays spec-strict.
   */
  compatibility?: 'mosip';
  /**
   * JSON-LD contexts this issuer's Data Integrity credentials use beyond the ones
   * verifiers bundle, pinned by the SHA-256 (hex) of their JCS (RFC 8785) form; the
   * document may be inline, else the verifier's caller supplies it.
   */
  contexts?: PinnedContextEntry[];
}

/** A JSON-LD context a recognition list pins for an issuer. */
export interface PinnedContextEntry {
  url: string;
  /** Lower-case hex SHA-256 of the context document's JCS (RFC 8785) serialization. */
  sha256: string;
  document?: JsonObject;
}

/** The credentialSubject of a RecognitionList credential. */
export interface RecognitionListSubject {
  id?: string;
  /** Monotonically increasing; verifiers refuse a lower one than they have seen. */
  sequence: number;
  /** When the anchor promises the next list; past it (plus grace) the list is stale. */
  nextUpdate: string;
  /** Optional name of the scheme, e.g. "CARICOM mutual recognition". */
  name?: string;
  entries: RecognitionEntry[];
}

const COUNTRY = /^[A-Z]{2}$/;
const DID = /^did:[a-z0-9]+:\S+$/;
/** Most certificates pinned by one entry, and the largest one (as verifiers bound `x5c`). */
export const MAX_PINNED_CERTIFICATES = 16;
export const MAX_CERTIFICATE_BYTES = 16 * 1024;
const MAX_HTTPS_ID_LENGTH = 2048;
const FORMATS: CredentialFormat[] = ['jwt_vc', 'vc+jwt', 'dc+sd-jwt', 'di'];

/** Reads the recognition-list subject of a credential, or throws `TRUST_LIST_INVALID` saying what is wrong. */
export function parseRecognitionList(credential: JsonObject): RecognitionListSubject {
  if (!typesOf(credential.type).includes(RECOGNITION_LIST_TYPE)) invalid('credential is not of type RecognitionList', '/type');
  const subject = credential.credentialSubject;
  if (!isJsonObject(subject)) return invalid('credentialSubject must be one object', '/credentialSubject');
  return parseRecognitionListSubject(subject, '/credentialSubject');
}

/** Checks a recognition-list subject (for example before an anchor signs it). */
export function parseRecognitionListSubject(subject: JsonObject, base = ''): RecognitionListSubject {
  const { sequence, nextUpdate, entries } = subject;
  if (!Number.isSafeInteger(sequence) || (sequence as number) < 0) invalid('sequence must be a non-negative integer', `${base}/sequence`);
  if (typeof nextUpdate !== 'string' || parseDateTimeStamp(nextUpdate) === undefined) {
    invalid('nextUpdate must be a date-time with a timezone', `${base}/nextUpdate`);
  }
  if (subject.name !== undefined && typeof subject.name !== 'string') invalid('name must be a string', `${base}/name`);
  if (!Array.isArray(entries)) return invalid('entries must be an array', `${base}/entries`);
  const parsed = entries.map((e, i) => parseEntry(e, `${base}/entries/${i}`));
  return {
    ...(subject as object),
    sequence: sequence as number,
    nextUpdate: nextUpdate as string,
    entries: parsed,
  } as RecognitionListSubject;
}

function parseEntry(entry: unknown, path: string): RecognitionEntry {
  if (!isJsonObject(entry)) return invalid('entry must be an object', path);
  const {
    id,
    country,
    name,
    credentialTypes,
    assuranceLevel,
    validFrom,
    validUntil,
    keys,
    x509,
    formats,
    status,
    revoked,
    compatibility,
    contexts,
  } = entry;
  const isDid = typeof id === 'string' && DID.test(id);
  if (!isDid && !isHttpsIssuer(id)) invalid('id must be the issuer DID or an https URL', `${path}/id`);
  if (typeof country !== 'string' || !COUNTRY.test(country)) invalid('country must be an ISO 3166-1 alpha-2 code', `${path}/country`);
  if (typeof name !== 'string' || name.length === 0) invalid('name must be a non-empty string', `${path}/name`);
  if (
    !Array.isArray(credentialTypes) ||
    credentialTypes.length === 0 ||
    !credentialTypes.every((t) => typeof t === 'string' && t.length > 0)
  ) {
    invalid('credentialTypes must be a non-empty array of type names', `${path}/credentialTypes`);
  }
  if (!(ASSURANCE_LEVELS as readonly unknown[]).includes(assuranceLevel)) {
    invalid(`assuranceLevel must be one of ${ASSURANCE_LEVELS.join(', ')}`, `${path}/assuranceLevel`);
  }
  for (const [field, value] of [
    ['validFrom', validFrom],
    ['validUntil', validUntil],
  ] as const) {
    if (value !== undefined && (typeof value !== 'string' || parseDateTimeStamp(value) === undefined)) {
      invalid(`${field} must be a date-time with a timezone`, `${path}/${field}`);
    }
  }
  if (
    typeof validFrom === 'string' &&
    typeof validUntil === 'string' &&
    (parseDateTimeStamp(validFrom) as number) > (parseDateTimeStamp(validUntil) as number)
  ) {
    invalid('validFrom is after validUntil', `${path}/validUntil`);
  }
  let parsedKeys: RecognizedKey[] | undefined;
  if (keys !== undefined) {
    if (!Array.isArray(keys) || keys.length === 0) return invalid('keys must be a non-empty array of JWKs', `${path}/keys`);
    parsedKeys = keys.map((k, i) => parseKey(k, `${path}/keys/${i}`, isDid));
  } else if ((id as string).startsWith('did:web:')) {
    invalid('a did:web issuer must have its keys listed, so verification needs no network', `${path}/keys`);
  } else if (!isDid && x509 === undefined) {
    invalid('an https issuer must have its keys or x509 certificates listed, since nothing is fetched', `${path}/keys`);
  }
  if (x509 !== undefined) parseCertificates(x509, `${path}/x509`);
  if (revoked !== undefined && typeof revoked !== 'boolean') invalid('revoked must be true or false', `${path}/revoked`);
  if (formats !== undefined && (!Array.isArray(formats) || !formats.every((f) => FORMATS.includes(f)))) {
    invalid(`formats must list some of ${FORMATS.join(', ')}`, `${path}/formats`);
  }
  if (status !== undefined) {
    if (!isJsonObject(status)) invalid('status must be an object', `${path}/status`);
    const s = status as JsonObject;
    if (s.required !== undefined && typeof s.required !== 'boolean')
      invalid('status.required must be a boolean', `${path}/status/required`);
    if (s.maxAgeSeconds !== undefined && !(typeof s.maxAgeSeconds === 'number' && s.maxAgeSeconds >= 0)) {
      invalid('status.maxAgeSeconds must be a non-negative number', `${path}/status/maxAgeSeconds`);
    }
  }
  if (compatibility !== undefined && compatibility !== 'mosip') invalid("compatibility must be 'mosip'", `${path}/compatibility`);
  if (contexts !== undefined) parseContexts(contexts, `${path}/contexts`);
  return { ...(entry as object), ...(parsedKeys ? { keys: parsedKeys } : {}) } as RecognitionEntry;
}

/**
 * An https issuer identifier as SD-JWT VC uses it: an absolute https URL with a host, no
 * credentials, no fragment, and nothing a URL parser would rewrite (so that the entry
 * and the `iss` it must equal are compared as the same string).
 */
export function isHttpsIssuer(id: unknown): id is string {
  if (typeof id !== 'string' || id.length > MAX_HTTPS_ID_LENGTH || !id.startsWith('https://') || /[\s#]/.test(id)) return false;
  let url: URL;
  try {
    url = new URL(id);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '' || url.hostname === '') return false;
  return url.href === id || url.href === `${id}/`;
}

/** Most contexts one entry pins. */
export const MAX_PINNED_CONTEXTS = 32;

function parseContexts(contexts: unknown, path: string): void {
  if (!Array.isArray(contexts) || contexts.length === 0 || contexts.length > MAX_PINNED_CONTEXTS) {
    invalid(`contexts must be an array of 1 to ${MAX_PINNED_CONTEXTS} { url, sha256 } objects`, path);
  }
  for (const [i, c] of (contexts as unknown[]).entries()) {
    if (!isJsonObject(c)) invalid('each context must be an object with url and sha256', `${path}/${i}`);
    const { url, sha256, document } = c as JsonObject;
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url) || url.length > MAX_HTTPS_ID_LENGTH) {
      invalid('url must be an absolute http(s) URL', `${path}/${i}/url`);
    }
    if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256))
      invalid('sha256 must be 64 lower-case hex digits', `${path}/${i}/sha256`);
    if (document !== undefined && !isJsonObject(document)) invalid('document must be a JSON object', `${path}/${i}/document`);
  }
}

function parseCertificates(x509: unknown, path: string): void {
  if (!isJsonObject(x509)) invalid('x509 must be an object with certificates', path);
  const { certificates } = x509;
  if (!Array.isArray(certificates) || certificates.length === 0 || certificates.length > MAX_PINNED_CERTIFICATES) {
    invalid(`x509.certificates must be an array of 1 to ${MAX_PINNED_CERTIFICATES} base64 DER certificates`, `${path}/certificates`);
  }
  for (const [i, c] of (certificates as unknown[]).entries()) {
    const der = typeof c === 'string' ? base64Decode(c) : undefined;
    // A DER certificate is a SEQUENCE (0x30); the verifier parses the rest.
    if (!der || der.length === 0 || der[0] !== 0x30 || der.length > MAX_CERTIFICATE_BYTES) {
      invalid(`x509 certificate is not base64 DER of at most ${MAX_CERTIFICATE_BYTES} bytes`, `${path}/certificates/${i}`);
    }
  }
}

function parseKey(key: unknown, path: string, didIssuer: boolean): RecognizedKey {
  if (!isJsonObject(key) || typeof key.kid !== 'string' || key.kid.length === 0 || (didIssuer && !key.kid.includes('#'))) {
    return invalid(
      didIssuer ? 'each key needs a kid naming its verification method (did:…#fragment or #fragment)' : 'each key needs a non-empty kid',
      `${path}/kid`,
    );
  }
  if (key.revoked !== undefined && typeof key.revoked !== 'boolean') invalid('revoked must be true or false', `${path}/revoked`);
  try {
    return { ...toRecognizedJwk(key, 'key'), kid: key.kid, ...(key.revoked === undefined ? {} : { revoked: key.revoked }) };
  } catch (e) {
    return invalid((e as Error).message, path);
  }
}

function invalid(message: string, path: string): never {
  throw new TradewindError('TRUST_LIST_INVALID', `recognition list: ${message}`, { path });
}

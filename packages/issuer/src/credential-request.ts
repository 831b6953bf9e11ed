import { randomUUID } from 'node:crypto';
import {
  type CredentialSchema,
  isJsonObject,
  type JsonObject,
  parseDateTimeStamp,
  TradewindError,
  VCDM_1_CONTEXT,
  VCDM_2_CONTEXT,
} from '@tradewind/core';
import { canonicalJson } from './content-digest.js';
import {
  type IssueDocumentRequest,
  type NormalizedRequest,
  normalizeDocument,
  STATUS_LIST_V1_CONTEXT,
  wholeSeconds,
} from './credential-document.js';
import { type HolderBinding, planSdJwt, refuseSdJwtMembers, type SdJwtSettings } from './sd-jwt-request.js';
import { STATUS_PURPOSES, type StatusPurpose } from './status-store.js';
import { isWellFormed, ownCopy, snapshot, unreadable } from './untrusted-json.js';

export type { NormalizedRequest } from './credential-document.js';

/** Credential formats the issuer signs. */
export type IssueFormat = 'jwt_vc' | 'vc+jwt' | 'dc+sd-jwt' | 'di';

/**
 * What to issue, in the convenience shape: the issuer builds the credential document
 * from it (see {@link IssueDocumentRequest} for the whole-document form). Everything
 * but `type` and `credentialSubject` has a default.
 */
export interface IssueRequest {
  /** Credential type(s) besides `VerifiableCredential`, e.g. `NationalIdCredential`. */
  type: string | string[];
  /** The claims; `id` (a URI, usually the holder's DID) becomes the subject id. */
  credentialSubject: JsonObject;
  /** Issuer DID of this database; defaults to the issuer's default DID. */
  issuer?: string;
  /**
   * `vc+jwt` (VCDM 2.0, default), `jwt_vc` (VCDM 1.1 JWT), `dc+sd-jwt` (SD-JWT VC: see the
   * README) or `di` (VCDM 2.0 with a Data Integrity proof: eddsa-rdfc-2022, ecdsa-rdfc-2019).
   */
  format?: IssueFormat;
  /** Credential id (a URI); default `urn:uuid:<random>`. */
  id?: string;
  /**
   * Start of validity; default now (whole seconds, UTC). A string is written exactly as
   * given; a Date in UTC, with milliseconds only when they are not zero.
   */
  validFrom?: Date | string;
  /** End of validity; none by default. Written as `validFrom` is. */
  validUntil?: Date | string;
  credentialSchema?: CredentialSchema | CredentialSchema[];
  /** Status purposes to allocate entries for; default `['revocation']`, `[]` for none. */
  status?: StatusPurpose[];
  /** Extra JSON-LD contexts after the base context. */
  context?: string[];
  /** Idempotency key: issuing the same key twice returns `ALREADY_EXISTS`. */
  recordKey?: string;
  /** `dc+sd-jwt`: the credential type (`vct`); default the type name (the first type besides VerifiableCredential). */
  vct?: string;
  /** `dc+sd-jwt`: the holder's public JWK (Ed25519 or P-256), bound as `cnf.jwk`; wins over `credentialSubject.id`. */
  holderKey?: JsonObject;
  /** `dc+sd-jwt`: bind the holder DID's key as `cnf.jwk` (default) or its verification method as `cnf.kid`. */
  holderBinding?: HolderBinding;
  /** `dc+sd-jwt`: JSON pointers of the selectively disclosable claims (replaces the type's default). */
  disclose?: string[];
  /** `dc+sd-jwt`: decoy digests in each `_sd` array (default 2 to 4 at the top level, 1 to 2 in nested objects). */
  decoys?: number;
}

const REQUEST_KEYS = new Set([
  'type',
  'credentialSubject',
  'issuer',
  'format',
  'id',
  'validFrom',
  'validUntil',
  'credentialSchema',
  'status',
  'context',
  'recordKey',
  'vct',
  'holderKey',
  'holderBinding',
  'disclose',
  'decoys',
]);
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;
const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_.:/#-]*$/;

/**
 * Checks an issue request and fills in defaults. Throws `INVALID_ARGUMENT` with a
 * `path` naming the field at fault.
 */
export function normalizeRequest(given: IssueRequest, defaults: NormalizeDefaults): NormalizedRequest {
  try {
    return normalize(given, defaults);
  } catch (error) {
    // A getter or Proxy of the caller's that throws while the request is read.
    throw unreadable(error, 'the issue request');
  }
}

interface NormalizeDefaults {
  issuer: string | undefined;
  now: Date;
  /** Base URL of this issuer's status lists. */
  baseUrl?: string | undefined;
  /** The claims are already a checked null-prototype copy (batch records): skip copying them again. */
  claimsCopied?: boolean;
  /** Re-emission: the logged start of validity, for a request that gives none. */
  validFrom?: string;
  /** The issuer's SD-JWT VC settings (`openIssuer`'s `sdJwt`). */
  sdJwt?: SdJwtSettings | undefined;
  /**
   * Re-emission of a credential issued before dates were kept as given: dates in UTC
   * whole seconds, as they were written then.
   */
  legacyDates?: boolean;
}

function normalize(given: IssueRequest, defaults: NormalizeDefaults): NormalizedRequest {
  // Batch records are built here; a caller's request is read once (getters, Proxies).
  const request = defaults.claimsCopied ? given : snapshot<IssueRequest>(given, 'the issue request');
  // A misspelt member (validUnitl) would otherwise issue a credential without it.
  for (const key of Object.keys(request)) {
    if (!REQUEST_KEYS.has(key)) throw invalid(`unknown member ${JSON.stringify(key)} in the issue request`, `/${key}`);
  }
  const types = typeof request.type === 'string' ? [request.type] : request.type;
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === 'string' && TYPE_NAME.test(t))) {
    throw invalid('type must be a credential type name or a non-empty list of them', '/type');
  }
  if (!isJsonObject(request.credentialSubject) || Object.keys(request.credentialSubject).length === 0) {
    throw invalid('credentialSubject must be an object with at least one claim', '/credentialSubject');
  }
  // Claims are copied onto null-prototype objects; __proto__, constructor and prototype
  // are refused at any depth (MALFORMED, with the path).
  const credentialSubject = defaults.claimsCopied
    ? request.credentialSubject
    : (ownCopy(request.credentialSubject, '/credentialSubject') as JsonObject);
  const subjectId = credentialSubject.id;
  if (subjectId !== undefined && (typeof subjectId !== 'string' || !URI.test(subjectId))) {
    throw invalid('credentialSubject.id must be a URI (for example the holder DID)', '/credentialSubject/id');
  }
  const issuer = request.issuer ?? defaults.issuer;
  if (typeof issuer !== 'string' || !issuer.startsWith('did:')) {
    throw invalid('no issuer DID: pass issuer or create a DID first', '/issuer');
  }
  const format = request.format ?? 'vc+jwt';
  if (format !== 'vc+jwt' && format !== 'jwt_vc' && format !== 'dc+sd-jwt' && format !== 'di')
    throw invalid(`format must be vc+jwt, jwt_vc, dc+sd-jwt or di, not ${String(format)}`, '/format');
  if (format !== 'dc+sd-jwt') refuseSdJwtMembers(request as unknown as Record<string, unknown>);
  const id = request.id ?? `urn:uuid:${randomUUID()}`;
  if (typeof id !== 'string' || !URI.test(id) || id.length > 2048 || !isWellFormed(id)) throw invalid('id must be a URI', '/id');
  const date = defaults.legacyDates ? isoSeconds : dateString;
  const validFrom =
    request.validFrom !== undefined ? date(request.validFrom, '/validFrom') : (defaults.validFrom ?? wholeSeconds(defaults.now));
  const validUntil = request.validUntil === undefined ? undefined : date(request.validUntil, '/validUntil');
  if (validUntil !== undefined && timeValue(validUntil) <= timeValue(validFrom)) {
    throw invalid('validUntil must be after validFrom', '/validUntil');
  }
  const status = request.status ?? ['revocation'];
  if (!Array.isArray(status) || !status.every((s) => STATUS_PURPOSES.includes(s)) || new Set(status).size !== status.length) {
    throw invalid('status must list distinct purposes among revocation and suspension', '/status');
  }
  const context = request.context ?? [];
  if (!Array.isArray(context) || !context.every((c) => typeof c === 'string' && URI.test(c))) {
    throw invalid('context must be a list of URLs', '/context');
  }
  const credentialSchema =
    request.credentialSchema === undefined
      ? undefined
      : (ownCopy(request.credentialSchema, '/credentialSchema') as CredentialSchema | CredentialSchema[]);
  if (credentialSchema !== undefined) {
    const schemas = Array.isArray(credentialSchema) ? credentialSchema : [credentialSchema];
    for (const s of schemas) {
      if (!isJsonObject(s) || typeof s.id !== 'string' || !URI.test(s.id) || typeof s.type !== 'string') {
        throw invalid('credentialSchema needs an id (URL) and a type', '/credentialSchema');
      }
    }
  }
  if (
    request.recordKey !== undefined &&
    (typeof request.recordKey !== 'string' ||
      request.recordKey.length === 0 ||
      request.recordKey.length > 512 ||
      !isWellFormed(request.recordKey))
  ) {
    throw invalid('recordKey must be a non-empty string of at most 512 characters', '/recordKey');
  }
  if (format === 'dc+sd-jwt') {
    if (request.context !== undefined)
      throw invalid('context is a member of vc+jwt and jwt_vc requests (an SD-JWT VC has no @context)', '/context');
    if (credentialSchema !== undefined)
      throw invalid('credentialSchema is a member of vc+jwt and jwt_vc requests (an SD-JWT VC has none)', '/credentialSchema');
    const sdJwtTypes = types.filter((t) => t !== 'VerifiableCredential');
    const plan = planSdJwt({
      types: sdJwtTypes,
      credentialSubject,
      vct: request.vct,
      holderKey: request.holderKey,
      holderBinding: request.holderBinding,
      disclose: request.disclose,
      decoys: request.decoys,
      validFromMs: timeValue(validFrom),
      ...(validUntil === undefined ? {} : { validUntilMs: timeValue(validUntil) }),
      settings: defaults.sdJwt,
    });
    const out: NormalizedRequest = {
      format,
      issuer,
      issuerPath: '/issuer',
      id,
      status: [...status],
      document: Object.create(null) as JsonObject,
      types: sdJwtTypes.length > 0 ? sdJwtTypes : [plan.vct],
      claims: credentialSubject,
      sdJwt: plan,
      validFrom,
    };
    if (validUntil !== undefined) out.validUntil = validUntil;
    if (request.recordKey !== undefined) out.recordKey = request.recordKey;
    if (typeof subjectId === 'string') out.subjectId = subjectId;
    if (request.id !== undefined) out.idChosen = true;
    return out;
  }
  // The document the request stands for, in the member order issuers have always signed.
  const v2 = format !== 'jwt_vc';
  const contexts = [v2 ? VCDM_2_CONTEXT : VCDM_1_CONTEXT, ...(!v2 && status.length > 0 ? [STATUS_LIST_V1_CONTEXT] : []), ...context];
  const document: JsonObject = {
    '@context': [...new Set(contexts)],
    id,
    type: ['VerifiableCredential', ...types.filter((t) => t !== 'VerifiableCredential')],
    issuer,
    [v2 ? 'validFrom' : 'issuanceDate']: validFrom,
  };
  if (validUntil !== undefined) document[v2 ? 'validUntil' : 'expirationDate'] = validUntil;
  // Members in sorted order at every depth: the same content is signed as the same
  // bytes whatever order the request or record listed it in, so a re-emission of it
  // is the very same credential (byte for byte with Ed25519), never a second spelling.
  document.credentialSubject = canonicalJson(credentialSubject) as JsonObject;
  if (credentialSchema !== undefined) document.credentialSchema = canonicalJson(credentialSchema) as JsonObject;
  const documentRequest: IssueDocumentRequest = { credential: document, format, status: [...status] };
  if (request.recordKey !== undefined) documentRequest.recordKey = request.recordKey;
  const out = normalizeDocument(documentRequest, {
    issuer,
    now: defaults.now,
    baseUrl: defaults.baseUrl,
    copied: true,
    prefix: '',
  });
  out.issuerPath = '/issuer';
  if (request.id !== undefined) out.idChosen = true;
  else delete out.idChosen;
  return out;
}

const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59);

/**
 * Milliseconds of a valid Date or an RFC 3339 date-time with an offset, read by core's
 * `parseDateTimeStamp` as verifiers read it (a calendar day that exists, fields in range,
 * years 1 to 9999); NaN for anything else.
 */
export function timeValue(value: unknown): number {
  try {
    return readTime(value);
  } catch {
    return Number.NaN; // a Proxy or a Date subclass that throws while it is read
  }
}

/** A valid Date (years 1 to 9999), read without letting a Proxy's error through. */
export function isValidDate(value: unknown): value is Date {
  try {
    return value instanceof Date && Number.isFinite(timeValue(value));
  } catch {
    return false;
  }
}

function readTime(value: unknown): number {
  let ms = Number.NaN;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === 'string') ms = parseDateTimeStamp(value) ?? Number.NaN;
  return Number.isFinite(ms) && ms >= EARLIEST && ms <= LATEST ? ms : Number.NaN;
}

/** An XML Schema dateTime in UTC with whole seconds (JWT `nbf`/`exp` have no fractions). */
export function isoSeconds(value: Date | string, path: string): string {
  // A batch passes the same `now` for every record of a transaction.
  if (value instanceof Date && value === lastDate.date && value.getTime() === lastDate.ms) return lastDate.iso;
  const ms = timeValue(value);
  if (!Number.isFinite(ms))
    throw invalid(`${path.slice(1) || 'date'} must be an RFC 3339 date-time with an offset (or a valid Date)`, path);
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  if (value instanceof Date) lastDate = { date: value, ms, iso };
  return iso;
}

/**
 * A date of the convenience shape as the credential writes it: a string exactly as
 * given (once checked), a Date in UTC with milliseconds only when they are not zero.
 */
export function dateString(value: Date | string, path: string): string {
  const ms = timeValue(value);
  if (!Number.isFinite(ms))
    throw invalid(`${path.slice(1) || 'date'} must be an RFC 3339 date-time with an offset (or a valid Date)`, path);
  if (typeof value === 'string') return value;
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

let lastDate: { date: Date | undefined; ms: number; iso: string } = { date: undefined, ms: Number.NaN, iso: '' };

function invalid(message: string, path: string): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', message, { path });
}

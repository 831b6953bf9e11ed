import { randomUUID } from 'node:crypto';
import {
  asArray,
  type CredentialStatus,
  type DataModelVersion,
  dataModelVersion,
  isJsonObject,
  type JsonObject,
  parseDateTimeStamp,
  TradewindError,
  typesOf,
  VCDM_1_CONTEXT,
  VCDM_2_CONTEXT,
  type VerifiableCredential,
  type VerificationIssue,
  validateCredential,
} from '@tradewind/core';
import type { IssueFormat } from './credential-request.js';
import { canonicalListUrl } from './list-url.js';
import type { SdJwtPlan } from './sd-jwt-request.js';
import { STATUS_PURPOSES, type StatusAllocation, type StatusPurpose } from './status-store.js';
import { isWellFormed, ownCopy, snapshot, unreadable } from './untrusted-json.js';

/** The Bitstring Status List context for VCDM 1.1 credentials (VCDM 2.0 includes the terms). */
export const STATUS_LIST_V1_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1';

/** The Data Integrity context, for VCDM 1.1 `di` credentials (VCDM 2.0 includes the terms). */
export const DATA_INTEGRITY_V2_CONTEXT = 'https://w3id.org/security/data-integrity/v2';
const DATA_INTEGRITY_V1_CONTEXT = 'https://w3id.org/security/data-integrity/v1';

/**
 * A whole credential document to issue, signed as given plus what the issuer manages
 * (see the package README): `issuer`, `id` and `validFrom` / `issuanceDate` when absent,
 * and the status entries it allocates.
 */
export interface IssueDocumentRequest {
  /** A VCDM 2.0 credential (for `vc+jwt`), a VCDM 1.1 credential (for `jwt_vc`), or either (for `di`), without `proof`. */
  credential: JsonObject;
  /**
   * Default from the document's first `@context`: VCDM 2.0 → `vc+jwt`, VCDM 1.1 → `jwt_vc`.
   * `di` secures the document (VCDM 2.0 or 1.1) with a Data Integrity proof instead.
   */
  format?: IssueFormat;
  /** Status purposes to allocate entries for; default `['revocation']`, `[]` for none. */
  status?: StatusPurpose[];
  /** Idempotency key: issuing the same key twice returns `ALREADY_EXISTS`. */
  recordKey?: string;
}

/** A request checked and completed: the document as it will be signed, but for the allocated status entries. */
export interface NormalizedRequest {
  format: IssueFormat;
  /** The issuer DID (the document's issuer id). */
  issuer: string;
  /** Where the issuer is named in the request, for errors about it. */
  issuerPath: string;
  id: string;
  /** The caller chose `id` (a generated one cannot be taken already). */
  idChosen?: boolean;
  status: StatusPurpose[];
  recordKey?: string;
  /** The final document without the status entries the issuer allocates (null-prototype objects). */
  document: JsonObject;
  /** Every type of the credential, `VerifiableCredential` included. */
  types: string[];
  /** The subject id, when there is exactly one subject and it has one. */
  subjectId?: string;
  validFrom?: string;
  validUntil?: string;
  /** The `credentialSubject` value (logged only with `logClaims`). */
  claims: JsonObject | JsonObject[];
  /** Status list URLs the caller's own status entries name, with their paths (none may be a list of this issuer). */
  statusLists?: Array<{ url: string; path: string }>;
  /** `dc+sd-jwt`: what is signed instead of `document` (which is then empty). */
  sdJwt?: SdJwtPlan;
}

/** What a request does not say itself. */
export interface DocumentDefaults {
  /** The default issuer DID (added as a string when the document has no issuer). */
  issuer: string | undefined;
  now: Date;
  /** Base URL of this issuer's status lists: entries of the caller's may not point there. */
  baseUrl: string | undefined;
  /** The request is already a checked null-prototype copy (batch records, convenience requests). */
  copied?: boolean;
  /** JSON pointer of the document in the request (`/credential`; `` for a document built from the convenience shape). */
  prefix?: string;
  /** Re-emission: the logged id and start of validity, used where the document leaves them out. */
  id?: string;
  validFrom?: string;
}

/** Longest document accepted, in bytes of its JSON: a signed one must stay within what verifiers read (256 KiB of JWS). */
export const MAX_DOCUMENT_BYTES = 128 * 1024;

/** Most violations the data-model validator collects for one document. */
const MAX_ISSUES = 1000;

/** Longest message of a `MALFORMED` error; every violation stays listed in its `issues`. */
const MAX_MESSAGE_LENGTH = 2000;

const DOCUMENT_REQUEST_KEYS = new Set(['credential', 'format', 'status', 'recordKey']);
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

/** A request in the document form (it has a `credential` member), as opposed to the convenience shape. */
export function isDocumentRequest(request: unknown): boolean {
  return isJsonObject(request) && Object.hasOwn(request, 'credential');
}

/**
 * Checks a document request and completes the document with what the issuer manages.
 * `INVALID_ARGUMENT` for request problems (with the path), `MALFORMED` with `issues`
 * for data-model violations of the final document. Nothing is allocated or logged here.
 */
export function normalizeDocument(given: unknown, defaults: DocumentDefaults): NormalizedRequest {
  try {
    return normalize(given, defaults);
  } catch (error) {
    // A getter or Proxy of the caller's that throws while the request is read.
    throw unreadable(error, 'the issue request');
  }
}

function normalize(given: unknown, d: DocumentDefaults): NormalizedRequest {
  const request = d.copied ? (given as IssueDocumentRequest) : snapshot<IssueDocumentRequest>(given, 'the issue request');
  const P = d.prefix ?? '/credential';
  for (const key of Object.keys(request)) {
    if (!DOCUMENT_REQUEST_KEYS.has(key))
      throw invalid(
        `unknown member ${JSON.stringify(key)} in the issue request: a document request has credential, format, status and recordKey (the credential's own members go inside credential)`,
        `/${key}`,
      );
  }
  if (!isJsonObject(request.credential)) throw invalid('credential must be a credential document (a JSON object)', P || '/');
  // Read once onto null-prototype objects; __proto__, constructor and prototype refused at any depth.
  const document = d.copied ? request.credential : (ownCopy(request.credential, P) as JsonObject);
  if (!d.copied && Buffer.byteLength(JSON.stringify(document)) > MAX_DOCUMENT_BYTES)
    throw new TradewindError('LIMIT_EXCEEDED', `the credential is longer than ${MAX_DOCUMENT_BYTES} bytes of JSON`, { path: P || '/' });
  if (Object.hasOwn(document, 'proof'))
    throw invalid('the credential has a proof: the issuer secures the credential itself (leave proof out)', `${P}/proof`);

  const version = dataModelVersion(document);
  const format = request.format ?? (version === '2.0' ? 'vc+jwt' : version === '1.1' ? 'jwt_vc' : undefined);
  if (format !== undefined && format !== 'vc+jwt' && format !== 'jwt_vc' && format !== 'di')
    throw invalid(`format must be vc+jwt, jwt_vc or di, not ${String(format)}`, '/format');
  if (format === undefined)
    throw malformed(
      [
        {
          code: 'MALFORMED',
          message: `the first @context must be ${VCDM_2_CONTEXT} (VCDM 2.0, vc+jwt) or ${VCDM_1_CONTEXT} (VCDM 1.1, jwt_vc)`,
          path: `${P}/@context`,
        },
      ],
      'the credential',
    );
  // di secures either data model (its proof terms come from the Data Integrity context for 1.1).
  const wanted: DataModelVersion = format === 'jwt_vc' ? '1.1' : format === 'di' && version === '1.1' ? '1.1' : '2.0';
  if (version !== undefined && version !== wanted)
    throw invalid(`format ${format} signs VCDM ${wanted} credentials, and this one is VCDM ${version} (its first @context)`, '/format');
  const status = request.status ?? ['revocation'];
  if (!Array.isArray(status) || !status.every((s) => STATUS_PURPOSES.includes(s)) || new Set(status).size !== status.length)
    throw invalid('status must list distinct purposes among revocation and suspension', '/status');
  const recordKey = request.recordKey;
  if (
    recordKey !== undefined &&
    (typeof recordKey !== 'string' || recordKey.length === 0 || recordKey.length > 512 || !isWellFormed(recordKey))
  )
    throw invalid('recordKey must be a non-empty string of at most 512 characters', '/recordKey');

  const issues: VerificationIssue[] = [];
  const issue = (message: string, path: string) => issues.push({ code: 'MALFORMED', message, path });
  // The issuer's additions go after the caller's members, on a copy (the request stays as given).
  // A plain object: its member names were checked (no __proto__, constructor or prototype).
  const out = shallowCopy(document);
  const has = (key: string) => Object.hasOwn(document, key);

  // VCDM 1.1 defines no Data Integrity proof terms (DataIntegrityProof, cryptosuite): the
  // Data Integrity context does, added last as @digitalbazaar/vc adds it.
  if (format === 'di' && wanted === '1.1') {
    const contexts = asArray(out['@context'] as unknown);
    // Its protected terms clash with the ones of v2, which verifiers of these proofs require.
    const v1 = contexts.indexOf(DATA_INTEGRITY_V1_CONTEXT);
    if (v1 >= 0)
      issue(
        `${DATA_INTEGRITY_V1_CONTEXT} defines the proof terms otherwise than ${DATA_INTEGRITY_V2_CONTEXT}, which di credentials are secured under (and which verifiers such as @digitalbazaar/vc require): name ${DATA_INTEGRITY_V2_CONTEXT} instead, or neither`,
        Array.isArray(document['@context']) ? `${P}/@context/${v1}` : `${P}/@context`,
      );
    else if (!contexts.includes(DATA_INTEGRITY_V2_CONTEXT)) out['@context'] = [...contexts, DATA_INTEGRITY_V2_CONTEXT];
  }
  if (!has('id')) out.id = d.id ?? `urn:uuid:${randomUUID()}`;
  else if (typeof document.id !== 'string') issue('id must be a URL (a string); leave id out to have a urn:uuid one added', `${P}/id`);
  else if (!URI.test(document.id) || document.id.length > 2048) issue('id must be a URL', `${P}/id`);

  if (!has('issuer')) {
    if (d.issuer === undefined) throw invalid('no issuer DID: name the issuer in the credential, or create a DID first', `${P}/issuer`);
    out.issuer = d.issuer;
  }
  const issuerValue = out.issuer;
  let issuer: string | undefined;
  let issuerPath = `${P}/issuer`;
  if (typeof issuerValue === 'string') issuer = issuerValue;
  else if (isJsonObject(issuerValue) && typeof issuerValue.id === 'string') {
    issuer = issuerValue.id;
    issuerPath = `${P}/issuer/id`;
  } else if (isJsonObject(issuerValue)) issue('an issuer object needs an id: one of this issuer DIDs', `${P}/issuer/id`);
  else issue('issuer must be one of this issuer DIDs, as a string or as the id of an object', `${P}/issuer`);

  const [startKey, endKey] = wanted === '2.0' ? ['validFrom', 'validUntil'] : ['issuanceDate', 'expirationDate'];
  if (!has(startKey)) out[startKey] = d.validFrom ?? wholeSeconds(d.now);
  for (const key of [startKey, endKey]) {
    const v = out[key];
    const ms = typeof v === 'string' ? parseDateTimeStamp(v) : undefined;
    if (v !== undefined && ms === undefined)
      issue(`${key} must be an XML Schema dateTimeStamp with an offset, such as 2026-01-01T00:00:00Z`, `${P}/${key}`);
    // jwt_vc carries the dates as nbf / exp too: JWT NumericDates, which verifiers read from 1970 on.
    if (ms !== undefined && ms < 0 && format === 'jwt_vc')
      throw invalid(`${key} before 1970 cannot be a JWT ${key === startKey ? 'nbf' : 'exp'}: issue it as vc+jwt (VCDM 2.0)`, `${P}/${key}`);
  }
  // The other data model's dates: undefined terms here, and a verifier may still read them
  // as the credential's validity (or a reader as its expiry).
  const [otherStart, otherEnd] = wanted === '2.0' ? ['issuanceDate', 'expirationDate'] : ['validFrom', 'validUntil'];
  for (const [key, instead] of [
    [otherEnd, endKey],
    [otherStart, startKey],
  ] as const) {
    if (has(key))
      issue(
        `${key} is not a VCDM ${wanted} term (VCDM ${wanted === '2.0' ? '1.1' : '2.0'} has it): this credential says ${instead}`,
        `${P}/${key}`,
      );
  }
  if (wanted === '1.1') {
    const start = typeof out[startKey] === 'string' ? parseDateTimeStamp(out[startKey] as string) : undefined;
    const end = typeof out[endKey] === 'string' ? parseDateTimeStamp(out[endKey] as string) : undefined;
    if (start !== undefined && end !== undefined && end < start)
      issue(
        `expirationDate ${out[endKey] as string} is earlier than issuanceDate ${out[startKey] as string}: the credential would never be valid`,
        `${P}/${endKey}`,
      );
  }
  if (!typesOf(document.type).includes('VerifiableCredential'))
    issue('type must include VerifiableCredential (it is not added for you)', `${P}/type`);
  // Credentials verifiers read as the issuer's own status lists or recognition lists:
  // signed from a request, they would stand in for the ones the issuer publishes.
  typesOf(document.type).forEach((t, i) => {
    if (RESERVED_TYPES.has(t))
      throw invalid(
        `type ${t} is not issued from a request: ${reservedTypeReason(t)}`,
        P === '' ? '/type' : Array.isArray(document.type) ? `${P}/type/${i}` : `${P}/type`,
      );
  });
  if (has('id') && typeof document.id === 'string' && d.baseUrl !== undefined && insideLists(document.id, d.baseUrl))
    throw invalid(
      `the credential id names this issuer's own status lists (${d.baseUrl}): a credential cannot take the id of a status list`,
      `${P}/id`,
    );
  // A `di` credential is no JWT: its members are JSON-LD terms, not JWT claims.
  if (format === 'vc+jwt') checkJwtClaims(out, P, issue);

  // The caller's status entries: kept, checked, and never inside this issuer's own lists.
  const own = has('credentialStatus') ? document.credentialStatus : undefined;
  const statusLists: Array<{ url: string; path: string }> = [];
  if (has('id') && typeof document.id === 'string' && canonicalListUrl(document.id) !== undefined)
    statusLists.push({ url: document.id, path: `${P}/id` });
  asArray(own as unknown).forEach((entry, i) => {
    const path = Array.isArray(own) ? `${P}/credentialStatus/${i}` : `${P}/credentialStatus`;
    if (!isJsonObject(entry)) {
      issue('a status entry must be an object', path);
      return;
    }
    for (const key of ['statusListCredential', 'id']) {
      const v = entry[key];
      if (typeof v === 'string') statusLists.push({ url: v, path: `${path}/${key}` });
      if (typeof v === 'string' && d.baseUrl !== undefined && insideLists(v, d.baseUrl))
        throw invalid(
          `a status entry of the credential points into this issuer's own status lists (${d.baseUrl}), whose indexes only the issuer allocates: ask for them with status instead`,
          `${path}/${key}`,
        );
    }
  });

  // Validate the final document: placeholders stand for the entries allocated later (same shape).
  const placeholders = status.map((purpose, index) => ({ listId: `${d.baseUrl ?? 'https://status.invalid'}/0`, index, purpose }));
  const final = withStatus(out, format, placeholders.map(statusEntry));
  // A caller's single status entry becomes the first of an array when the issuer appends
  // its own: issues about it point where the caller wrote it.
  const single =
    placeholders.length > 0 && Object.hasOwn(document, 'credentialStatus') && !Array.isArray(document.credentialStatus)
      ? `${P}/credentialStatus/0`
      : undefined;
  for (const found of validateCredential(final, { version: wanted, base: P, maxIssues: MAX_ISSUES })) {
    const path = found.path;
    if (single !== undefined && path !== undefined && (path === single || path.startsWith(`${single}/`)))
      found.path = `${P}/credentialStatus${path.slice(single.length)}`;
    issues.push(found);
  }
  if (issues.length > 0) throw malformed(dedupe(issues), `the credential (VCDM ${wanted})`);
  if (issuer === undefined || !issuer.startsWith('did:'))
    throw invalid(`issuer ${String(issuer)} is not a DID: the issuer must be one of this issuer DIDs`, issuerPath);

  const subjects = asArray(out.credentialSubject as JsonObject | JsonObject[]);
  const first = subjects[0];
  const normalized: NormalizedRequest = {
    format,
    issuer,
    issuerPath,
    id: out.id as string,
    status: [...status],
    document: out,
    types: typesOf(out.type),
    claims: out.credentialSubject as JsonObject | JsonObject[],
  };
  if (has('id')) normalized.idChosen = true;
  if (statusLists.length > 0) normalized.statusLists = statusLists;
  if (recordKey !== undefined) normalized.recordKey = recordKey;
  if (subjects.length === 1 && isJsonObject(first) && typeof first.id === 'string') normalized.subjectId = first.id;
  if (typeof out[startKey] === 'string') normalized.validFrom = out[startKey] as string;
  if (typeof out[endKey] === 'string') normalized.validUntil = out[endKey] as string;
  return normalized;
}

/** A credential status entry as the Bitstring Status List spec writes it (§2.1). */
export function statusEntry(allocation: StatusAllocation): CredentialStatus {
  return {
    id: `${allocation.listId}#${allocation.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: allocation.purpose,
    statusListIndex: String(allocation.index),
    statusListCredential: allocation.listId,
  };
}

/** The credential as signed: the request's document plus the allocated status entries, after the caller's own. */
export function finalCredential(request: NormalizedRequest, status: CredentialStatus[]): VerifiableCredential {
  return withStatus(request.document, request.format, status) as VerifiableCredential;
}

function withStatus(document: JsonObject, format: IssueFormat, status: CredentialStatus[]): JsonObject {
  if (status.length === 0) return document;
  const out = shallowCopy(document);
  if (format === 'jwt_vc' || dataModelVersion(document) === '1.1') {
    // VCDM 1.1 defines no status terms: the Bitstring Status List context does.
    const contexts = asArray(out['@context'] as unknown);
    if (!contexts.includes(STATUS_LIST_V1_CONTEXT)) out['@context'] = [...contexts, STATUS_LIST_V1_CONTEXT];
  }
  const own = Object.hasOwn(document, 'credentialStatus') ? document.credentialStatus : undefined;
  out.credentialStatus =
    own === undefined ? (status.length === 1 ? (status[0] as CredentialStatus) : status) : [...asArray(own), ...status];
  return out;
}

// The top level of a checked document, as a plain object (property access on a
// null-prototype object with many members is several times slower in V8).
function shallowCopy(document: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const key of Object.keys(document)) {
    if (key === '__proto__') throw new TradewindError('MALFORMED', 'the name "__proto__" is not allowed', { path: '/__proto__' });
    out[key] = document[key];
  }
  return out;
}

// A URL at or under the base of this issuer's status lists, compared as a web server
// resolves them (see canonicalListUrl).
function insideLists(url: string, base: string): boolean {
  const bare = canonicalListUrl(url);
  const root = canonicalListUrl(base);
  if (bare === undefined || root === undefined) return false;
  return bare === root || bare.startsWith(`${root}/`);
}

const RESERVED_TYPES: ReadonlySet<string> = new Set([
  'BitstringStatusListCredential',
  'StatusList2021Credential',
  'RecognitionList',
  'VerifiablePresentation',
  'EnvelopedVerifiablePresentation',
  'EnvelopedVerifiableCredential',
]);

function reservedTypeReason(type: string): string {
  if (type === 'RecognitionList') return 'sign recognition lists with signRecognitionList';
  if (type.endsWith('Presentation')) return 'a presentation is made by its holder (a credential is not one)';
  if (type === 'EnvelopedVerifiableCredential')
    return 'an envelope wraps a credential secured elsewhere (its id is a data: URL), and the issuer secures this one';
  return 'the issuer signs its status list credentials itself (statusListCredentials, publishStatusLists)';
}

/**
 * VC-JOSE-COSE §3.1: a vc+jwt payload is the credential, and JWT claims in it must not
 * conflict with it. `iss`, `jti`, `sub`, `nbf`, `exp` and `iat` are accepted only when
 * they say what the credential says (issuer id, id, the only subject's id, validFrom and
 * validUntil as NumericDates); `iat` (the time of signing), `cnf` (a key the credential
 * would be bound to besides its subject), `vc` and `vp` (claims of other formats) are refused.
 */
function checkJwtClaims(out: JsonObject, P: string, issue: (message: string, path: string) => void): void {
  const seconds = (key: string) => {
    const ms = typeof out[key] === 'string' ? parseDateTimeStamp(out[key] as string) : undefined;
    return ms === undefined ? undefined : Math.floor(ms / 1000);
  };
  const subjects = asArray(out.credentialSubject as unknown);
  const only = subjects.length === 1 && isJsonObject(subjects[0]) ? subjects[0] : undefined;
  const issuer = out.issuer;
  const expected: Record<string, [unknown, string]> = {
    iss: [typeof issuer === 'string' ? issuer : isJsonObject(issuer) ? issuer.id : undefined, 'the issuer id'],
    jti: [out.id, 'the credential id'],
    sub: [only?.id, 'the id of the only credentialSubject'],
    nbf: [seconds('validFrom'), 'validFrom as a NumericDate (whole seconds)'],
    exp: [seconds('validUntil'), 'validUntil as a NumericDate (whole seconds)'],
  };
  for (const key of Object.keys(out)) {
    const want = expected[key];
    if (want !== undefined && (want[0] === undefined || out[key] !== want[0]))
      issue(
        `${key} is a JWT claim in a vc+jwt credential, and verifiers read it as one: it must be ${want[1]}${want[0] === undefined ? ', which this credential does not have' : ` (${JSON.stringify(want[0])})`}, or be left out`,
        `${P}/${key}`,
      );
    else if (key === 'iat' || key === 'cnf' || key === 'vc' || key === 'vp')
      issue(
        key === 'iat'
          ? 'iat is a JWT claim, the time of signing, which only the issuer knows (leave iat out)'
          : key === 'cnf'
            ? 'cnf is a JWT claim that binds the credential to a key besides its subject: a vc+jwt credential is bound to its credentialSubject id (leave cnf out)'
            : `${key} is the claim of a ${key === 'vc' ? 'jwt_vc credential' : 'presentation'}: in a vc+jwt credential verifiers read it as one (leave it out)`,
        `${P}/${key}`,
      );
  }
}

/** Now (or a given instant) as a UTC dateTimeStamp in whole seconds. */
export function wholeSeconds(date: Date): string {
  if (date === lastNow.date && date.getTime() === lastNow.ms) return lastNow.iso;
  const ms = date.getTime();
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  lastNow = { date, ms, iso };
  return iso;
}

// A batch passes the same `now` for every record of a transaction.
let lastNow: { date: Date | undefined; ms: number; iso: string } = { date: undefined, ms: Number.NaN, iso: '' };

// One violation per path: the issuer's own check and the validator may both name it.
function dedupe(issues: VerificationIssue[]): VerificationIssue[] {
  const seen = new Set<string | undefined>();
  return issues.filter((i) => {
    if (seen.has(i.path)) return false;
    seen.add(i.path);
    return true;
  });
}

/** `MALFORMED` naming every violation with its path (message cut to a sane length), all of them in `issues`. */
export function malformed(issues: VerificationIssue[], what: string): TradewindError {
  let message = `${what} is not valid: `;
  let listed = 0;
  for (const i of issues) {
    const part = `${listed > 0 ? '; ' : ''}${i.path || '/'}: ${i.message}`;
    if (message.length + part.length > MAX_MESSAGE_LENGTH) break;
    message += part;
    listed += 1;
  }
  if (listed < issues.length) message += `; and ${issues.length - listed} more (see issues)`;
  return new TradewindError('MALFORMED', message, { path: issues[0]?.path ?? '/', issues });
}

function invalid(message: string, path: string): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', message, { path });
}

// VCDM 2.0 / 1.1 credential documents: every MUST that can be checked without fetching.

import type { VerificationIssue } from '../errors.js';
import { VCDM_1_CONTEXT, VCDM_2_CONTEXT } from '../types.js';
import {
  checkLanguageString,
  checkObjects,
  checkOptionalId,
  checkProof,
  checkType,
  checkTypedObject,
  checkUrl,
  isObject,
  type Json,
} from './checks.js';
import { type Contexts, checkContext, versionOfContext } from './context.js';
import { isKnownResource, matchesKnownResource, sriMatchesKnownResource } from './known-resources.js';
import { type DataModelOptions, type DataModelVersion, newRun, own, type Run, report, STOP, UNREADABLE, walkJson } from './run.js';
import { decodeMultibaseDigest, describe, isMultibaseDigest, isSriDigest, isStatusIndex, parseDataModelDate } from './values.js';

/**
 * '2.0' or '1.1' from the document's first `@context` entry; undefined otherwise.
 *
 * @example
 * ```ts
 * dataModelVersion({ '@context': ['https://www.w3.org/ns/credentials/v2'] }); // '2.0'
 * dataModelVersion({ '@context': ['https://example.com/v1'] }); // undefined
 * ```
 */
export function dataModelVersion(document: unknown): DataModelVersion | undefined {
  try {
    return isObject(document) ? versionOfContext(own(document, '@context')) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Every violation of the data model's checkable MUSTs, each `{ code: 'MALFORMED', message, path }`
 * with an RFC 6901 JSON pointer path; `[]` when valid. Never throws.
 *
 * @example
 * ```ts
 * validateCredential({
 *   '@context': ['https://www.w3.org/ns/credentials/v2'],
 *   type: ['VerifiableCredential'],
 *   issuer: 'did:example:issuer',
 *   credentialSubject: {},
 * });
 * // [{ code: 'MALFORMED', path: '/credentialSubject', message: 'a credential subject must make at least one claim ...' }]
 * ```
 */
export function validateCredential(document: unknown, options?: DataModelOptions): VerificationIssue[] {
  const run = newRun(options);
  const base = options?.base ?? '';
  try {
    if (walkJson(run, document, base)) credential(run, document, base, options?.version);
  } catch (e) {
    if (e !== STOP) report(run, base, UNREADABLE);
  }
  return run.issues;
}

/** Resolves the version to apply, reporting a document that names none. */
export function versionFor(run: Run, document: Json, path: string, version: DataModelVersion | undefined): DataModelVersion | undefined {
  const v = version ?? versionOfContext(own(document, '@context'));
  if (v === undefined) {
    report(
      run,
      `${path}/@context`,
      `@context must be an array whose first item is ${VCDM_2_CONTEXT} (VCDM 2.0) or ${VCDM_1_CONTEXT} (VCDM 1.1); got ${describe(own(document, '@context'))}`,
    );
  }
  return v;
}

/** Validates one credential object; shared with presentations for embedded credentials. */
export function credential(run: Run, document: unknown, path: string, version: DataModelVersion | undefined): void {
  if (!isObject(document)) {
    report(run, path, `a credential must be a JSON object; got ${describe(document)}`);
    return;
  }
  const v = versionFor(run, document, path, version);
  if (v === undefined) return;
  const contexts = checkContext(run, own(document, '@context'), v, `${path}/@context`);
  checkOptionalId(run, document, path, 'a credential');
  checkType(run, contexts, document, path, 'a credential', 'VerifiableCredential');
  checkNotEnvelope(run, document, path, 'a credential');
  if (v === '2.0') {
    checkLanguageString(run, document, 'name', path);
    checkLanguageString(run, document, 'description', path);
  }
  checkIssuer(run, document, path, v);
  checkSubjects(run, own(document, 'credentialSubject'), `${path}/credentialSubject`);
  checkDates(run, document, path, v);
  const status = own(document, 'credentialStatus');
  if (status !== undefined) {
    checkObjects(run, status, `${path}/credentialStatus`, 'credentialStatus', (item, at) => checkStatus(run, contexts, item, at, v));
  }
  const schema = own(document, 'credentialSchema');
  if (schema !== undefined) {
    checkObjects(run, schema, `${path}/credentialSchema`, 'credentialSchema', (item, at) => {
      if (own(item, 'id') === undefined) report(run, `${at}/id`, 'a credentialSchema entry must have an id: the URL of the schema');
      checkTypedObject(run, contexts, item, at, 'a credentialSchema entry');
    });
  }
  for (const key of TYPED_LISTS) {
    const value = own(document, key);
    if (v === '1.1' && (key === 'confidenceMethod' || key === 'renderMethod')) continue;
    if (value === undefined) continue;
    const requireId = v === '1.1' && key === 'refreshService';
    checkObjects(run, value, `${path}/${key}`, key, (item, at) => {
      if (requireId && own(item, 'id') === undefined)
        report(run, `${at}/id`, 'a VCDM 1.1 refreshService entry must have an id: the URL of the service');
      checkTypedObject(run, contexts, item, at, `a ${key} entry`);
    });
  }
  if (v === '2.0') checkRelatedResources(run, own(document, 'relatedResource'), `${path}/relatedResource`);
  checkProof(run, document, path);
}

/**
 * An envelope's type is the envelope type alone (§4.13): a credential or presentation that
 * also says it is one would be read as an envelope by some, and its `id` unwrapped unverified.
 */
export function checkNotEnvelope(run: Run, document: Json, path: string, what: string): void {
  const type = own(document, 'type');
  const types = Array.isArray(type) ? type : [type];
  // Nor is a credential a presentation, or the reverse: a JWT without a typ is read as
  // whichever its type says, so one typed as both would be taken for either.
  const other = what === 'a presentation' ? 'VerifiableCredential' : 'VerifiablePresentation';
  for (let i = 0; i < types.length; i++) {
    const t: unknown = types[i];
    if (t === 'EnvelopedVerifiableCredential' || t === 'EnvelopedVerifiablePresentation' || t === other) {
      report(run, Array.isArray(type) ? `${path}/type/${i}` : `${path}/type`, `${what} cannot also be a${t === other ? '' : 'n'} ${t}`);
    }
  }
}

/**
 * Properties whose values are objects that must each carry a type: terms of use, evidence,
 * refresh services, and the reserved properties of VCDM 2.0 (confidenceMethod, renderMethod).
 */
const TYPED_LISTS = ['termsOfUse', 'evidence', 'refreshService', 'confidenceMethod', 'renderMethod'] as const;

function checkIssuer(run: Run, document: Json, path: string, v: DataModelVersion): void {
  const issuer = own(document, 'issuer');
  const at = `${path}/issuer`;
  if (issuer === undefined) report(run, at, 'a credential must have an issuer: a URL or an object with a URL id');
  else if (isObject(issuer)) {
    const id = own(issuer, 'id');
    if (id === undefined) report(run, `${at}/id`, 'an issuer object must have an id: a URL');
    else checkUrl(run, id, `${at}/id`, 'the id of the issuer');
    if (v === '2.0') {
      checkLanguageString(run, issuer, 'name', at);
      checkLanguageString(run, issuer, 'description', at);
    }
  } else if (typeof issuer !== 'string') report(run, at, `issuer must be a URL or an object with a URL id; got ${describe(issuer)}`);
  else checkUrl(run, issuer, at, 'issuer');
}

function checkSubjects(run: Run, subjects: unknown, path: string): void {
  if (subjects === undefined) {
    report(run, path, 'a credential must have a credentialSubject: an object or a non-empty array of objects');
    return;
  }
  checkObjects(run, subjects, path, 'credentialSubject', (subject, at) => {
    let members = 0;
    for (const k in subject) {
      // A member whose value is undefined does not survive JSON serialization.
      if (Object.hasOwn(subject, k) && subject[k] !== undefined) {
        members++;
        break;
      }
    }
    // 2.0 §4.8: each object MUST be the subject of one or more claims; 1.1 §4.4: objects
    // "that contain one or more properties". An id alone still makes one: that this
    // subject is what the credential is about (the credentialSubject relation names
    // it), and the W3C suites issue such credentials as valid. An empty object names nothing.
    if (members === 0) report(run, at, 'a credential subject must make at least one claim; got an empty object');
    checkOptionalId(run, subject, at, 'a credential subject');
  });
}

function checkDates(run: Run, document: Json, path: string, v: DataModelVersion): void {
  const [fromKey, untilKey] = v === '2.0' ? (['validFrom', 'validUntil'] as const) : (['issuanceDate', 'expirationDate'] as const);
  const from = readDate(run, document, fromKey, path);
  const until = readDate(run, document, untilKey, path);
  if (v === '1.1' && own(document, 'issuanceDate') === undefined)
    report(run, `${path}/issuanceDate`, 'a VCDM 1.1 credential must have an issuanceDate');
  // 2.0 §4.9: validFrom MUST be the same or earlier than validUntil. 1.1 sets no such rule.
  if (v === '2.0' && from !== undefined && until !== undefined && until < from) {
    report(
      run,
      `${path}/validUntil`,
      `validUntil ${describe(own(document, 'validUntil'))} is earlier than validFrom ${describe(own(document, 'validFrom'))}`,
    );
  }
}

function readDate(run: Run, document: Json, key: string, path: string): number | undefined {
  const value = own(document, key);
  if (value === undefined) return undefined;
  // 1.1 names XML Schema dateTime, whose time zone is optional; a time without one is a
  // different instant in every zone, so no validity window can be judged from it. Dates
  // carry an offset in both models, as the verifier reads them (and as RFC 3339 says).
  const ms = typeof value === 'string' ? parseDataModelDate(value, false) : undefined;
  if (ms === undefined) {
    report(
      run,
      `${path}/${key}`,
      `${key} must be an XML Schema dateTimeStamp with a time zone, e.g. "2026-01-01T00:00:00Z"; got ${describe(value)}`,
    );
  }
  return ms;
}

function checkStatus(run: Run, contexts: Contexts, item: Json, path: string, v: DataModelVersion): void {
  if (v === '1.1' && own(item, 'id') === undefined) report(run, `${path}/id`, 'a VCDM 1.1 credentialStatus entry must have an id: a URL');
  checkTypedObject(run, contexts, item, path, 'a credentialStatus entry');
  const type = own(item, 'type');
  if (!(type === 'BitstringStatusListEntry' || (Array.isArray(type) && type.includes('BitstringStatusListEntry')))) return;
  // Bitstring Status List v1.0 §2.1.
  const purpose = own(item, 'statusPurpose');
  if (typeof purpose !== 'string' || purpose === '') {
    report(
      run,
      `${path}/statusPurpose`,
      `a BitstringStatusListEntry needs a statusPurpose string such as "revocation"; got ${describe(purpose)}`,
    );
  }
  const index = own(item, 'statusListIndex');
  if (!isStatusIndex(index)) {
    report(
      run,
      `${path}/statusListIndex`,
      `statusListIndex must be a string of decimal digits without sign or leading zeros, e.g. "94567"; got ${describe(index)}`,
    );
  }
  checkUrl(run, own(item, 'statusListCredential'), `${path}/statusListCredential`, 'statusListCredential');
  const size = own(item, 'statusSize');
  if (size !== undefined && !(typeof size === 'number' && Number.isSafeInteger(size) && size > 0)) {
    report(run, `${path}/statusSize`, `statusSize, when given, must be an integer greater than zero; got ${describe(size)}`);
  }
}

/** VCDM 2.0 §5.3 Integrity of Related Resources. */
function checkRelatedResources(run: Run, value: unknown, path: string): void {
  if (value === undefined) return;
  checkObjects(run, value, path, 'relatedResource', (item, at) => {
    if (own(item, 'id') === undefined) report(run, `${at}/id`, 'a relatedResource entry must have an id: the URL of the resource');
    else checkUrl(run, own(item, 'id'), `${at}/id`, 'the id of a related resource');
    const mediaType = own(item, 'mediaType');
    if (mediaType !== undefined && (typeof mediaType !== 'string' || mediaType === '')) {
      report(run, `${at}/mediaType`, `mediaType must be a media type string such as "application/json"; got ${describe(mediaType)}`);
    }
    const sri = own(item, 'digestSRI');
    const multibase = own(item, 'digestMultibase');
    if (sri === undefined && multibase === undefined) report(run, at, 'a relatedResource entry must have a digestSRI or a digestMultibase');
    if (sri !== undefined)
      checkDigests(
        run,
        sri,
        `${at}/digestSRI`,
        isSriDigest,
        'digestSRI must be an SRI hash expression: sha256-, sha384- or sha512- then the base64 digest',
      );
    if (multibase !== undefined) {
      checkDigests(
        run,
        multibase,
        `${at}/digestMultibase`,
        isMultibaseDigest,
        'digestMultibase must be a multibase (u base64url or z base58btc) multihash of a known hash with its length, or a bare SHA-2 digest',
      );
    }
    const id = own(item, 'id');
    if (typeof id === 'string' && isKnownResource(id)) checkKnownDigests(run, id, sri, multibase, at);
  });
  if (!Array.isArray(value)) return;
  // "The value MUST be unique among the list of related resource objects." One pass with
  // the first place of each id: comparing every pair took seconds for the 3,000 entries
  // a 256 KiB credential holds.
  const first = new Map<string, number>();
  for (let i = 0; i < value.length; i++) {
    const id = isObject(value[i]) ? own(value[i], 'id') : undefined;
    if (typeof id !== 'string') continue;
    const j = first.get(id);
    if (j === undefined) first.set(id, i);
    else report(run, `${path}/${i}/id`, `relatedResource ids must be unique; ${describe(id)} is also at ${path}/${j}/id`);
  }
}

/**
 * Digests of a resource held here without fetching (the base context): §5.3 asks a verifier
 * to compare them with the resource it uses, and to produce an error when they differ.
 */
function checkKnownDigests(run: Run, id: string, sri: unknown, multibase: unknown, at: string): void {
  const mismatch = `does not match any published text of ${id}, which implementations treat as already retrieved (VCDM 2.0 §B.1)`;
  for (const [i, value] of (Array.isArray(sri) ? sri : [sri]).entries()) {
    if (typeof value !== 'string' || !isSriDigest(value)) continue;
    if (sriMatchesKnownResource(id, value) === false)
      report(run, Array.isArray(sri) ? `${at}/digestSRI/${i}` : `${at}/digestSRI`, `digestSRI ${mismatch}`);
  }
  for (const [i, value] of (Array.isArray(multibase) ? multibase : [multibase]).entries()) {
    const decoded = typeof value === 'string' ? decodeMultibaseDigest(value) : undefined;
    if (decoded && matchesKnownResource(id, decoded.algorithm, decoded.digest) === false)
      report(run, Array.isArray(multibase) ? `${at}/digestMultibase/${i}` : `${at}/digestMultibase`, `digestMultibase ${mismatch}`);
  }
}

function checkDigests(run: Run, value: unknown, path: string, test: (s: string) => boolean, expected: string): void {
  if (typeof value === 'string') {
    if (!test(value)) report(run, path, `${expected}; got ${describe(value)}`);
  } else if (Array.isArray(value) && value.length > 0) {
    for (let i = 0; i < value.length; i++) {
      const d: unknown = value[i];
      if (typeof d !== 'string' || !test(d)) report(run, `${path}/${i}`, `${expected}; got ${describe(d)}`);
    }
  } else report(run, path, `${expected}; got ${describe(value)}`);
}

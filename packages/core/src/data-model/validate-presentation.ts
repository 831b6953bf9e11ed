// VCDM 2.0 / 1.1 presentations and the enveloped forms of §4.13.

import type { VerificationIssue } from '../errors.js';
import { looksLikeCompactJws } from '../jws.js';
import { VCDM_2_CONTEXT } from '../types.js';
import { checkObjects, checkOptionalId, checkProof, checkType, checkTypedObject, checkUrl, isObject, type Json } from './checks.js';
import { checkContext } from './context.js';
import { type DataModelOptions, newRun, own, type Run, report, STOP, UNREADABLE, walkJson } from './run.js';
import { checkNotEnvelope, credential, versionFor } from './validate-credential.js';
import { describe, escapePointer, isDataUrl, isUrl } from './values.js';

const ENVELOPE_TYPE = { credential: 'EnvelopedVerifiableCredential', presentation: 'EnvelopedVerifiablePresentation' } as const;

/**
 * The presentation's own properties; each `verifiableCredential` entry is checked for shape:
 * an embedded credential (validated as {@link validateCredential} does, at
 * `/verifiableCredential/i`) or an EnvelopedVerifiableCredential ({@link validateEnvelope}).
 * Never throws.
 *
 * @example
 * ```ts
 * validatePresentation({
 *   '@context': ['https://www.w3.org/ns/credentials/v2'],
 *   type: ['VerifiablePresentation'],
 *   verifiableCredential: ['eyJhbGciOiJFUzI1NiJ9.e30.c2ln'],
 * });
 * // [{ code: 'MALFORMED', path: '/verifiableCredential/0', message: 'in VCDM 2.0 each verifiableCredential entry must be an object ...' }]
 * ```
 */
export function validatePresentation(document: unknown, options?: DataModelOptions): VerificationIssue[] {
  const run = newRun(options);
  const base = options?.base ?? '';
  try {
    if (walkJson(run, document, base)) presentation(run, document, base, options);
  } catch (e) {
    if (e !== STOP) report(run, base, UNREADABLE);
  }
  return run.issues;
}

/**
 * An EnvelopedVerifiableCredential / EnvelopedVerifiablePresentation (VCDM 2.0 §4.13):
 * `@context` starting with https://www.w3.org/ns/credentials/v2, `type` naming the envelope
 * type, `id` a `data:` URL (RFC 2397) carrying the secured document. Never throws.
 *
 * @example
 * ```ts
 * validateEnvelope({
 *   '@context': ['https://www.w3.org/ns/credentials/v2'],
 *   type: 'EnvelopedVerifiableCredential',
 *   id: 'data:application/vc+jwt,eyJhbGciOiJFUzI1NiJ9.e30.c2ln',
 * }, 'credential'); // []
 * ```
 */
export function validateEnvelope(document: unknown, kind: 'credential' | 'presentation', options?: DataModelOptions): VerificationIssue[] {
  const run = newRun(options);
  const base = options?.base ?? '';
  try {
    if (walkJson(run, document, base)) envelope(run, document, base, kind);
  } catch (e) {
    if (e !== STOP) report(run, base, UNREADABLE);
  }
  return run.issues;
}

function envelope(run: Run, document: unknown, path: string, kind: 'credential' | 'presentation'): void {
  const type = ENVELOPE_TYPE[kind];
  if (!isObject(document)) {
    report(run, path, `an ${type} must be a JSON object; got ${describe(document)}`);
    return;
  }
  const context = own(document, '@context');
  const contexts = checkContext(run, context === VCDM_2_CONTEXT ? [context] : context, '2.0', `${path}/@context`);
  checkType(run, contexts, document, path, `an ${type}`, type);
  // §4.13.1/§4.13.3: "The type value of the object MUST be" the envelope type: another type
  // beside it (VerifiableCredential, or the other envelope type) makes it something else too.
  const types = own(document, 'type');
  // (Without the envelope type, checkType has said so already.)
  if (Array.isArray(types) && types.includes(type)) {
    for (let i = 0; i < types.length; i++) {
      const t: unknown = types[i];
      if (typeof t === 'string' && t !== type)
        report(run, `${path}/type/${i}`, `the type of an ${type} is ${type} alone; got also ${describe(t)}`);
    }
  }
  const id = own(document, 'id');
  if (typeof id === 'string' && id.endsWith(',') && isDataUrl(id)) {
    report(run, `${path}/id`, `the data: URL of an ${type} is empty; it must hold the secured ${kind}`);
  } else if (!isDataUrl(id)) {
    report(
      run,
      `${path}/id`,
      `the id of an ${type} must be a data: URL (RFC 2397) holding the secured ${kind}, e.g. "data:application/vc+jwt,eyJ…"; got ${describe(id)}`,
    );
  }
  // Only the data: URL is secured (by the signature inside it): a member beside it (a
  // credentialSubject, an issuer, a list of credentials) would be read as verified
  // without being so. An envelope is @context, type and id (§4.13).
  for (const key of Object.keys(document)) {
    if (key !== '@context' && key !== 'type' && key !== 'id')
      report(
        run,
        `${path}/${escapePointer(key)}`,
        `an ${type} carries only @context, type and id; ${describe(key)} beside them is not secured by the ${kind} inside it`,
      );
  }
}

function presentation(run: Run, document: unknown, path: string, options: DataModelOptions | undefined): void {
  if (!isObject(document)) {
    report(run, path, `a presentation must be a JSON object; got ${describe(document)}`);
    return;
  }
  const v = versionFor(run, document, path, options?.version);
  if (v === undefined) return;
  const contexts = checkContext(run, own(document, '@context'), v, `${path}/@context`);
  checkOptionalId(run, document, path, 'a presentation');
  checkType(run, contexts, document, path, 'a presentation', 'VerifiablePresentation');
  checkNotEnvelope(run, document, path, 'a presentation');
  const holder = own(document, 'holder');
  if (holder !== undefined) {
    if (isObject(holder)) {
      const id = own(holder, 'id');
      if (id === undefined) report(run, `${path}/holder/id`, 'a holder object must have an id: a URL');
      else checkUrl(run, id, `${path}/holder/id`, 'the id of the holder');
    } else if (!isUrl(holder)) {
      report(run, `${path}/holder`, `holder must be a URL or an object with a URL id; got ${describe(holder)}`);
    }
  }
  const credentials = own(document, 'verifiableCredential');
  if (credentials !== undefined) {
    const at = `${path}/verifiableCredential`;
    const entry = (item: unknown, itemPath: string): void => {
      if (typeof item === 'string' && v === '1.1') {
        // 1.1 §4.10: credentials "in a cryptographically verifiable format", such as a JWT.
        if (!looksLikeCompactJws(item)) report(run, itemPath, `a verifiableCredential string must be a compact JWT; got ${describe(item)}`);
      } else if (!isObject(item)) {
        report(
          run,
          itemPath,
          v === '2.0'
            ? `in VCDM 2.0 a verifiableCredential entry must be an object (an embedded credential or an EnvelopedVerifiableCredential); got ${describe(item)}`
            : `each verifiableCredential entry must be a credential object or a compact JWT; got ${describe(item)}`,
        );
      } else if (isEnvelope(own(item, 'type'))) envelope(run, item, itemPath, 'credential');
      else {
        credential(run, item, itemPath, undefined);
        if (v === '2.0' && own(item, 'proof') === undefined) selfAsserted(run, document, item, path, itemPath);
      }
    };
    if (Array.isArray(credentials)) {
      if (credentials.length === 0) report(run, at, 'verifiableCredential must hold one or more credentials; got an empty array');
      for (let i = 0; i < credentials.length; i++) entry(credentials[i], `${at}/${i}`);
    } else entry(credentials, at);
  }
  const terms = own(document, 'termsOfUse');
  if (terms !== undefined) {
    checkObjects(run, terms, `${path}/termsOfUse`, 'termsOfUse', (item, at) =>
      checkTypedObject(run, contexts, item, at, 'a termsOfUse entry'),
    );
  }
  checkProof(run, document, path);
}

/**
 * An embedded credential without a proof of its own is secured only by the presentation,
 * which VCDM 2.0 §4.13.4 allows for a self-asserted credential (issued by the holder), and
 * then the presentation MUST name its holder.
 */
function selfAsserted(run: Run, presentation: Json, embedded: Json, path: string, itemPath: string): void {
  const holder = own(presentation, 'holder');
  if (holder === undefined) {
    report(
      run,
      `${path}/holder`,
      `the credential at ${itemPath} has no proof of its own, so it is self-asserted and the presentation must name its holder`,
    );
    return;
  }
  const holderId = isObject(holder) ? own(holder, 'id') : holder;
  const issuer = own(embedded, 'issuer');
  const issuerId = isObject(issuer) ? own(issuer, 'id') : issuer;
  if (typeof holderId === 'string' && typeof issuerId === 'string' && holderId !== issuerId) {
    report(
      run,
      itemPath,
      `an embedded credential without a proof must be self-asserted: its issuer ${describe(issuerId)} is not the holder ${describe(holderId)}`,
    );
  }
}

function isEnvelope(type: unknown): boolean {
  return type === ENVELOPE_TYPE.credential || (Array.isArray(type) && type.includes(ENVELOPE_TYPE.credential));
}

// @context checks and the part of JSON-LD context processing that `type` values need:
// which terms the contexts define, which are protected, and whether a term can expand.

import { VCDM_1_CONTEXT, VCDM_2_CONTEXT } from '../types.js';
import { type DataModelVersion, own, type Run, report } from './run.js';
import { describe, escapePointer, isUrl } from './values.js';

const CRED = 'https://www.w3.org/2018/credentials#';
const SEC = 'https://w3id.org/security#';
const STATUS = 'https://www.w3.org/ns/credentials/status#';
const JWT = 'https://www.iana.org/assignments/jwt#';
const JOSE = 'https://www.iana.org/assignments/jose#';

/**
 * Top-level terms of the VCDM 2.0 base context (https://www.w3.org/ns/credentials/v2),
 * all protected ("@protected": true), with the IRI each maps to.
 */
const V2_TERMS: Record<string, string> = {
  id: '@id',
  type: '@type',
  description: 'https://schema.org/description',
  digestMultibase: `${SEC}digestMultibase`,
  digestSRI: `${CRED}digestSRI`,
  mediaType: 'https://schema.org/encodingFormat',
  name: 'https://schema.org/name',
  VerifiableCredential: `${CRED}VerifiableCredential`,
  EnvelopedVerifiableCredential: `${CRED}EnvelopedVerifiableCredential`,
  VerifiablePresentation: `${CRED}VerifiablePresentation`,
  EnvelopedVerifiablePresentation: `${CRED}EnvelopedVerifiablePresentation`,
  JsonSchemaCredential: `${CRED}JsonSchemaCredential`,
  JsonSchema: `${CRED}JsonSchema`,
  BitstringStatusListCredential: `${STATUS}BitstringStatusListCredential`,
  BitstringStatusList: `${STATUS}BitstringStatusList`,
  BitstringStatusListEntry: `${STATUS}BitstringStatusListEntry`,
  DataIntegrityProof: `${SEC}DataIntegrityProof`,
  '...': `${JWT}...`,
  _sd: `${JWT}_sd`,
  _sd_alg: `${JWT}_sd_alg`,
  aud: `${JWT}aud`,
  cnf: `${JWT}cnf`,
  exp: `${JWT}exp`,
  iat: `${JWT}iat`,
  iss: `${JOSE}iss`,
  jku: `${JOSE}jku`,
  kid: `${JOSE}kid`,
  nbf: `${JWT}nbf`,
  sub: `${JOSE}sub`,
  x5u: `${JOSE}x5u`,
};

/** Top-level terms of the VCDM 1.1 base context (https://www.w3.org/2018/credentials/v1), all protected. */
const V1_TERMS: Record<string, string> = {
  id: '@id',
  type: '@type',
  VerifiableCredential: `${CRED}VerifiableCredential`,
  VerifiablePresentation: `${CRED}VerifiablePresentation`,
  EcdsaSecp256k1Signature2019: `${SEC}EcdsaSecp256k1Signature2019`,
  EcdsaSecp256r1Signature2019: `${SEC}EcdsaSecp256r1Signature2019`,
  Ed25519Signature2018: `${SEC}Ed25519Signature2018`,
  RsaSignature2018: `${SEC}RsaSignature2018`,
  proof: `${SEC}proof`,
};

export const BASE_CONTEXT: Record<DataModelVersion, string> = { '2.0': VCDM_2_CONTEXT, '1.1': VCDM_1_CONTEXT };

/** A term an inline context defines: the IRI it maps to (null: none; undefined: not given) and whether it is protected. */
interface TermDefinition {
  iri: string | null | undefined;
  protected: boolean;
}

/** What the @context list tells the type checks. Inline definitions only exist when an inline context does. */
export interface Contexts {
  base: Record<string, string>;
  inline: Map<string, TermDefinition> | undefined;
  /** An inline context set "@vocab": null (and none set it again). */
  noVocab: boolean;
  /** A URL context other than the base one is listed: it may define any term. */
  otherUrl: boolean;
}

/** '2.0' or '1.1' from the first entry of `@context` (the string itself when it is one). */
export function versionOfContext(context: unknown): DataModelVersion | undefined {
  const first = Array.isArray(context) ? context[0] : context;
  return first === VCDM_2_CONTEXT ? '2.0' : first === VCDM_1_CONTEXT ? '1.1' : undefined;
}

function iriOf(definition: unknown): string | null | undefined {
  if (definition === null || typeof definition === 'string') return definition;
  if (typeof definition === 'object' && !Array.isArray(definition)) {
    const id = own(definition as Record<string, unknown>, '@id');
    return id === null || typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

/**
 * Checks `@context` (present, an array whose first item is the base context of `version`,
 * then URLs and context objects) and processes inline context objects in order.
 */
export function checkContext(run: Run, context: unknown, version: DataModelVersion, path: string): Contexts {
  const base = BASE_CONTEXT[version];
  const state: Contexts = { base: version === '2.0' ? V2_TERMS : V1_TERMS, inline: undefined, noVocab: false, otherUrl: false };
  if (context === undefined) {
    report(run, path, `@context is missing; expected an array starting with ${base}`);
    return state;
  }
  if (!Array.isArray(context)) {
    report(
      run,
      path,
      context === base
        ? `@context must be an array (an ordered set), here [${JSON.stringify(base)}]`
        : `@context must be an array starting with ${base}; got ${describe(context)}`,
    );
    return state;
  }
  if (context.length === 0) report(run, path, `@context is empty; expected an array starting with ${base}`);
  else if (context[0] !== base)
    report(run, `${path}/0`, `the first @context item must be ${base} (VCDM ${version}); got ${describe(context[0])}`);
  for (let i = 1; i < context.length; i++) {
    const item: unknown = context[i];
    if (typeof item === 'string') {
      if (!isUrl(item)) report(run, `${path}/${i}`, `a @context item must be a URL or a context object; got ${describe(item)}`);
      else if (item === base) report(run, `${path}/${i}`, `${base} may only be the first @context item`);
      else state.otherUrl = true;
    } else if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      processInline(run, state, item as Record<string, unknown>, `${path}/${i}`);
    } else {
      report(run, `${path}/${i}`, `a @context item must be a URL or a context object; got ${describe(item)}`);
    }
  }
  return state;
}

function processInline(run: Run, state: Contexts, context: Record<string, unknown>, path: string): void {
  const allProtected = own(context, '@protected') === true;
  if (Object.hasOwn(context, '@vocab')) {
    const vocab = own(context, '@vocab');
    if (vocab !== null && typeof vocab !== 'string')
      report(run, `${path}/@vocab`, `@vocab must be a string or null; got ${describe(vocab)}`);
    state.noVocab = vocab === null;
  }
  const protectedFlag = own(context, '@protected');
  if (protectedFlag !== undefined && typeof protectedFlag !== 'boolean') {
    report(run, `${path}/@protected`, `@protected must be true or false; got ${describe(protectedFlag)}`);
  }
  const version = own(context, '@version');
  if (version !== undefined && version !== 1.1)
    report(run, `${path}/@version`, `@version must be the number 1.1; got ${describe(version)}`);
  for (const term in context) {
    if (!Object.hasOwn(context, term) || term.startsWith('@')) continue;
    const definition = own(context, term);
    // JSON-LD 1.1 §4.1 (Create Term Definition): a term definition is a string, null or a map.
    if (definition !== null && typeof definition !== 'string' && !(typeof definition === 'object' && !Array.isArray(definition))) {
      report(run, `${path}/${escapePointer(term)}`, `a term definition must be a string, null or an object; got ${describe(definition)}`);
      continue;
    }
    const iri = iriOf(definition);
    const known = state.inline?.get(term);
    const isProtected = known ? known.protected : Object.hasOwn(state.base, term);
    const protectedIri = known ? known.iri : state.base[term];
    if (isProtected && iri !== protectedIri) {
      report(
        run,
        `${path}/${escapePointer(term)}`,
        `redefines the protected term ${describe(term)} (mapped to ${describe(protectedIri)}); a protected term may only be redefined identically`,
      );
      continue;
    }
    const termProtected =
      definition !== null && typeof definition === 'object' && Object.hasOwn(definition, '@protected')
        ? own(definition as Record<string, unknown>, '@protected') === true
        : allProtected;
    state.inline ??= new Map();
    state.inline.set(term, { iri, protected: termProtected || isProtected });
  }
}

/**
 * Checks one `type` value against the contexts: an absolute URL must be valid; a term
 * an inline context maps must map to an absolute URL or compact IRI; a term no context
 * defines is reported only when "@vocab": null leaves nothing to expand it and no other
 * URL context could define it.
 */
export function checkTypeTerm(run: Run, contexts: Contexts, value: string, path: string): void {
  if (value.includes(':')) {
    if (!isUrl(value)) report(run, path, `a type must be a term or an absolute URL; got ${describe(value)}`);
    return;
  }
  const defined = contexts.inline?.get(value);
  if (defined) {
    if (defined.iri === null || (typeof defined.iri === 'string' && !isUrl(defined.iri))) {
      report(
        run,
        path,
        `the type ${describe(value)} is mapped by an inline @context to ${describe(defined.iri)}, not to an absolute URL or compact IRI`,
      );
    }
    return;
  }
  if (Object.hasOwn(contexts.base, value)) return;
  if (value === '' || (contexts.noVocab && !contexts.otherUrl)) {
    report(run, path, `the type ${describe(value)} is not defined by any @context ("@vocab": null leaves it without a URL)`);
  }
}

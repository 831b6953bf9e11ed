// @context checks and the part of JSON-LD context processing that `type` values need:
// which terms the contexts define, which are protected, and whether a term can expand.

import { VCDM_1_CONTEXT, VCDM_2_CONTEXT } from '../types.js';
import { type DataModelVersion, own, type Run, report } from './run.js';
import { describe, escapePointer, isUrl } from './values.js';

/**
 * Top-level terms of the VCDM 2.0 base context (https://www.w3.org/ns/credentials/v2), all
 * protected ("@protected": true). It sets no @vocab: the 2024 drafts had
 * "@vocab": "https://www.w3.org/ns/credentials/issuer-dependent#", the Recommendation's
 * context does not (terms no context defines call for .../undefined-terms/v2 instead).
 */
const V2_TERMS = new Set(
  (
    'id type description digestMultibase digestSRI mediaType name VerifiableCredential EnvelopedVerifiableCredential ' +
    'VerifiablePresentation EnvelopedVerifiablePresentation JsonSchemaCredential JsonSchema BitstringStatusListCredential ' +
    'BitstringStatusList BitstringStatusListEntry DataIntegrityProof ... _sd _sd_alg aud cnf exp iat iss jku kid nbf sub x5u'
  ).split(' '),
);

/** Top-level terms of the VCDM 1.1 base context (https://www.w3.org/2018/credentials/v1), all protected. */
const V1_TERMS = new Set(
  'id type VerifiableCredential VerifiablePresentation EcdsaSecp256k1Signature2019 EcdsaSecp256r1Signature2019 Ed25519Signature2018 RsaSignature2018 proof'.split(
    ' ',
  ),
);

/** The base contexts' term definitions that are plain strings; every other one is an object with a scoped @context or @type. */
const STRING_DEFINITIONS: Record<string, string> = {
  id: '@id',
  type: '@type',
  description: 'https://schema.org/description',
  name: 'https://schema.org/name',
};

export const BASE_CONTEXT: Record<DataModelVersion, string> = { '2.0': VCDM_2_CONTEXT, '1.1': VCDM_1_CONTEXT };

/** A term an inline context defines: its definition and whether it is protected. */
interface TermDefinition {
  definition: unknown;
  protected: boolean;
}

/** What the @context list tells the type checks. Inline definitions only exist when an inline context does. */
export interface Contexts {
  base: Set<string>;
  inline: Map<string, TermDefinition> | undefined;
  /** An inline context set "@vocab": null (and none set it again). */
  noVocab: boolean;
  /** A URL context other than the base one is listed: it may define any term. */
  otherUrl: boolean;
}

const UNDEFINED_TERMS = 'https://www.w3.org/ns/credentials/undefined-terms/v2';

const badItem = (item: unknown): string => `a @context item must be a URL or a context object; got ${describe(item)}`;

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
        ? `@context must be an array (an ordered set), here ["${base}"], not the bare string`
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
      if (!isUrl(item)) report(run, `${path}/${i}`, badItem(item));
      else if (item === base) report(run, `${path}/${i}`, `${base} may only be the first @context item`);
      else if (item === BASE_CONTEXT[version === '2.0' ? '1.1' : '2.0']) {
        // Both base contexts protect VerifiableCredential, VerifiablePresentation, ... with
        // different definitions, so JSON-LD processing of the list fails.
        report(run, `${path}/${i}`, `${item} redefines terms ${base} protects; one document follows one data model`);
      } else {
        // 2.0 §5.2.1: a document using terms no context defines lists this context last.
        if (item === UNDEFINED_TERMS && i !== context.length - 1)
          report(run, `${path}/${i}`, `${UNDEFINED_TERMS} must be the last @context item`);
        state.otherUrl = true;
      }
    } else if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
      processInline(run, state, item as Record<string, unknown>, `${path}/${i}`);
    } else {
      report(run, `${path}/${i}`, badItem(item));
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
    // JSON-LD 1.1 Processing Algorithms, Create Term Definition: a string, null or a map.
    if (definition !== null && typeof definition !== 'string' && !(typeof definition === 'object' && !Array.isArray(definition))) {
      report(run, `${path}/${escapePointer(term)}`, `a term definition must be a string, null or an object; got ${describe(definition)}`);
      continue;
    }
    const known = state.inline?.get(term);
    const isProtected = known ? known.protected : state.base.has(term);
    // JSON-LD 1.1 §4.1.11: a protected term may only be redefined with an identical definition.
    if (
      isProtected &&
      !(known ? sameJson(known.definition, definition) : STRING_DEFINITIONS[term] === definition && Object.hasOwn(STRING_DEFINITIONS, term))
    ) {
      report(
        run,
        `${path}/${escapePointer(term)}`,
        `redefines the protected term ${describe(term)}; a protected term may only be redefined identically`,
      );
      continue;
    }
    const termProtected =
      definition !== null && typeof definition === 'object' && Object.hasOwn(definition, '@protected')
        ? own(definition as Record<string, unknown>, '@protected') === true
        : allProtected;
    state.inline ??= new Map();
    state.inline.set(term, { definition, protected: termProtected || isProtected });
  }
}

/** Deep equality of JSON values (member order aside), ignoring "@protected" at the top. */
function sameJson(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || depth > 64) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k in x) if (Object.hasOwn(x, k) && !(depth === 0 && k === '@protected') && !sameJson(x[k], own(y, k), depth + 1)) return false;
  for (const k in y) if (Object.hasOwn(y, k) && !(depth === 0 && k === '@protected') && !Object.hasOwn(x, k)) return false;
  return true;
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
    const iri = iriOf(defined.definition);
    if (iri === null || (typeof iri === 'string' && !isUrl(iri))) {
      report(
        run,
        path,
        `the type ${describe(value)} is mapped by an inline @context to ${describe(iri)}, not to an absolute URL or compact IRI`,
      );
    }
    return;
  }
  if (contexts.base.has(value)) return;
  if (contexts.noVocab && !contexts.otherUrl) {
    report(run, path, `the type ${describe(value)} is not defined by any @context ("@vocab": null leaves it without a URL)`);
  }
}

// Checks shared by credentials, presentations and the objects inside them.

import { type Contexts, checkTypeTerm } from './context.js';
import { own, type Run, report } from './run.js';
import { describe, escapePointer, isLanguageTag, isUrl } from './values.js';

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `id`, when present: a single URL (VCDM 2.0 §4.4, 1.1 §4.2). */
export function checkOptionalId(run: Run, holder: Json, path: string, what: string): void {
  const id = own(holder, 'id');
  if (id !== undefined) checkUrl(run, id, `${path}/id`, `the id of ${what}`);
}

export function checkUrl(run: Run, value: unknown, path: string, what: string): void {
  if (!isUrl(value))
    report(run, path, `${what} must be a single URL (a scheme such as https:, did: or urn:, no spaces); got ${describe(value)}`);
}

/**
 * `type`: a string or a non-empty array of strings, each a term or an absolute URL,
 * including `required` when given (VCDM 2.0 §4.5, 1.1 §4.3).
 */
export function checkType(run: Run, contexts: Contexts, holder: Json, path: string, what: string, required?: string): void {
  const type = own(holder, 'type');
  const at = `${path}/type`;
  if (type === undefined) {
    report(run, at, `${what} must have a type${required ? ` including ${required}` : ''}`);
    return;
  }
  let found = false;
  if (typeof type === 'string') {
    found = type === required;
    checkTypeValue(run, contexts, type, at);
  } else if (Array.isArray(type) && type.length > 0) {
    for (let i = 0; i < type.length; i++) {
      const t: unknown = type[i];
      if (typeof t !== 'string') report(run, `${at}/${i}`, `a type must be a string (a term or a URL); got ${describe(t)}`);
      else {
        if (t === required) found = true;
        checkTypeValue(run, contexts, t, `${at}/${i}`);
      }
    }
  } else {
    report(run, at, `the type of ${what} must be a string or a non-empty array of strings; got ${describe(type)}`);
    return;
  }
  if (required !== undefined && !found) report(run, at, `the type of ${what} must include ${required}`);
}

function checkTypeValue(run: Run, contexts: Contexts, value: string, path: string): void {
  if (value === '') report(run, path, 'a type must be a term or a URL; got an empty string');
  // JSON-LD 1.1 §9.1: "@" then letters is a keyword form, never a term that maps to a URL.
  else if (/^@[A-Za-z]/.test(value)) report(run, path, `a type must be a term or a URL, not a JSON-LD keyword; got ${describe(value)}`);
  else checkTypeTerm(run, contexts, value, path);
}

/**
 * A property whose value is one object or a non-empty array of objects; `each` checks
 * every object at its own path.
 */
export function checkObjects(run: Run, value: unknown, path: string, name: string, each: (item: Json, path: string) => void): void {
  if (isObject(value)) each(value, path);
  else if (Array.isArray(value) && value.length > 0) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (isObject(item)) each(item, `${path}/${i}`);
      else report(run, `${path}/${i}`, `each ${name} entry must be an object; got ${describe(item)}`);
    }
  } else report(run, path, `${name} must be an object or a non-empty array of objects; got ${describe(value)}`);
}

/** An object with a `type` and, when present, a URL `id` (status, terms of use, evidence, ...). */
export function checkTypedObject(run: Run, contexts: Contexts, item: Json, path: string, what: string): void {
  checkOptionalId(run, item, path, what);
  checkType(run, contexts, item, path, what);
}

/** `name` / `description` (VCDM 2.0 §4.6, §11.1): a string, a language value object, or an array of them. */
export function checkLanguageString(run: Run, holder: Json, key: 'name' | 'description', path: string): void {
  const value = own(holder, key);
  if (value === undefined || typeof value === 'string') return;
  const at = `${path}/${key}`;
  if (Array.isArray(value)) {
    if (value.length === 0)
      report(run, at, `${key} must be a string, a language value object or a non-empty array of them; got an empty array`);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item !== 'string') checkLanguageValue(run, item, `${at}/${i}`, key);
    }
  } else checkLanguageValue(run, value, at, key);
}

function checkLanguageValue(run: Run, value: unknown, path: string, key: string): void {
  if (!isObject(value)) {
    report(run, path, `${key} must be a string or a language value object {"@value", "@language"?, "@direction"?}; got ${describe(value)}`);
    return;
  }
  if (typeof own(value, '@value') !== 'string')
    report(run, `${path}/@value`, `a language value object needs a string @value; got ${describe(own(value, '@value'))}`);
  const language = own(value, '@language');
  if (language !== undefined && !(typeof language === 'string' && isLanguageTag(language))) {
    report(
      run,
      `${path}/@language`,
      `@language must be a well-formed BCP 47 language tag such as "en" or "pt-BR"; got ${describe(language)}`,
    );
  }
  const direction = own(value, '@direction');
  if (direction !== undefined && direction !== 'ltr' && direction !== 'rtl') {
    report(run, `${path}/@direction`, `@direction must be "ltr" or "rtl"; got ${describe(direction)}`);
  }
  for (const k in value) {
    if (Object.hasOwn(value, k) && k !== '@value' && k !== '@language' && k !== '@direction') {
      report(
        run,
        `${path}/${escapePointer(k)}`,
        `a language value object may only hold @value, @language and @direction; found ${describe(k)}`,
      );
    }
  }
}

/** `proof` (embedded proofs): an object or array of objects, each with a string `type`. Structure only. */
export function checkProof(run: Run, document: Json, path: string): void {
  const proof = own(document, 'proof');
  if (proof === undefined) return;
  checkObjects(run, proof, `${path}/proof`, 'proof', (item, at) => {
    const type = own(item, 'type');
    if (typeof type !== 'string' || type === '') report(run, `${at}/type`, `a proof must have a string type; got ${describe(type)}`);
  });
}

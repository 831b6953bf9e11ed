import { isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';

/** Deepest nesting of objects and arrays accepted in claims and batch records. */
export const MAX_RECORD_DEPTH = 32;

/**
 * Keys refused in claims and batch records, at any depth: assigned to a plain object
 * they rewrite its prototype (and through it `Object.prototype`), and they are no
 * claim names.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * A deep copy of a JSON value on null-prototype objects, refusing {@link FORBIDDEN_KEYS}
 * (`MALFORMED`) and nesting deeper than {@link MAX_RECORD_DEPTH} (`LIMIT_EXCEEDED`), both
 * with the path of the member at fault. JSON.parse makes `"__proto__"` an own member,
 * which a later spread or assignment turns into a prototype write: input reaches the
 * rest of the issuer only through this copy. Only own enumerable members are read.
 */
export function ownCopy(value: unknown, path = '', depth = 0): unknown {
  if (depth > MAX_RECORD_DEPTH)
    throw new TradewindError('LIMIT_EXCEEDED', `nested deeper than ${MAX_RECORD_DEPTH} levels`, { path: path || '/' });
  if (Array.isArray(value)) return value.map((v, i) => ownCopy(v, `${path}/${i}`, depth + 1));
  if (isJsonObject(value) && !(value instanceof Date)) {
    const out = Object.create(null) as JsonObject;
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key))
        throw new TradewindError('MALFORMED', `the name ${JSON.stringify(key)} is not allowed in claims or records`, {
          path: `${path}/${key}`,
        });
      out[key] = ownCopy(value[key], `${path}/${key}`, depth + 1);
    }
    return out;
  }
  return value;
}

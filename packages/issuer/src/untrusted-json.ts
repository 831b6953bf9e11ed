import { type JsonObject, TradewindError } from '@tradewind/core';

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
 * rest of the issuer only through this copy. Only own enumerable members are read;
 * values JSON cannot carry are refused (`INVALID_ARGUMENT`), undefined members left out,
 * Dates written as ISO strings.
 */
export function ownCopy(value: unknown, path = '', depth = 0): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw notJson('a number that is not finite', path);
  }
  if (depth > MAX_RECORD_DEPTH)
    throw new TradewindError('LIMIT_EXCEEDED', `nested deeper than ${MAX_RECORD_DEPTH} levels`, { path: path || '/' });
  if (Array.isArray(value)) {
    return value.map((v, i) => {
      if (v === undefined) throw notJson('undefined', `${path}/${i}`);
      return ownCopy(v, `${path}/${i}`, depth + 1);
    });
  }
  if (value instanceof Date) {
    if (Number.isFinite(value.getTime())) return value.toISOString();
    throw notJson('an invalid Date', path);
  }
  const proto = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (typeof value !== 'object' || (proto !== Object.prototype && proto !== null))
    throw notJson(typeof value === 'object' ? 'an object that is not plain JSON' : `a ${typeof value}`, path);
  const object = value as Record<string, unknown>;
  const out = Object.create(null) as JsonObject;
  for (const key of Object.keys(object)) {
    if (FORBIDDEN_KEYS.has(key))
      throw new TradewindError('MALFORMED', `the name ${JSON.stringify(key)} is not allowed in claims or records`, {
        path: `${path}/${key}`,
      });
    const v = object[key];
    if (v !== undefined) out[key] = ownCopy(v, `${path}/${key}`, depth + 1) as JsonObject[string];
  }
  return out;
}

// Claims are signed as JSON: a value JSON cannot carry (1n, NaN, a Map) would fail the
// signing with a raw error, or be signed as something else ({} for a Map, null for NaN).
function notJson(what: string, path: string): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', `claims must be JSON values, not ${what}`, { path: path || '/' });
}

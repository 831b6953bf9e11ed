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
  try {
    return copy(value, path, depth);
  } catch (error) {
    throw unreadable(error, 'claims', path);
  }
}

function copy(value: unknown, path: string, depth: number): unknown {
  if (typeof value === 'string') {
    if (isWellFormed(value)) return value;
    throw new TradewindError('MALFORMED', 'not valid Unicode (a lone surrogate, as from a \\ud800 escape): it has no UTF-8 form', {
      path: path || '/',
    });
  }
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return value;
    throw notJson('a number that is not finite', path);
  }
  if (depth > MAX_RECORD_DEPTH)
    throw new TradewindError('LIMIT_EXCEEDED', `nested deeper than ${MAX_RECORD_DEPTH} levels`, { path: path || '/' });
  if (Array.isArray(value)) {
    return value.map((v, i) => {
      if (v === undefined) throw notJson('undefined', `${path}/${i}`);
      return copy(v, `${path}/${i}`, depth + 1);
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
    if (!isWellFormed(key))
      throw new TradewindError('MALFORMED', 'a member name that is not valid Unicode (a lone surrogate)', { path: path || '/' });
    if (FORBIDDEN_KEYS.has(key))
      throw new TradewindError('MALFORMED', `the name ${JSON.stringify(key)} is not allowed in claims or records`, {
        path: `${path}/${key}`,
      });
    const v = object[key];
    if (v !== undefined) out[key] = copy(v, `${path}/${key}`, depth + 1) as JsonObject[string];
  }
  return out;
}

// Claims are signed as JSON: a value JSON cannot carry (1n, NaN, a Map) would fail the
// signing with a raw error, or be signed as something else ({} for a Map, null for NaN).
function notJson(what: string, path: string): TradewindError {
  return new TradewindError('INVALID_ARGUMENT', `claims must be JSON values, not ${what}`, { path: path || '/' });
}

/** A string with no lone surrogate: one that has a UTF-8 form, as signed JSON must (RFC 7493). */
export function isWellFormed(value: string): boolean {
  return (value as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/**
 * A caller's error while its argument was read (a getter or a Proxy trap that throws)
 * as `INVALID_ARGUMENT`; a TradewindError unchanged.
 */
export function unreadable(error: unknown, what: string, path = ''): unknown {
  if (error instanceof TradewindError) return error;
  return new TradewindError('INVALID_ARGUMENT', `${what} cannot be read: ${(error as Error)?.message ?? String(error)}`, {
    path: path || '/',
    cause: error,
  });
}

/**
 * A shallow copy of an options or request object, read once: own enumerable members,
 * arrays among them copied too. A getter or Proxy that throws is `INVALID_ARGUMENT`,
 * and a value read later is the one checked.
 */
export function snapshot<T>(value: unknown, what: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new TradewindError('INVALID_ARGUMENT', `${what} must be an object`);
  try {
    const object = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(object).map((k) => {
        const v = object[k];
        return [k, Array.isArray(v) ? Array.from(v as unknown[]) : v];
      }),
    ) as T;
  } catch (error) {
    throw unreadable(error, what);
  }
}

/** What {@link jsonTextProblem} finds in a JSON text: the JSON Pointer and what is wrong there. */
export interface JsonTextProblem {
  path: string;
  reason: string;
}

/**
 * The first place where `text` (already known to be valid JSON) does not say what
 * `JSON.parse` makes of it, or undefined: a member name repeated within one object
 * (`JSON.parse` keeps the last of two `"issuer"` members silently, so a reader of the
 * file and the signature would see two different documents), or an integer beyond
 * ±(2^53 − 1), which parses to another number (12345678901234567890 becomes
 * 12345678901234567000). I-JSON (RFC 7493 §2.2, §2.3) rules both out.
 */
export function jsonTextProblem(text: string): JsonTextProblem | undefined {
  type Frame = { keys: Set<string> | undefined; path: string; index: number; name: string; expectName: boolean };
  const stack: Frame[] = [];
  const child = (top: Frame | undefined) =>
    top === undefined ? '' : top.keys ? `${top.path}/${top.name.replace(/~/g, '~0').replace(/\//g, '~1')}` : `${top.path}/${top.index}`;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      let escaped = false;
      while (text.charCodeAt(j) !== 0x22) {
        if (text.charCodeAt(j) === 0x5c /* \ */) {
          escaped = true;
          j += 2;
        } else j += 1;
      }
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectName) {
        const name = escaped ? (JSON.parse(text.slice(i, j + 1)) as string) : text.slice(i + 1, j);
        top.name = name;
        if (top.keys.has(name)) return { path: child(top), reason: 'a member name appears twice in one object (JSON keeps only the last)' };
        top.keys.add(name);
        top.expectName = false;
      }
      i = j;
    } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39) /* 0-9 */) {
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text.charAt(j))) j += 1;
      const token = text.slice(i, j);
      if (/^-?[0-9]+$/.test(token) && !Number.isSafeInteger(Number(token)))
        return {
          path: child(stack[stack.length - 1]) || '/',
          reason: `the integer ${token.length > 40 ? `${token.slice(0, 40)}…` : token} is beyond ±(2^53 − 1), so it would be signed as another number (write it as a string)`,
        };
      i = j - 1;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      stack.push({ keys: c === 0x7b ? new Set() : undefined, path: child(stack[stack.length - 1]), index: 0, name: '', expectName: true });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) stack.pop();
    else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectName = true;
      else if (top) top.index += 1;
    }
  }
  return undefined;
}

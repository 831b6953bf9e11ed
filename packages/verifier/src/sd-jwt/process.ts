// Strict processing of an SD-JWT's disclosures against the issuer-signed payload
// (RFC 9901 "Verification and Processing"). Every rule a lax reader skips is enforced:
// each disclosure is referenced exactly once, in the position its form allows, no digest
// appears twice, no disclosed name shadows a plain claim, and no name can reach a prototype.

import { base64urlDecode, base64urlEncode, type JsonObject, nestingDepth, utf8Decode } from '@tradewind/core';
import { fail } from '../context.js';
import type { CryptoBackend, DigestAlgorithm } from '../crypto/backend.js';
import type { DisclosedClaim } from '../types.js';

/** Most disclosures read from one SD-JWT. */
export const MAX_DISCLOSURES = 1024;

/** The `_sd_alg` values read (IANA names) and the hash each stands for. */
const SD_ALGS: Readonly<Record<string, DigestAlgorithm>> = { 'sha-256': 'SHA-256', 'sha-384': 'SHA-384', 'sha-512': 'SHA-512' };

/** Names a disclosure may not give a claim: the format's own, and those that reach a prototype. */
const RESERVED_NAMES = new Set(['_sd', '...', '__proto__', 'constructor', 'prototype']);

/** An SD-JWT in compact serialization, split at its `~`s; nothing decoded yet. */
export interface SdJwtParts {
  /** The issuer-signed JWT. */
  jwt: string;
  /** Each disclosure exactly as received. */
  disclosures: string[];
  /** The key-binding JWT, when the last part is not empty. */
  kb: string | undefined;
  /** What a key-binding JWT's `sd_hash` covers: the text up to and including the last `~`. */
  presented: string;
}

/** One disclosure, decoded. */
interface Disclosure {
  /** Its index among the disclosures presented. */
  index: number;
  /** The claim name, for an object property; undefined for an array element. */
  name: string | undefined;
  value: unknown;
  /** JSON Pointer where it landed, once referenced. */
  path?: string;
  /** Its value as it stands in the claims (nested disclosures in place, digests removed). */
  processed?: unknown;
}

/** The payload with the disclosures put in place. */
export interface ProcessedSdJwt {
  /** Plain claims and disclosed ones, without `_sd`, `_sd_alg` or array digests. */
  claims: JsonObject;
  /** Each disclosed claim, in the order of the disclosures. */
  disclosed: DisclosedClaim[];
  /** Digests without a disclosure (withheld claims and decoys). */
  undisclosed: number;
  /** Top-level claims that came from a disclosure. */
  disclosedTopLevel: Set<string>;
}

/**
 * Splits a compact SD-JWT (`<jwt>~<disclosure>~…~[<kb-jwt>]`). The caller has made
 * sure the text contains a `~`. Nothing is decoded: the issuer-signed JWT is parsed
 * first, so that junk is MALFORMED before any disclosure is judged.
 */
export function splitSdJwt(text: string): SdJwtParts {
  const parts = text.split('~');
  const last = parts.length - 1;
  const disclosures = parts.slice(1, last);
  const kb = parts[last] as string;
  return {
    jwt: parts[0] as string,
    disclosures,
    kb: kb === '' ? undefined : kb,
    presented: kb === '' ? text : text.slice(0, text.length - kb.length),
  };
}

/** The hash `_sd_alg` names (sha-256 when absent); DISCLOSURE_INVALID for any other. */
export function sdAlgOf(payload: JsonObject): DigestAlgorithm {
  const name = payload._sd_alg;
  if (name === undefined) return 'SHA-256';
  const alg = typeof name === 'string' && Object.hasOwn(SD_ALGS, name) ? SD_ALGS[name] : undefined;
  if (!alg) {
    fail('DISCLOSURE_INVALID', `_sd_alg ${JSON.stringify(name).slice(0, 40)} is not sha-256, sha-384 or sha-512`, '/payload/_sd_alg');
  }
  return alg;
}

/** base64url of a hash: the form digests take in `_sd` and `...` (and `sd_hash`). */
export function hashOf(backend: CryptoBackend, alg: DigestAlgorithm, text: string): string | Promise<string> {
  const bytes = backend.digest(alg, text);
  return bytes instanceof Uint8Array ? base64urlEncode(bytes) : bytes.then(base64urlEncode);
}

/** The digest of each disclosure, over its text as received. Synchronous where the backend hashes synchronously. */
export function digestsOf(backend: CryptoBackend, alg: DigestAlgorithm, disclosures: readonly string[]): string[] | Promise<string[]> {
  if (disclosures.length > MAX_DISCLOSURES) {
    fail('LIMIT_EXCEEDED', `SD-JWT carries ${disclosures.length} disclosures, over the limit of ${MAX_DISCLOSURES}`, '/disclosures');
  }
  const out: Array<string | Promise<string>> = disclosures.map((d) => hashOf(backend, alg, d));
  return out.some((d) => typeof d !== 'string') ? Promise.all(out) : (out as string[]);
}

/**
 * Puts the disclosures into the issuer-signed payload. `digests[i]` is the digest of
 * `disclosures[i]`. Throws DISCLOSURE_INVALID (or LIMIT_EXCEEDED) for any violation.
 */
export function processDisclosures(
  payload: JsonObject,
  disclosures: readonly string[],
  digests: readonly string[],
  maxDepth: number,
): ProcessedSdJwt {
  const byDigest = new Map<string, Disclosure>();
  disclosures.forEach((text, index) => {
    const digest = digests[index] as string;
    const seen = byDigest.get(digest);
    if (seen)
      fail('DISCLOSURE_INVALID', `disclosure ${index} is presented twice (also as disclosure ${seen.index})`, `/disclosures/${index}`);
    byDigest.set(digest, decodeDisclosure(text, index, maxDepth));
  });
  const state: WalkState = { byDigest, digestsSeen: new Set(), undisclosed: 0, maxDepth, used: 0 };
  const disclosedTopLevel = new Set<string>();
  const claims = walkObject(state, payload, '', 1, true, disclosedTopLevel);
  if (state.used !== disclosures.length) {
    for (const d of byDigest.values()) {
      if (d.path === undefined) {
        fail(
          'DISCLOSURE_INVALID',
          `disclosure ${d.index} is not referenced by the signed payload (tampered, or from another credential)`,
          `/disclosures/${d.index}`,
        );
      }
    }
  }
  const disclosed: DisclosedClaim[] = [];
  for (const d of byDigest.values()) {
    const path = d.path as string;
    disclosed[d.index] = d.name === undefined ? { path, value: d.processed } : { path, name: d.name, value: d.processed };
  }
  return { claims, disclosed, undisclosed: state.undisclosed, disclosedTopLevel };
}

function decodeDisclosure(text: string, index: number, maxDepth: number): Disclosure {
  const path = `/disclosures/${index}`;
  if (text === '') fail('DISCLOSURE_INVALID', `disclosure ${index} is empty ("~~")`, path);
  const bytes = base64urlDecode(text);
  const json = bytes && utf8Decode(bytes);
  if (json === undefined) fail('DISCLOSURE_INVALID', `disclosure ${index} is not canonical unpadded base64url of UTF-8 text`, path);
  if (nestingDepth(json) > maxDepth) fail('LIMIT_EXCEEDED', `disclosure ${index} nests deeper than ${maxDepth} levels`, path);
  let array: unknown;
  try {
    array = JSON.parse(json);
  } catch {
    return fail('DISCLOSURE_INVALID', `disclosure ${index} is not JSON`, path);
  }
  if (!Array.isArray(array) || (array.length !== 2 && array.length !== 3)) {
    fail('DISCLOSURE_INVALID', `disclosure ${index} is not a JSON array of [salt, name, value] or [salt, value]`, path);
  }
  if (typeof array[0] !== 'string') fail('DISCLOSURE_INVALID', `disclosure ${index} has a salt that is not a string`, path);
  if (array.length === 2) return { index, name: undefined, value: array[1] };
  const name = array[1];
  if (typeof name !== 'string') fail('DISCLOSURE_INVALID', `disclosure ${index} has a claim name that is not a string`, path);
  if (RESERVED_NAMES.has(name))
    fail('DISCLOSURE_INVALID', `disclosure ${index} names a claim ${JSON.stringify(name)}, which is refused`, path);
  return { index, name, value: array[2] };
}

interface WalkState {
  byDigest: Map<string, Disclosure>;
  /** Every digest met in the payload and in disclosed values, decoys included. */
  digestsSeen: Set<string>;
  undisclosed: number;
  maxDepth: number;
  /** Disclosures referenced so far. */
  used: number;
}

const pointer = (base: string, name: string | number) =>
  typeof name === 'number' || !/[~/]/.test(name) ? `${base}/${name}` : `${base}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;

/** Marks a digest met; a second sighting anywhere is DISCLOSURE_INVALID. */
function meet(state: WalkState, digest: string, path: string): Disclosure | undefined {
  if (state.digestsSeen.has(digest)) fail('DISCLOSURE_INVALID', `digest ${digest.slice(0, 64)} appears more than once`, path);
  state.digestsSeen.add(digest);
  const d = state.byDigest.get(digest);
  if (d) state.used++;
  else state.undisclosed++;
  return d;
}

function walk(state: WalkState, value: unknown, path: string, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > state.maxDepth) fail('LIMIT_EXCEEDED', `claims nest deeper than ${state.maxDepth} levels`, path || '/');
  return Array.isArray(value) ? walkArray(state, value, path, depth) : walkObject(state, value as JsonObject, path, depth, false);
}

function walkArray(state: WalkState, array: readonly unknown[], path: string, depth: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < array.length; i++) {
    const element = array[i];
    if (element !== null && typeof element === 'object' && !Array.isArray(element) && Object.hasOwn(element, '...')) {
      const keys = Object.keys(element);
      const digest = (element as JsonObject)['...'];
      if (keys.length !== 1 || typeof digest !== 'string') {
        fail('DISCLOSURE_INVALID', 'an array element digest is an object with exactly one member "..." holding a string', pointer(path, i));
      }
      const d = meet(state, digest, pointer(path, i));
      if (!d) continue;
      if (d.name !== undefined) {
        fail('DISCLOSURE_INVALID', `disclosure ${d.index} names a claim but is referenced as an array element`, `/disclosures/${d.index}`);
      }
      d.path = pointer(path, out.length);
      d.processed = walk(state, d.value, d.path, depth + 1);
      out.push(d.processed);
      continue;
    }
    out.push(walk(state, element, pointer(path, out.length), depth + 1));
  }
  return out;
}

function walkObject(
  state: WalkState,
  object: JsonObject,
  path: string,
  depth: number,
  top: boolean,
  disclosedTop?: Set<string>,
): JsonObject {
  // Without a prototype, no claim name (whatever a disclosed value holds) can reach one.
  const out = Object.create(null) as JsonObject;
  let sd: unknown;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (key === '_sd') {
      sd = value;
      continue;
    }
    if (key === '_sd_alg' && top) continue;
    if (key === '...') fail('DISCLOSURE_INVALID', 'a member named "..." appears outside an array element digest', pointer(path, key));
    if (key === '__proto__') fail('DISCLOSURE_INVALID', 'a member named __proto__ is refused', pointer(path, key));
    // Plain values need no path: only objects and arrays are walked.
    out[key] = (
      value !== null && typeof value === 'object' ? walk(state, value, pointer(path, key), depth + 1) : value
    ) as JsonObject[string];
  }
  if (sd === undefined) return out;
  if (!Array.isArray(sd)) fail('DISCLOSURE_INVALID', '_sd is not an array of digests', pointer(path, '_sd'));
  for (let i = 0; i < sd.length; i++) {
    const digest = sd[i];
    if (typeof digest !== 'string')
      fail('DISCLOSURE_INVALID', '_sd holds something other than a digest string', pointer(pointer(path, '_sd'), i));
    const d = meet(state, digest, pointer(pointer(path, '_sd'), i));
    if (!d) continue;
    const name = d.name;
    if (name === undefined) {
      fail(
        'DISCLOSURE_INVALID',
        `disclosure ${d.index} is an array element but is referenced as an object property`,
        `/disclosures/${d.index}`,
      );
    }
    if (Object.hasOwn(out, name)) {
      fail(
        'DISCLOSURE_INVALID',
        `disclosure ${d.index} discloses ${JSON.stringify(name)}, which the object already has`,
        `/disclosures/${d.index}`,
      );
    }
    d.path = pointer(path, name);
    d.processed = walk(state, d.value, d.path, depth + 1);
    out[name] = d.processed as JsonObject[string];
    disclosedTop?.add(name);
  }
  return out;
}

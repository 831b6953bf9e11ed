import { createHash } from 'node:crypto';
import { decodeSdJwtSync } from '@sd-jwt/decode';
import type { Disclosure } from '@sd-jwt/utils';
import { isJsonObject, type JsonObject, TradewindError } from '@tradewind/core';

/** A claim of a stored SD-JWT VC that the holder chooses to show or to withhold. */
export interface DisclosableClaim {
  /**
   * Where the claim sits, as a JSON Pointer (`/given_name`, `/address/locality`,
   * `/nationalities/0`). An array element's index counts the elements the holder holds.
   */
  path: string;
  /** The claim name; absent for an array element. */
  name?: string;
  /** Its value, with every claim nested in it. */
  value: unknown;
  /**
   * The path of the disclosable claim it sits in, when it sits in one: presenting this
   * claim presents that one too (without its other disclosable members).
   */
  parent?: string;
}

/** A claim every presentation of the credential shows (the issuer signed it in plain text). */
export interface ShownClaim {
  path: string;
  name: string;
  /** Its value as a verifier sees it when nothing is disclosed (disclosable members left out). */
  value: unknown;
}

/** One disclosure of a stored SD-JWT and where it sits. */
export interface DisclosureNode extends DisclosableClaim {
  /** The disclosure exactly as the issuer encoded it. */
  encoded: string;
  /** Its value as disclosed (nested digests unresolved). */
  rawValue: unknown;
}

/** A stored (issued) SD-JWT taken apart: its issuer-signed JWT, its claims and disclosures. */
export interface SdJwtParts {
  /** The issuer-signed JWT (compact JWS). */
  jwt: string;
  header: JsonObject;
  payload: JsonObject;
  /** `_sd_alg` (default sha-256). */
  sdAlg: 'sha-256' | 'sha-384' | 'sha-512';
  /** Every disclosure, parents before their nested ones, in the order of the payload. */
  disclosures: DisclosureNode[];
  /** The claims shown whatever is disclosed (`_sd` and `_sd_alg` left out). */
  alwaysShown: ShownClaim[];
  /** Whether a key-binding JWT follows the disclosures (a presentation, not an issued credential). */
  keyBound: boolean;
  /** A value of the credential as a verifier sees it when the disclosures `shown` accepts (by their encoding) are presented. */
  resolve(value: unknown, shown: (encoded: string) => boolean): unknown;
}

const HASHES = { 'sha-256': 'sha256', 'sha-384': 'sha384', 'sha-512': 'sha512' } as const;
type SdAlg = keyof typeof HASHES;

/** The hash of `_sd_alg` over a string's UTF-8 bytes (the `@sd-jwt/*` hasher contract). */
export function sdHasher(data: string, alg: string): Uint8Array {
  const name = Object.hasOwn(HASHES, alg) ? HASHES[alg as SdAlg] : undefined;
  if (name === undefined) throw new TradewindError('DISCLOSURE_INVALID', `_sd_alg ${alg} is not sha-256, sha-384 or sha-512`);
  return new Uint8Array(createHash(name).update(data, 'utf8').digest());
}

/** Whether a string looks like a compact SD-JWT: a JWS, then `~`-separated parts, then `~` or a key-binding JWT. */
export function looksLikeSdJwt(text: string): boolean {
  const tilde = text.indexOf('~');
  return tilde > 0 && /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text.slice(0, tilde));
}

const DATA_URL = /^data:application\/(?:dc|vc)\+sd-jwt,/i;

/** The compact SD-JWT a caller's text holds: trimmed, and out of its `data:application/dc+sd-jwt,` URL when it came in one. */
export function sdJwtText(input: string): string {
  const text = input.trim();
  return text.replace(DATA_URL, '');
}

/** Whether a compact SD-JWT carries a key-binding JWT after its disclosures (it is a presentation). */
export function hasKeyBinding(text: string): boolean {
  return looksLikeSdJwt(text) && !text.endsWith('~');
}

/** The issuer-signed JWT of a compact SD-JWT. */
export function issuerJwtOf(text: string): string {
  return text.slice(0, text.indexOf('~'));
}

/**
 * Takes a compact SD-JWT apart (with `@sd-jwt/decode`) and places each disclosure at its
 * path in the claims, nested ones under their parents. What the wallet holds was
 * verified when it was received (every disclosure referenced once, names valid), so a
 * disclosure that fits nowhere here is an error, not something to skip.
 */
export function sdJwtParts(text: string): SdJwtParts {
  if (!looksLikeSdJwt(text)) throw new TradewindError('MALFORMED', 'not a compact SD-JWT (a JWS followed by "~"-separated disclosures)');
  let decoded: ReturnType<typeof decodeSdJwtSync>;
  try {
    decoded = decodeSdJwtSync(text, sdHasher);
  } catch (cause) {
    if (cause instanceof TradewindError) throw cause;
    throw new TradewindError('MALFORMED', `the SD-JWT cannot be decoded: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
  const payload = decoded.jwt.payload as JsonObject;
  const sdAlg = (payload._sd_alg ?? 'sha-256') as SdAlg;
  if (!Object.hasOwn(HASHES, sdAlg)) throw new TradewindError('DISCLOSURE_INVALID', `_sd_alg ${String(sdAlg)} is not supported`);
  const byDigest = new Map<string, Disclosure>();
  for (const d of decoded.disclosures) byDigest.set(d._digest as string, d);
  const disclosures: DisclosureNode[] = [];
  const used = new Set<string>();
  walk(payload, '', undefined, byDigest, used, disclosures);
  if (used.size !== byDigest.size || used.size !== decoded.disclosures.length)
    throw new TradewindError('DISCLOSURE_INVALID', 'a disclosure of the SD-JWT is not referenced once by its payload');
  const alwaysShown: ShownClaim[] = [];
  for (const [name, value] of Object.entries(payload)) {
    if (name === '_sd' || name === '_sd_alg') continue;
    alwaysShown.push({ path: `/${escapePointer(name)}`, name, value: visible(value, byDigest, () => false) });
  }
  return {
    jwt: issuerJwtOf(text),
    header: decoded.jwt.header as JsonObject,
    payload,
    sdAlg,
    disclosures,
    alwaysShown,
    keyBound: !text.endsWith('~'),
    resolve: (value, shown) => visible(value, byDigest, (d) => shown(d.encode())),
  };
}

/** Places the disclosures referenced in `node` (and nested in them) at their paths. */
function walk(
  node: unknown,
  path: string,
  parent: string | undefined,
  byDigest: ReadonlyMap<string, Disclosure>,
  used: Set<string>,
  out: DisclosureNode[],
  order: ReadonlyMap<string, number> = new Map([...byDigest.keys()].map((k, i) => [k, i])),
): void {
  const take = (digest: unknown): Disclosure | undefined => {
    if (typeof digest !== 'string') return undefined;
    const d = byDigest.get(digest);
    if (d === undefined) return undefined; // a decoy, or a claim the holder was never given
    if (used.has(digest)) throw new TradewindError('DISCLOSURE_INVALID', `a disclosure is referenced twice (at ${path || '/'})`);
    used.add(digest);
    return d;
  };
  if (Array.isArray(node)) {
    let index = 0;
    for (const element of node) {
      if (isArrayDigest(element)) {
        const d = take(element['...']);
        if (d === undefined) continue;
        if (d.key !== undefined)
          throw new TradewindError('DISCLOSURE_INVALID', `an object property disclosure is used as an element of ${path}`);
        const at = `${path}/${index}`;
        out.push(node_(at, undefined, d, byDigest, parent));
        walk(d.value, at, at, byDigest, used, out, order);
      } else {
        walk(element, `${path}/${index}`, parent, byDigest, used, out, order);
      }
      index++;
    }
    return;
  }
  if (!isJsonObject(node)) return;
  for (const [name, value] of Object.entries(node)) {
    if (name === '_sd' || name === '_sd_alg') continue;
    walk(value, `${path}/${escapePointer(name)}`, parent, byDigest, used, out, order);
  }
  const digests = node._sd;
  if (!Array.isArray(digests)) return;
  // In the order the issuer wrote the disclosures (the digests' own order is random);
  // digests without a disclosure (decoys) are skipped by take().
  const rank = (x: unknown) => (typeof x === 'string' ? (order.get(x) ?? Number.MAX_SAFE_INTEGER) : Number.MAX_SAFE_INTEGER);
  for (const digest of [...digests].sort((a, b) => rank(a) - rank(b))) {
    const d = take(digest);
    if (d === undefined) continue;
    if (d.key === undefined)
      throw new TradewindError('DISCLOSURE_INVALID', `an array element disclosure is used as a property of ${path || '/'}`);
    const at = `${path}/${escapePointer(d.key)}`;
    out.push(node_(at, d.key, d, byDigest, parent));
    walk(d.value, at, at, byDigest, used, out, order);
  }
}

function node_(
  path: string,
  name: string | undefined,
  d: Disclosure,
  byDigest: ReadonlyMap<string, Disclosure>,
  parent: string | undefined,
): DisclosureNode {
  return {
    path,
    ...(name === undefined ? {} : { name }),
    value: visible(d.value, byDigest, () => true),
    ...(parent === undefined ? {} : { parent }),
    encoded: d.encode(),
    rawValue: d.value,
  };
}

/**
 * A value as a verifier sees it: `_sd` and decoys removed, and each nested disclosure
 * resolved when `shown` says it is presented (left out otherwise).
 */
function visible(value: unknown, byDigest: ReadonlyMap<string, Disclosure>, shown: (d: Disclosure) => boolean): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const element of value) {
      if (isArrayDigest(element)) {
        const d = byDigest.get(element['...'] as string);
        if (d !== undefined && shown(d)) out.push(visible(d.value, byDigest, shown));
      } else out.push(visible(element, byDigest, shown));
    }
    return out;
  }
  if (!isJsonObject(value)) return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const [name, v] of Object.entries(value)) if (name !== '_sd' && name !== '_sd_alg') out[name] = visible(v, byDigest, shown);
  if (Array.isArray(value._sd)) {
    for (const digest of value._sd) {
      const d = byDigest.get(digest as string);
      if (d !== undefined && d.key !== undefined && shown(d)) out[d.key] = visible(d.value, byDigest, shown);
    }
  }
  return { ...out };
}

function isArrayDigest(element: unknown): element is { '...': unknown } {
  return isJsonObject(element) && Object.keys(element).length === 1 && '...' in element;
}

/** RFC 6901: `~` → `~0`, `/` → `~1`. */
export function escapePointer(name: string): string {
  return name.replace(/~/g, '~0').replace(/\//g, '~1');
}

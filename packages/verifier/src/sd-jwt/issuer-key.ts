// The key an SD-JWT VC's issuer signed with: from its DID (kid), from a recognition
// list entry for an https issuer (keys), or from an `x5c` certificate chain, which is
// trusted only when a recognition list or the caller anchors it, never on its own.

import {
  base64Decode,
  checkSignatureEncoding,
  curveOf,
  isAllowedAlgorithm,
  isHttpsIssuer,
  jwkThumbprint,
  MAX_CERTIFICATE_BYTES,
  type ParsedJws,
  type PublicJwk,
  type RecognizedKey,
  type ResolvedKey,
  TradewindError,
  toPublicJwk,
} from '@tradewind/core';
import { fail, nowOf, type VerifyContext } from '../context.js';
import type { ParsedCertificate, X509Backend } from '../crypto/x509.js';
import type { KeyPeriod, RecognitionState } from '../recognition/load-lists.js';
import { verifySigningKey } from '../signature.js';

/** Most certificates read from an `x5c` header (leaf, intermediates, maybe the root). */
export const MAX_X5C_CERTIFICATES = 10;

/** How the issuer's key was found: its DID document, a recognition list's keys, or an anchored `x5c` chain. */
export type IssuerKeySource = 'did' | 'list' | 'x5c';

export interface IssuerKey {
  key: ResolvedKey;
  /** The DID URL, the list key's kid, or `x5c#<base64url SHA-256 of the leaf certificate>`. */
  keyId: string;
  via: IssuerKeySource;
  /** RFC 7638 thumbprint of the key, when it was computed here (list and x5c keys). */
  thumbprint?: string;
}

/**
 * Verifies the issuer-signed JWT of an SD-JWT VC (or a status list token of its issuer)
 * and returns the key that signed. `iss` a DID: the header `kid` resolved as for JWT
 * VCs (assertionMethod). `iss` an https URL: the keys a recognition list entry for that
 * URL carries (nothing is fetched). An `x5c` header: the leaf's key, when the chain ends
 * at a certificate the recognition list entry for `iss` pins, when the entry lists the
 * leaf's key, or when a caller's trusted certificate anchors it and the leaf's
 * subjectAltName names `iss`. Throws `TradewindError` (MALFORMED, UNSUPPORTED_ALGORITHM,
 * UNSUPPORTED_FORMAT, KEY_NOT_FOUND, UNTRUSTED_ISSUER, SIGNATURE_INVALID, ...).
 *
 * @example
 * ```ts
 * const { keyId, via } = await verifySdJwtIssuerSignature(ctx, parseCompactJws(jwt), payload.iss, state, false);
 * ```
 */
export async function verifySdJwtIssuerSignature(
  ctx: VerifyContext,
  parsed: ParsedJws,
  issuer: string,
  recognition: RecognitionState | undefined,
  parallel: boolean,
): Promise<IssuerKey> {
  const { alg } = parsed.header;
  if (!isAllowedAlgorithm(alg)) {
    fail('UNSUPPORTED_ALGORITHM', `algorithm ${JSON.stringify(alg)} is not allowed (EdDSA, Ed25519, ES256 are)`, '/header/alg');
  }
  const isDid = typeof issuer === 'string' && issuer.startsWith('did:');
  if (!isDid && !isHttpsIssuer(issuer)) {
    // Compared as strings with list entries and certificate names: one spelling only.
    fail(
      'MALFORMED',
      'iss must be a DID or an https URL as a URL parser writes it (lower-case host, no default port, no dot segments)',
      '/payload/iss',
    );
  }
  const viaDid = async (): Promise<IssuerKey> => {
    const key = await verifySigningKey(ctx, parsed, issuer, 'assertionMethod', parallel, recognition?.resolver ?? ctx.resolver);
    return { key, keyId: key.id, via: 'did' };
  };
  if (parsed.header.x5c !== undefined) {
    const x509 = ctx.backend.x509;
    if (!x509) {
      // A DID issuer's own key needs no certificate; an https issuer's x5c cannot be checked here.
      if (isDid) return viaDid();
      fail('UNSUPPORTED_FORMAT', 'x5c chains are verified in the Node build only', '/header/x5c');
    }
    const viaX5c = await x5cKey(ctx, x509, parsed, issuer, recognition, parallel);
    if (viaX5c) return viaX5c;
    // Not anchored: never the bare leaf. A DID issuer's kid may still name its own key.
    if (isDid) {
      try {
        return await viaDid();
      } catch (e) {
        if (!(e instanceof TradewindError) || (e.code !== 'KEY_NOT_FOUND' && e.code !== 'DID_UNRESOLVABLE')) throw e;
        throw new TradewindError('UNTRUSTED_ISSUER', `${NOT_ANCHORED}, and the DID gives no key: ${e.message}`, {
          path: '/header/x5c',
          cause: e,
        });
      }
    }
    return fail('UNTRUSTED_ISSUER', NOT_ANCHORED, '/header/x5c');
  }
  if (isDid) return viaDid();
  return listKey(ctx, parsed, issuer, recognition, parallel);
}

const NOT_ANCHORED = 'x5c certificate chain is not anchored by a recognition list or trusted certificate';

/** An https issuer's key from the recognition list entries for its URL: the header's kid, or the only key. */
async function listKey(
  ctx: VerifyContext,
  parsed: ParsedJws,
  issuer: string,
  recognition: RecognitionState | undefined,
  parallel: boolean,
): Promise<IssuerKey> {
  const listed = recognition ? listedKeys(recognition, issuer) : [];
  if (listed.length === 0) {
    fail('KEY_NOT_FOUND', `no keys for https issuer ${issuer.slice(0, 200)} (a recognition list must list them)`, '/payload/iss');
  }
  const { kid } = parsed.header;
  if (kid !== undefined && typeof kid !== 'string') fail('MALFORMED', 'kid is not a string', '/header/kid');
  let candidates: RecognizedKey[];
  if (kid === undefined) {
    const kids = new Set(listed.map((k) => k.kid));
    if (kids.size !== 1) {
      fail('KEY_NOT_FOUND', `the header names no kid and ${issuer.slice(0, 200)} has ${kids.size} keys listed`, '/header/kid');
    }
    candidates = listed;
  } else {
    candidates = listed.filter((k) => k.kid === kid);
    if (candidates.length === 0) {
      fail('KEY_NOT_FOUND', `kid ${kid.slice(0, 200)} is not a listed key of ${issuer.slice(0, 200)}`, '/header/kid');
    }
  }
  const alg = parsed.header.alg as Parameters<typeof curveOf>[0];
  const usable = candidates.filter((k) => k.crv === curveOf(alg));
  if (usable.length === 0) {
    fail('SIGNATURE_INVALID', `the listed key ${(kid ?? listed[0]?.kid ?? '').slice(0, 200)} cannot verify ${alg}`, '/header/alg');
  }
  // Keys that share a kid (a rotated key that kept it) are each tried; the one that verifies is judged.
  for (const listedKey of usable) {
    const key = resolvedKeyOf(listedKey.kid, issuer, listedKey);
    if (await verifies(ctx, parsed, key, parallel)) {
      const thumbprint = await thumbprintOf(key);
      refuseRevoked(recognition, issuer, key.id, thumbprint);
      return { key, keyId: key.id, via: 'list', thumbprint };
    }
  }
  return fail('SIGNATURE_INVALID', `signature does not verify with ${kid ?? 'the listed key'} of ${issuer.slice(0, 200)}`, '/signature');
}

// Listed keys per issuer, read once per set of recognition lists.
const keyIndex = new WeakMap<RecognitionState, Map<string, RecognizedKey[]>>();

/** Every key the lists in use carry for `issuer` (revoked ones too: refused by thumbprint, with a clear message). */
function listedKeys(state: RecognitionState, issuer: string): RecognizedKey[] {
  let index = keyIndex.get(state);
  if (!index) {
    index = new Map();
    for (const list of state.lists) {
      for (const entry of list.entries) {
        if (!entry.keys || entry.id.startsWith('did:')) continue;
        const found = index.get(entry.id) ?? [];
        found.push(...entry.keys);
        index.set(entry.id, found);
      }
    }
    keyIndex.set(state, index);
  }
  return index.get(issuer) ?? [];
}

/**
 * The key of an anchored `x5c` chain, after verifying the JWS with it; undefined when
 * nothing anchors the chain. Throws for a malformed header or a chain that is anchored
 * but broken, expired, or whose leaf does not suit the algorithm.
 */
async function x5cKey(
  ctx: VerifyContext,
  x509: X509Backend,
  parsed: ParsedJws,
  issuer: string,
  recognition: RecognitionState | undefined,
  parallel: boolean,
): Promise<IssuerKey | undefined> {
  const certs = readChain(x509, parsed.header.x5c);
  const leaf = certs[0] as ParsedCertificate;
  const x5t = parsed.header['x5t#S256'];
  if (x5t !== undefined && x5t !== leaf.sha256) {
    fail('MALFORMED', 'x5t#S256 is not the SHA-256 thumbprint of the x5c leaf certificate', '/header/x5t#S256');
  }
  const keyId = `x5c#${leaf.sha256}`;
  // A leaf key that cannot be used is reported for an anchored chain only: an unanchored
  // x5c beside a DID issuer's kid is ignored, whatever key it holds.
  let key: ResolvedKey | undefined;
  let unusable: unknown;
  try {
    key = resolvedKeyOf(keyId, issuer, leafPublicKey(leaf));
  } catch (e) {
    unusable = e;
  }
  const thumbprint = key ? await thumbprintOf(key) : undefined;
  const anchor = await findAnchor(ctx, x509, certs, issuer, thumbprint, recognition);
  if (!anchor) return undefined;
  if (!key || thumbprint === undefined) throw unusable;
  const alg = parsed.header.alg as Parameters<typeof curveOf>[0];
  if (key.jwk.crv !== curveOf(alg)) {
    fail('SIGNATURE_INVALID', `the x5c leaf key is a ${key.jwk.crv} key and cannot verify ${alg}`, '/header/alg');
  }
  await checkPath(ctx, x509, certs, anchor.at);
  if (anchor.byCaller) checkNames(leaf, issuer);
  if (!(await verifies(ctx, parsed, key, parallel))) {
    fail('SIGNATURE_INVALID', 'signature does not verify with the key of the x5c leaf certificate', '/signature');
  }
  refuseRevoked(recognition, issuer, keyId, thumbprint);
  // The entries whose pins anchored this chain recognise its leaf key from now on (their windows still apply).
  for (const period of anchor.periods) period.certified?.add(thumbprint);
  return { key, keyId, via: 'x5c', thumbprint };
}

// Parsed chains by header value: the same issuer sends the same chain with every credential.
// Each cache is per X.509 backend: a parsed certificate is that backend's own.
const chainCaches = new WeakMap<X509Backend, Map<string, ParsedCertificate[]>>();
const MAX_CACHED_CHAINS = 256;

function readChain(x509: X509Backend, x5c: unknown): ParsedCertificate[] {
  if (!Array.isArray(x5c) || x5c.length === 0 || x5c.length > MAX_X5C_CERTIFICATES) {
    fail('MALFORMED', `x5c must be an array of 1 to ${MAX_X5C_CERTIFICATES} base64 DER certificates`, '/header/x5c');
  }
  const cacheKey = x5c.every((c) => typeof c === 'string') ? x5c.join(',') : undefined;
  const chains = cacheFor(chainCaches, x509, () => new Map<string, ParsedCertificate[]>());
  const cached = cacheKey === undefined ? undefined : chains.get(cacheKey);
  if (cached) return cached;
  const certs = x5c.map((c, i) => {
    // base64 text is 4/3 of the bytes: longer text cannot be a certificate small enough.
    const der = typeof c === 'string' && c.length <= Math.ceil(MAX_CERTIFICATE_BYTES / 3) * 4 ? base64Decode(c) : undefined;
    if (!der || der.length === 0 || der.length > MAX_CERTIFICATE_BYTES) {
      return fail('MALFORMED', `x5c[${i}] is not base64 DER of at most ${MAX_CERTIFICATE_BYTES} bytes`, `/header/x5c/${i}`);
    }
    try {
      return x509.parse(der);
    } catch (e) {
      throw new TradewindError('MALFORMED', `x5c[${i}] is not an X.509 certificate`, { path: `/header/x5c/${i}`, cause: e });
    }
  });
  if (cacheKey !== undefined) {
    if (chains.size >= MAX_CACHED_CHAINS) chains.delete(chains.keys().next().value as string);
    chains.set(cacheKey, certs);
  }
  return certs;
}

/** The leaf's key as a JWK: Ed25519 or P-256, else UNSUPPORTED_ALGORITHM (RSA) or KEY_NOT_FOUND (a weak key). */
function leafPublicKey(leaf: ParsedCertificate): PublicJwk {
  const pk = leaf.publicKey;
  const supported = (pk?.kty === 'OKP' && pk.crv === 'Ed25519') || (pk?.kty === 'EC' && pk.crv === 'P-256');
  if (!supported) {
    const what = pk?.kty === 'RSA' ? 'an RSA key' : `a ${pk?.crv ?? pk?.kty ?? 'unreadable'} key`;
    fail(
      'UNSUPPORTED_ALGORITHM',
      `the x5c leaf certificate has ${what}; only Ed25519 (EdDSA) and P-256 (ES256) are supported`,
      '/header/x5c/0',
    );
  }
  return toPublicJwk(pk, 'the x5c leaf key');
}

interface Anchor {
  /** Index of the chain certificate the anchor is (or the last one, when the anchor is above the chain). */
  at: number;
  /** The anchor when it is not in the chain: a CA that issued `certs[at]`. */
  above: ParsedCertificate | undefined;
  /** Anchored by options.trustedCertificates (its leaf must name the issuer). */
  byCaller: boolean;
  /** The recognition list key periods whose pins anchored it. */
  periods: KeyPeriod[];
}

/**
 * What anchors the chain, in this order: the recognition list entries for `issuer` (a
 * pinned certificate in the chain or above it, or the leaf's key among their keys),
 * then the caller's trusted certificates.
 */
async function findAnchor(
  ctx: VerifyContext,
  x509: X509Backend,
  certs: ParsedCertificate[],
  issuer: string,
  thumbprint: string | undefined,
  recognition: RecognitionState | undefined,
): Promise<Anchor | undefined> {
  const periods = recognition?.byIssuer.get(issuer) ?? [];
  if (thumbprint !== undefined && periods.some((p) => p.keys?.has(thumbprint)))
    return { at: 0, above: undefined, byCaller: false, periods: [] };
  const pinning: KeyPeriod[] = [];
  let found: Anchor | undefined;
  for (const period of periods) {
    const pins = period.entry.x509?.certificates;
    if (!pins) continue;
    for (const pin of pins) {
      const anchor = await anchoredBy(x509, certs, pinned(x509, pin));
      if (anchor && (!found || anchor.at < found.at)) found = anchor;
      if (anchor) {
        pinning.push(period);
        break;
      }
    }
  }
  if (found) return { ...found, periods: pinning };
  for (const der of ctx.trustedCertificates) {
    const anchor = await anchoredBy(x509, certs, callerCertificate(x509, der));
    if (anchor) return { ...anchor, byCaller: true };
  }
  return undefined;
}

/** Where `anchor` sits in the chain: one of its certificates, or the CA that issued its last one. */
async function anchoredBy(
  x509: X509Backend,
  certs: ParsedCertificate[],
  anchor: ParsedCertificate | undefined,
): Promise<Anchor | undefined> {
  if (!anchor) return undefined;
  const at = certs.findIndex((c) => c.sha256 === anchor.sha256);
  if (at >= 0) return { at, above: undefined, byCaller: false, periods: [] };
  const last = certs.length - 1;
  if (anchor.ca && (await issued(x509, anchor, certs[last] as ParsedCertificate))) {
    return { at: last, above: anchor, byCaller: false, periods: [] };
  }
  return undefined;
}

/**
 * The path from the leaf to its anchor: each certificate issued by the next (the last
 * by the anchor above the chain, which anchoredBy checked), every one above the leaf a
 * CA, every one valid at the evaluation time (with the clock skew). Certificates beyond
 * the anchor are not read.
 */
async function checkPath(ctx: VerifyContext, x509: X509Backend, certs: ParsedCertificate[], at: number): Promise<void> {
  const now = nowOf(ctx);
  for (let i = 0; i <= at; i++) {
    const cert = certs[i] as ParsedCertificate;
    if (i < at && !(await issued(x509, certs[i + 1] as ParsedCertificate, cert))) {
      fail('UNTRUSTED_ISSUER', `x5c[${i}] is not issued by x5c[${i + 1}]: the certificate chain is broken`, `/header/x5c/${i}`);
    }
    if (i > 0 && !cert.ca) fail('UNTRUSTED_ISSUER', `x5c[${i}] issues certificates but is not a CA (basicConstraints)`, `/header/x5c/${i}`);
    if (now + ctx.skewMs < cert.notBefore) {
      fail(
        'UNTRUSTED_ISSUER',
        `x5c[${i}] (${cert.subject}) is not valid before ${new Date(cert.notBefore).toISOString()}`,
        `/header/x5c/${i}`,
      );
    }
    if (now - ctx.skewMs > cert.notAfter) {
      fail('UNTRUSTED_ISSUER', `x5c[${i}] (${cert.subject}) expired at ${new Date(cert.notAfter).toISOString()}`, `/header/x5c/${i}`);
    }
  }
}

/** A caller-anchored chain names its issuer: a subjectAltName URI equal to `iss`, or a DNS name equal to its host. */
function checkNames(leaf: ParsedCertificate, issuer: string): void {
  const host = issuer.startsWith('https://') ? new URL(issuer).hostname : undefined;
  const ok = leaf.san?.uris.includes(issuer) || (host !== undefined && leaf.san?.dns.some((d) => d.toLowerCase() === host));
  if (!ok) {
    fail('UNTRUSTED_ISSUER', `the x5c leaf certificate's subjectAltName does not name the issuer ${issuer.slice(0, 200)}`, '/header/x5c/0');
  }
}

// Whether one certificate issued another, per pair of parsed certificates (chains and
// anchors are parsed once and kept, so an issuer's chain is checked once, not per credential).
const issuedBy = new WeakMap<ParsedCertificate, WeakMap<ParsedCertificate, boolean>>();

async function issued(x509: X509Backend, parent: ParsedCertificate, child: ParsedCertificate): Promise<boolean> {
  let byParent = issuedBy.get(child);
  if (!byParent) {
    byParent = new WeakMap();
    issuedBy.set(child, byParent);
  }
  let result = byParent.get(parent);
  if (result === undefined) {
    result = await x509.issued(parent, child);
    byParent.set(parent, result);
  }
  return result;
}

// Parsed anchors: list pins by their base64 text, caller certificates by their bytes.
const pinCaches = new WeakMap<X509Backend, Map<string, ParsedCertificate | undefined>>();
const callerCaches = new WeakMap<X509Backend, WeakMap<Uint8Array, ParsedCertificate | undefined>>();

function cacheFor<C>(caches: WeakMap<X509Backend, C>, x509: X509Backend, create: () => C): C {
  let cache = caches.get(x509);
  if (!cache) {
    cache = create();
    caches.set(x509, cache);
  }
  return cache;
}

/** A pinned certificate (already checked as base64 DER by the list's parser); undefined when it does not parse. */
function pinned(x509: X509Backend, pin: string): ParsedCertificate | undefined {
  const pins = cacheFor(pinCaches, x509, () => new Map<string, ParsedCertificate | undefined>());
  if (!pins.has(pin)) {
    if (pins.size >= 1024) pins.delete(pins.keys().next().value as string);
    pins.set(pin, parseOrUndefined(x509, base64Decode(pin)));
  }
  return pins.get(pin);
}

function callerCertificate(x509: X509Backend, der: Uint8Array): ParsedCertificate | undefined {
  const callerCerts = cacheFor(callerCaches, x509, () => new WeakMap<Uint8Array, ParsedCertificate | undefined>());
  if (!callerCerts.has(der)) callerCerts.set(der, parseOrUndefined(x509, der));
  return callerCerts.get(der);
}

function parseOrUndefined(x509: X509Backend, der: Uint8Array | undefined): ParsedCertificate | undefined {
  if (!der) return undefined;
  try {
    return x509.parse(der);
  } catch {
    return undefined; // a pin that is no certificate anchors nothing
  }
}

/**
 * A key a recognition list marks revoked never verifies, whichever way it was found; nor
 * does any key of an issuer whose whole entry (with no keys listed) is revoked.
 */
function refuseRevoked(recognition: RecognitionState | undefined, issuer: string, keyId: string, thumbprint: string): void {
  if (recognition?.revokedDids.has(issuer)) {
    fail('UNTRUSTED_ISSUER', `the keys of ${issuer.slice(0, 200)} are revoked by a recognition list`, '/payload/iss');
  }
  if (recognition?.revokedKeys.has(thumbprint)) {
    fail('UNTRUSTED_ISSUER', `key ${keyId} (JWK thumbprint ${thumbprint}) is revoked by a recognition list`, '/header/kid');
  }
}

// One ResolvedKey object per key (the verifier caches imported keys by that object).
const resolvedKeys = new Map<string, ResolvedKey>();

function resolvedKeyOf(id: string, controller: string, jwk: PublicJwk): ResolvedKey {
  const canonical = toPublicJwk(jwk, `key ${id.slice(0, 200)}`);
  const cacheKey = JSON.stringify([id, controller, canonical.x, canonical.y ?? '']);
  let key = resolvedKeys.get(cacheKey);
  if (!key) {
    if (resolvedKeys.size >= 1024) resolvedKeys.delete(resolvedKeys.keys().next().value as string);
    key = { id, controller, jwk: canonical };
    resolvedKeys.set(cacheKey, key);
  }
  return key;
}

const thumbprints = new WeakMap<ResolvedKey, Promise<string>>();
function thumbprintOf(key: ResolvedKey): Promise<string> {
  let t = thumbprints.get(key);
  if (!t) {
    t = jwkThumbprint(key.jwk);
    thumbprints.set(key, t);
  }
  return t;
}

async function verifies(ctx: VerifyContext, parsed: ParsedJws, resolved: ResolvedKey, parallel: boolean): Promise<boolean> {
  const alg = parsed.header.alg as Parameters<typeof curveOf>[0];
  // As for DID keys: high-S ECDSA and Ed25519 S >= L are refused before the platform sees them.
  const encoding = checkSignatureEncoding(alg, parsed.signature, ctx.allowHighS ? { allowHighS: true } : undefined);
  if (encoding) await encoding;
  let key = ctx.keys.get(resolved);
  if (key === undefined) {
    try {
      key = await ctx.backend.importKey(resolved.jwk);
    } catch (e) {
      throw new TradewindError('KEY_NOT_FOUND', `${resolved.id.slice(0, 200)} is not a usable public key`, { cause: e });
    }
    ctx.keys.set(resolved, key);
  }
  return parallel
    ? ctx.backend.verifyInParallel(alg, key, parsed.signingInput, parsed.signature)
    : ctx.backend.verify(alg, key, parsed.signingInput, parsed.signature);
}

// The verifier's rules for an `x5c` certificate chain: what anchors it (a recognition
// list entry's pins or keys, the caller's trusted certificates), the path from the leaf to
// that anchor (RFC 5280 §6.1: issuers, CA flags, path length, key usage, dates) and the
// names the leaf must carry. Reached through the Node X.509 backend only: the browser
// build reads no certificates and carries none of this.

import {
  base64Decode,
  curveOf,
  MAX_CERTIFICATE_BYTES,
  type ParsedJws,
  type PublicJwk,
  type ResolvedKey,
  TradewindError,
  toPublicJwk,
} from '@tradewind/core';
import { fail, nowOf, type VerifyContext } from '../context.js';
import type { KeyPeriod, RecognitionState } from '../recognition/load-lists.js';
import { type IssuerKey, MAX_X5C_CERTIFICATES, refuseRevoked, resolvedKeyOf, verifies } from '../sd-jwt/issuer-key.js';
import { thumbprintOf } from '../signature.js';
import type { CertificateConstraints, ParsedCertificate, X509Backend } from './x509.js';

/**
 * The key of an anchored `x5c` chain, after verifying the JWS with it; undefined when
 * nothing anchors the chain. Throws for a malformed header or a chain that is anchored
 * but broken, expired, or whose leaf does not suit the algorithm.
 */
export async function x5cKey(
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
  await checkPath(ctx, x509, certs, anchor);
  if (anchor.mustName) checkNames(leaf, issuer);
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
  /**
   * The leaf must name the issuer: a CA anchors it (pinned by a list entry or trusted by
   * the caller), or the caller trusts the leaf. A list entry that pins the leaf itself or
   * lists its key has named the issuer's own certificate already.
   */
  mustName: boolean;
  /** The recognition list key periods whose pins anchored it. */
  periods: KeyPeriod[];
}

/**
 * What anchors the chain, in this order: the recognition list entries for `issuer` (the
 * leaf's key among their keys, a pinned leaf, a pinned CA in the chain or above it),
 * then the caller's trusted certificates. A pinned CA certifies more than this issuer
 * (a national PKI): the entries whose pins anchor the chain only through a CA count only
 * when the leaf names the issuer, and the anchor they give says so (`mustName`).
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
    return { at: 0, above: undefined, mustName: false, periods: [] };
  const leaf = certs[0] as ParsedCertificate;
  const named = namesIssuer(leaf, issuer);
  const pinning: KeyPeriod[] = [];
  let found: Anchor | undefined;
  // A CA pin that anchors a leaf not naming the issuer: reported (UNTRUSTED_ISSUER, by name) when nothing else anchors.
  let unnamed: Anchor | undefined;
  for (const period of periods) {
    const pins = period.entry.x509?.certificates;
    if (!pins) continue;
    let anchor: Anchor | undefined;
    if (pins.some((pin) => pinned(x509, pin)?.sha256 === leaf.sha256)) {
      anchor = { at: 0, above: undefined, mustName: false, periods: [] };
    } else {
      for (const pin of pins) {
        anchor = await anchoredBy(x509, certs, pinned(x509, pin));
        if (anchor) break;
      }
    }
    if (!anchor) continue;
    if (anchor.mustName && !named) {
      unnamed ??= anchor;
      continue;
    }
    pinning.push(period);
    if (!found || anchor.at < found.at) found = anchor;
  }
  if (found) return { ...found, periods: pinning };
  if (unnamed) return unnamed;
  for (const der of ctx.trustedCertificates) {
    const anchor = await anchoredBy(x509, certs, callerCertificate(x509, der));
    if (anchor) return { ...anchor, mustName: true };
  }
  return undefined;
}

/**
 * Where `anchor` sits in the chain: one of its certificates, or the CA that issued its
 * last one. Anything but the leaf itself is a CA above the leaf: the leaf must name the issuer.
 */
async function anchoredBy(
  x509: X509Backend,
  certs: ParsedCertificate[],
  anchor: ParsedCertificate | undefined,
): Promise<Anchor | undefined> {
  if (!anchor) return undefined;
  const at = certs.findIndex((c) => c.sha256 === anchor.sha256);
  if (at >= 0) return { at, above: undefined, mustName: at > 0, periods: [] };
  const last = certs.length - 1;
  if ((await constraintsOf(x509, anchor))?.ca && (await issued(x509, anchor, certs[last] as ParsedCertificate))) {
    return { at: last, above: anchor, mustName: true, periods: [] };
  }
  return undefined;
}

/** basicConstraints and keyUsage of a certificate; undefined when they cannot be read (it anchors and certifies nothing). */
async function constraintsOf(x509: X509Backend, cert: ParsedCertificate): Promise<CertificateConstraints | undefined> {
  try {
    return await x509.constraints(cert);
  } catch {
    return undefined;
  }
}

/**
 * The path from the leaf to its anchor (RFC 5280 §6.1, without policies or name
 * constraints): each certificate issued by the next (the last by the anchor above the
 * chain, which anchoredBy checked); every one above the leaf a CA (basicConstraints)
 * whose keyUsage, when present, allows keyCertSign, and below which no more CA
 * certificates (not self-issued) follow than its pathLenConstraint allows; a leaf whose
 * keyUsage, when present, allows digitalSignature or nonRepudiation; every one, the anchor above the chain
 * included, valid at the evaluation time (with the clock skew). Certificates beyond the
 * anchor are not read.
 */
async function checkPath(ctx: VerifyContext, x509: X509Backend, certs: ParsedCertificate[], anchor: Anchor): Promise<void> {
  const now = nowOf(ctx);
  const path = certs.slice(0, anchor.at + 1);
  if (anchor.above) path.push(anchor.above);
  // CA certificates between the leaf and path[i], self-issued ones not counted.
  let below = 0;
  for (let i = 0; i < path.length; i++) {
    const cert = path[i] as ParsedCertificate;
    const inChain = i <= anchor.at;
    const name = inChain ? `x5c[${i}] (${cert.subject})` : `the CA certificate above x5c that anchors it (${cert.subject})`;
    const where = inChain ? `/header/x5c/${i}` : '/header/x5c';
    if (i < anchor.at && !(await issued(x509, certs[i + 1] as ParsedCertificate, cert))) {
      fail('UNTRUSTED_ISSUER', `x5c[${i}] is not issued by x5c[${i + 1}]: the certificate chain is broken`, where);
    }
    const constraints = await constraintsOf(x509, cert);
    if (!constraints) fail('UNTRUSTED_ISSUER', `${name} has a basicConstraints or keyUsage extension that cannot be read`, where);
    if (i === 0) {
      // Both bits name a key that verifies signatures (RFC 5280 4.2.1.3); seals often carry
      // only nonRepudiation (contentCommitment).
      const usage = constraints.keyUsage;
      if (usage && !usage.has('digitalSignature') && !usage.has('nonRepudiation')) {
        const allowed = [...usage].join(', ') || 'nothing';
        fail(
          'UNTRUSTED_ISSUER',
          `the x5c leaf certificate's keyUsage does not allow digitalSignature or nonRepudiation (it allows ${allowed})`,
          where,
        );
      }
    } else {
      if (!constraints.ca) fail('UNTRUSTED_ISSUER', `${name} issues certificates but is not a CA (basicConstraints)`, where);
      if (constraints.keyUsage && !constraints.keyUsage.has('keyCertSign')) {
        fail('UNTRUSTED_ISSUER', `${name} issues certificates but its keyUsage does not allow keyCertSign`, where);
      }
      if (constraints.pathLength !== undefined && below > constraints.pathLength) {
        fail(
          'UNTRUSTED_ISSUER',
          `${name} allows ${constraints.pathLength} CA certificate(s) below it (pathLenConstraint) and the path has ${below}`,
          where,
        );
      }
      if (!cert.selfIssued) below++;
    }
    if (now + ctx.skewMs < cert.notBefore) {
      fail('UNTRUSTED_ISSUER', `${name} is not valid before ${new Date(cert.notBefore).toISOString()}`, where);
    }
    if (now - ctx.skewMs > cert.notAfter) {
      fail('UNTRUSTED_ISSUER', `${name} expired at ${new Date(cert.notAfter).toISOString()}`, where);
    }
  }
}

/** A leaf certified by a CA names its issuer: a subjectAltName URI equal to `iss`, or a DNS name equal to its host. */
function checkNames(leaf: ParsedCertificate, issuer: string): void {
  if (!namesIssuer(leaf, issuer)) {
    fail('UNTRUSTED_ISSUER', `the x5c leaf certificate's subjectAltName does not name the issuer ${issuer.slice(0, 200)}`, '/header/x5c/0');
  }
}

function namesIssuer(leaf: ParsedCertificate, issuer: string): boolean {
  const host = issuer.startsWith('https://') ? new URL(issuer).hostname : undefined;
  return leaf.san?.uris.includes(issuer) === true || (host !== undefined && leaf.san?.dns.some((d) => d.toLowerCase() === host) === true);
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

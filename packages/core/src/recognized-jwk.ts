// Keys a recognition list may carry: the JOSE keys (Ed25519, P-256) and, for issuers that
// sign Data Integrity proofs with them (MOSIP Inji Certify's did:web issuers), RSA,
// secp256k1 and P-384 keys. The wider type stays apart from PublicJwk: the JOSE path and
// DID resolution keep reading Ed25519 and P-256 only (toPublicJwk is unchanged).

import { type PublicJwk, toPublicJwk } from './algorithms.js';
import { base64urlDecode } from './base64url.js';
import { TradewindError } from './errors.js';

/** An RSA public key: modulus and exponent, unsigned big-endian base64url without leading zeros. */
export interface RsaPublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
}

/** An EC public key on a curve only Data Integrity proofs use here. */
export interface DiOnlyEcPublicJwk {
  kty: 'EC';
  crv: 'secp256k1' | 'P-384';
  x: string;
  y: string;
}

/** A key a recognition list may carry: a JOSE key, or one that verifies Data Integrity proofs only. */
export type RecognizedJwk = PublicJwk | RsaPublicJwk | DiOnlyEcPublicJwk;

/** Smallest and largest RSA modulus a list may carry, in bits (as Data Integrity verification takes them). */
export const MIN_LIST_RSA_BITS = 2048;
export const MAX_LIST_RSA_BITS = 8192;

// Members of private JWKs (RFC 7518 §6.2.2, §6.3.2, §6.4.1): a list carrying one leaks a key.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Curve parameters for the on-curve check (y² = x³ + ax + b mod p), as SEC 2 and FIPS 186-5 give them. */
const CURVES = {
  secp256k1: { size: 32, p: 2n ** 256n - 2n ** 32n - 977n, a: 0n, b: 7n },
  'P-384': {
    size: 48,
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    a: -3n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
} as const;

/**
 * True for a key only Data Integrity proofs verify with (RSA, secp256k1, P-384): the JOSE
 * and SD-JWT paths refuse it with `UNSUPPORTED_ALGORITHM`.
 */
export function isDataIntegrityOnlyJwk(jwk: { kty?: unknown; crv?: unknown }): boolean {
  return jwk.kty === 'RSA' || (jwk.kty === 'EC' && (jwk.crv === 'secp256k1' || jwk.crv === 'P-384'));
}

/**
 * Checks a JWK a recognition list carries and returns it in its one canonical form (no
 * private part, no other members): Ed25519 and P-256 exactly as {@link toPublicJwk} reads
 * them; RSA with n and e only, a modulus of 2048 to 8192 bits, an odd exponent of at least
 * 3 (at most 32 bits), both without leading zero bytes; secp256k1 and P-384 points on
 * their curve with coordinates below p. Throws `KEY_NOT_FOUND` saying what is wrong.
 *
 * @example
 * ```ts
 * toRecognizedJwk({ kty: 'EC', crv: 'secp256k1', x: 'gx6m…', y: '1yq1…' }); // the key, canonical
 * toRecognizedJwk({ kty: 'RSA', n: 'AL…', e: 'AQAB' }); // throws: n has a leading zero byte
 * ```
 */
export function toRecognizedJwk(jwk: unknown, where = 'key'): RecognizedJwk {
  const k = jwk as Record<string, unknown> | null;
  if (!k || typeof k !== 'object' || Array.isArray(k)) throw new TradewindError('KEY_NOT_FOUND', `${where} is not a JWK`);
  for (const member of PRIVATE_MEMBERS) {
    if (k[member] !== undefined) throw new TradewindError('KEY_NOT_FOUND', `${where} contains private key material (${member})`);
  }
  if (k.kty === 'RSA') return rsa(k, where);
  if (k.kty === 'EC' && (k.crv === 'secp256k1' || k.crv === 'P-384')) return ec(k.crv, k.x, k.y, where);
  if (k.kty === 'OKP' || (k.kty === 'EC' && k.crv === 'P-256')) return toPublicJwk(k, where);
  throw new TradewindError('KEY_NOT_FOUND', `${where} is not an Ed25519, P-256, P-384, secp256k1 or RSA public key`);
}

function rsa(k: Record<string, unknown>, where: string): RsaPublicJwk {
  const { n, e } = k;
  // 8192 bits are 1366 base64url characters; a 32-bit exponent 6.
  if (typeof n !== 'string' || typeof e !== 'string' || n.length > 1366 || e.length > 6) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: an RSA key needs n (at most ${MAX_LIST_RSA_BITS} bits) and e as base64url`);
  }
  const modulus = base64urlDecode(n);
  const exponent = base64urlDecode(e);
  if (!modulus || !exponent) throw new TradewindError('KEY_NOT_FOUND', `${where}: RSA n and e must be canonical base64url`);
  if (modulus.length === 0 || modulus[0] === 0 || exponent.length === 0 || exponent[0] === 0) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: RSA n and e must be unsigned integers without leading zero bytes`);
  }
  const bits = modulus.length * 8 - (Math.clz32(modulus[0] as number) - 24);
  if (bits < MIN_LIST_RSA_BITS || bits > MAX_LIST_RSA_BITS) {
    throw new TradewindError(
      'KEY_NOT_FOUND',
      `${where}: RSA modulus of ${bits} bits, outside ${MIN_LIST_RSA_BITS} to ${MAX_LIST_RSA_BITS} bits`,
    );
  }
  if (((modulus[modulus.length - 1] as number) & 1) === 0) throw new TradewindError('KEY_NOT_FOUND', `${where}: RSA modulus is even`);
  let exp = 0;
  for (const b of exponent) exp = exp * 256 + b;
  if (exp < 3 || exp % 2 === 0) throw new TradewindError('KEY_NOT_FOUND', `${where}: RSA exponent must be odd and at least 3`);
  return { kty: 'RSA', n, e };
}

function ec(crv: 'secp256k1' | 'P-384', x: unknown, y: unknown, where: string): DiOnlyEcPublicJwk {
  const curve = CURVES[crv];
  const length = Math.ceil((curve.size * 4) / 3);
  const xs = typeof x === 'string' && x.length === length ? base64urlDecode(x) : undefined;
  const ys = typeof y === 'string' && y.length === length ? base64urlDecode(y) : undefined;
  if (!xs || !ys || xs.length !== curve.size || ys.length !== curve.size) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: ${crv} coordinates must be ${curve.size} bytes of canonical base64url`);
  }
  const px = toBigint(xs);
  const py = toBigint(ys);
  const { p, a, b } = curve;
  // Both curves have cofactor 1: a point with coordinates below p that satisfies the
  // curve equation is a valid public key (the identity has no affine coordinates).
  if (px >= p || py >= p || (py * py - (px * px * px + a * px + b)) % p !== 0n) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: not a point on ${crv}`);
  }
  return { kty: 'EC', crv, x: x as string, y: y as string };
}

function toBigint(bytes: Uint8Array): bigint {
  let hex = '0x0';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return BigInt(hex);
}

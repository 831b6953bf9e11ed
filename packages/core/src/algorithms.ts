import { base64urlDecode } from './base64url.js';
import { P256_PARAMS } from './did/p256-point.js';
import { TradewindError } from './errors.js';

/** A public key in JWK form, limited to what Tradewind verifies with. */
export interface PublicJwk {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  x: string;
  y?: string;
  kid?: string;
  alg?: string;
  use?: string;
}

/**
 * JOSE algorithms Tradewind accepts. `Ed25519` is the fully specified name for EdDSA
 * over Ed25519 (RFC 9864); `EdDSA` is what most producers still write.
 * Anything else (including `none` and every HMAC algorithm) is rejected before a key
 * is looked up.
 */
export const ALLOWED_ALGORITHMS = ['EdDSA', 'Ed25519', 'ES256'] as const;
export type Algorithm = (typeof ALLOWED_ALGORITHMS)[number];

export function isAllowedAlgorithm(alg: unknown): alg is Algorithm {
  return alg === 'EdDSA' || alg === 'Ed25519' || alg === 'ES256';
}

/** The curve an algorithm signs with. */
export function curveOf(alg: Algorithm): PublicJwk['crv'] {
  return alg === 'ES256' ? 'P-256' : 'Ed25519';
}

/** The algorithm Tradewind signs with for a key type. */
export function algorithmForCurve(crv: PublicJwk['crv']): Algorithm {
  return crv === 'P-256' ? 'ES256' : 'EdDSA';
}

/**
 * Checks that a JWK is a well-formed Ed25519 or P-256 public key and returns it in
 * canonical form (no private part, no unknown members). Throws `KEY_NOT_FOUND` otherwise.
 */
export function toPublicJwk(jwk: unknown, where = 'key'): PublicJwk {
  const k = jwk as Record<string, unknown> | null;
  if (!k || typeof k !== 'object') throw new TradewindError('KEY_NOT_FOUND', `${where} is not a JWK`);
  if ('d' in k) throw new TradewindError('KEY_NOT_FOUND', `${where} contains private key material`);
  // One spelling per key: a coordinate with non-zero trailing bits would give the same
  // key a second JWK thumbprint, and so a second identity.
  if (k.kty === 'OKP' && k.crv === 'Ed25519' && isCoordinate(k.x)) {
    checkEd25519PublicKey(base64urlDecode(k.x) as Uint8Array, where);
    return { kty: 'OKP', crv: 'Ed25519', x: k.x };
  }
  if (k.kty === 'EC' && k.crv === 'P-256' && isCoordinate(k.x) && isCoordinate(k.y)) {
    return { kty: 'EC', crv: 'P-256', x: k.x, y: k.y };
  }
  throw new TradewindError('KEY_NOT_FOUND', `${where} is not an Ed25519 or P-256 public key`);
}

// The y coordinates (little-endian, sign bit of x cleared) of the eight Ed25519 points of
// small order: 0 (two points of order 4), 1 (the identity), p-1 (order 2), and the two
// values of the four points of order 8. The same list libsodium refuses.
const ED25519_SMALL_ORDER_Y = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
].map((hex) => Uint8Array.from(hex.match(/../g) as string[], (b) => Number.parseInt(b, 16)));

/**
 * Refuses an Ed25519 public key that anyone can sign for: a point of small order (the
 * all-zero key, the identity, and the other six: a signature with S = 0 verifies
 * for many messages under them) or a non-canonical encoding (y ≥ p, or the sign bit
 * set where x = 0), which gives one point a second spelling and so a second DID.
 * Platform verifiers (OpenSSL, WebCrypto) accept all of these. Throws `KEY_NOT_FOUND`.
 *
 * @example
 * ```ts
 * checkEd25519PublicKey(new Uint8Array(32)); // throws: the all-zero key has small order
 * ```
 */
export function checkEd25519PublicKey(key: Uint8Array, where = 'key'): void {
  if (key.length !== 32) throw new TradewindError('KEY_NOT_FOUND', `${where}: an Ed25519 public key is 32 bytes, not ${key.length}`);
  const top = (key[31] as number) & 0x7f;
  // y ≥ p = 2^255 - 19: bytes ff…ff7f with a first byte of at least 0xed.
  let allOnes = top === 0x7f;
  for (let i = 1; i < 31 && allOnes; i++) allOnes = key[i] === 0xff;
  if (allOnes && (key[0] as number) >= 0xed) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: Ed25519 public key is not canonically encoded (y is not below p)`);
  }
  for (const y of ED25519_SMALL_ORDER_Y) {
    let same = top === y[31];
    for (let i = 0; i < 31 && same; i++) same = key[i] === y[i];
    if (same) {
      throw new TradewindError(
        'KEY_NOT_FOUND',
        `${where}: Ed25519 public key is a point of small order, for which anyone can forge signatures`,
      );
    }
  }
}

/** A 32-byte JWK coordinate in canonical base64url (43 characters). */
function isCoordinate(value: unknown): value is string {
  return typeof value === 'string' && value.length === 43 && base64urlDecode(value) !== undefined;
}

/** Length of an Ed25519 signature and of an ES256 signature (r‖s, RFC 7518 §3.4), in bytes. */
export const SIGNATURE_LENGTH = 64;

// L, the order of the Ed25519 base point (RFC 8032 §5.1: 2^252 + 27742317777372353535851937790883648493),
// little-endian as S is encoded.
const ED25519_ORDER_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0x10,
]);

const P256_N = P256_PARAMS.n;

/** Big-endian bytes as an unsigned integer (a signature's r or s, to compare with the group order). */
function toBigint(bytes: Uint8Array): bigint {
  let hex = '0x0';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return BigInt(hex);
}

/**
 * Checks that a signature is the one encoding `alg` allows, so that no second valid
 * signature can be derived from a first one (malleability): 64 bytes; for Ed25519
 * S < L (RFC 8032 §5.1.7, which some verifiers skip); for ES256 r and s in [1, n-1] and
 * s ≤ n/2 ("low S": an ECDSA signature (r, s) is equally valid as (r, n-s), so only the
 * lower one is accepted). Platform verifiers differ on these rules; this check does
 * not. Throws `SIGNATURE_INVALID`.
 * `allowHighS` accepts the high-S twin (r and s must still be in range), for verifiers
 * that must read signers that do not normalise.
 *
 * @example
 * ```ts
 * await checkSignatureEncoding('ES256', parsed.signature); // throws on a high-S signature
 * ```
 */
export function checkSignatureEncoding(
  alg: Algorithm,
  signature: Uint8Array,
  options: { allowHighS?: boolean } = {},
): void | Promise<void> {
  if (signature.length !== SIGNATURE_LENGTH) {
    throw new TradewindError('SIGNATURE_INVALID', `an ${alg} signature is ${SIGNATURE_LENGTH} bytes, not ${signature.length}`, {
      path: '/signature',
    });
  }
  if (alg !== 'ES256') {
    for (let i = 31; i >= 0; i--) {
      const s = signature[32 + i] as number;
      const l = ED25519_ORDER_LE[i] as number;
      if (s < l) return;
      if (s > l) break;
    }
    throw new TradewindError('SIGNATURE_INVALID', 'Ed25519 signature scalar S is not below the group order (non-canonical)', {
      path: '/signature',
    });
  }
  const r = toBigint(signature.subarray(0, 32));
  const s = toBigint(signature.subarray(32));
  if (r < 1n || r >= P256_N || s < 1n || s >= P256_N) {
    throw new TradewindError('SIGNATURE_INVALID', 'ES256 signature r or s is out of range', { path: '/signature' });
  }
  if (s > P256_N >> 1n && options.allowHighS !== true) {
    throw new TradewindError('SIGNATURE_INVALID', 'ES256 signature has a high S value (non-canonical; s must be at most n/2)', {
      path: '/signature',
    });
  }
}

/**
 * The low-S form of an ES256 signature (r, n-s when s > n/2), which signers must emit
 * because verifiers reject the high-S twin (see {@link checkSignatureEncoding}). Node's
 * crypto, WebCrypto and most JOSE libraries return either form at random.
 *
 * @example
 * ```ts
 * const sig = await lowSSignature(sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }));
 * ```
 */
export async function lowSSignature(signature: Uint8Array): Promise<Uint8Array> {
  if (signature.length !== SIGNATURE_LENGTH)
    throw new TradewindError('INVALID_ARGUMENT', `an ES256 signature is ${SIGNATURE_LENGTH} bytes`);
  const s = toBigint(signature.subarray(32));
  if (s <= P256_N >> 1n) return signature;
  const low = new Uint8Array(signature);
  const twin = (P256_N - s).toString(16).padStart(64, '0');
  for (let i = 0; i < 32; i++) low[32 + i] = Number.parseInt(twin.slice(2 * i, 2 * i + 2), 16);
  return low;
}

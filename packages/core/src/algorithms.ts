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
  if (k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.x === 'string' && k.x.length === 43) {
    return { kty: 'OKP', crv: 'Ed25519', x: k.x };
  }
  if (k.kty === 'EC' && k.crv === 'P-256' && typeof k.x === 'string' && typeof k.y === 'string' && k.x.length === 43 && k.y.length === 43) {
    return { kty: 'EC', crv: 'P-256', x: k.x, y: k.y };
  }
  throw new TradewindError('KEY_NOT_FOUND', `${where} is not an Ed25519 or P-256 public key`);
}

import { base58btc } from 'multiformats/bases/base58';
import { checkEd25519PublicKey, type PublicJwk, toPublicJwk } from '../algorithms.js';
import { base64urlDecode, base64urlEncode } from '../base64url.js';
import { TradewindError } from '../errors.js';
import { decodeP256Point } from './p256-point.js';

// Multicodec prefixes (https://github.com/multiformats/multicodec/blob/master/table.csv).
const ED25519_PUB = [0xed, 0x01];
const P256_PUB = [0x80, 0x24];

/**
 * Longest multibase key decoded, in characters: an uncompressed P-256 multikey is 92.
 * Base58 decoding takes time quadratic in the length, so nothing longer is decoded.
 */
export const MAX_MULTIKEY_LENGTH = 128;
/** Longest `publicKeyBase58` decoded (an Ed25519 key is 43 or 44 characters). */
const MAX_BASE58_KEY_LENGTH = 64;

/**
 * The public key of a DID document verification method as a JWK. Reads
 * `publicKeyJwk`, `publicKeyMultibase` (Ed25519VerificationKey2020, Multikey) and
 * `publicKeyBase58` (Ed25519VerificationKey2018).
 */
export async function verificationMethodJwk(vm: Record<string, unknown>): Promise<PublicJwk> {
  const where = `verification method ${String(vm.id)}`;
  if (vm.publicKeyJwk !== undefined) return toPublicJwk(vm.publicKeyJwk, where);
  if (typeof vm.publicKeyMultibase === 'string') return multikeyToJwk(vm.publicKeyMultibase, where);
  if (typeof vm.publicKeyBase58 === 'string') {
    if (vm.publicKeyBase58.length > MAX_BASE58_KEY_LENGTH) throw new TradewindError('KEY_NOT_FOUND', `${where}: base58 key is too long`);
    const raw = decodeBase58(vm.publicKeyBase58, where);
    if (raw.length !== 32) throw new TradewindError('KEY_NOT_FOUND', `${where}: base58 key is not 32 bytes`);
    checkEd25519PublicKey(raw, where);
    return { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(raw) };
  }
  throw new TradewindError('KEY_NOT_FOUND', `${where} has no supported public key`);
}

/** A multibase multikey (Ed25519 or compressed P-256) as a JWK. */
export async function multikeyToJwk(multibase: string, where = 'key'): Promise<PublicJwk> {
  return multicodecKeyToJwk(decodeMultibaseKey(multibase, where), where);
}

/**
 * The bytes of a base58btc multibase key (`z…`), at most {@link MAX_MULTIKEY_LENGTH}
 * characters. Throws `KEY_NOT_FOUND`.
 */
export function decodeMultibaseKey(multibase: string, where = 'key'): Uint8Array {
  if (!multibase.startsWith('z')) throw new TradewindError('KEY_NOT_FOUND', `${where}: only base58btc multibase keys are supported`);
  if (multibase.length > MAX_MULTIKEY_LENGTH) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: multibase key is longer than ${MAX_MULTIKEY_LENGTH} characters`);
  }
  return decodeBase58(multibase.slice(1), where);
}

/** Multicodec-prefixed key bytes (Ed25519, or P-256 compressed or uncompressed) as a JWK. */
export async function multicodecKeyToJwk(bytes: Uint8Array, where = 'key'): Promise<PublicJwk> {
  if (bytes[0] === ED25519_PUB[0] && bytes[1] === ED25519_PUB[1] && bytes.length === 34) {
    checkEd25519PublicKey(bytes.subarray(2), where);
    return { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(bytes.subarray(2)) };
  }
  if (bytes[0] === P256_PUB[0] && bytes[1] === P256_PUB[1] && (bytes.length === 35 || bytes.length === 67)) {
    const point = await decodeP256Point(bytes.subarray(2));
    if (!point) throw new TradewindError('KEY_NOT_FOUND', `${where}: not a point on P-256`);
    return { kty: 'EC', crv: 'P-256', x: base64urlEncode(point.x), y: base64urlEncode(point.y) };
  }
  throw new TradewindError('KEY_NOT_FOUND', `${where}: multikey is neither Ed25519 nor P-256`);
}

/** The multibase (base58btc) multikey form of an Ed25519 or P-256 JWK, as used in did:key. */
export function jwkToMultikey(jwk: PublicJwk): string {
  if (jwk.crv === 'Ed25519') {
    return base58btc.encode(Uint8Array.from([...ED25519_PUB, ...b64(jwk.x)]));
  }
  const x = b64(jwk.x);
  const y = b64(jwk.y);
  const prefix = ((y[31] ?? 0) & 1) === 1 ? 0x03 : 0x02;
  return base58btc.encode(Uint8Array.from([...P256_PUB, prefix, ...x]));
}

function decodeBase58(text: string, where: string): Uint8Array {
  try {
    return base58btc.baseDecode(text);
  } catch {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: invalid base58`);
  }
}

/** A JWK coordinate as bytes; a coordinate that is not base64url is not a key. */
function b64(coordinate: string | undefined): Uint8Array {
  const bytes = coordinate === undefined ? undefined : base64urlDecode(coordinate);
  if (!bytes) throw new TradewindError('KEY_NOT_FOUND', 'JWK coordinate is not base64url');
  return bytes;
}

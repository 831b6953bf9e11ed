// Verification methods → public keys, for every key type the Data Integrity suites name.
// Decoding is strict: exact lengths, points on their curve, no private parts, RSA of
// at least 2048 bits. Every refusal is KEY_NOT_FOUND (the method names no usable key).
import { p256, p384 } from '@noble/curves/nist';
import { secp256k1 } from '@noble/curves/secp256k1';
import { base64Decode, base64urlDecode, base64urlEncode, checkEd25519PublicKey, type JsonObject, TradewindError } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import type { DiPublicJwk } from '../crypto/backend.js';

/** The key families Data Integrity suites verify with. */
export type DiKeyFamily = 'Ed25519' | 'P-256' | 'P-384' | 'secp256k1' | 'RSA';

/** A verification method's public key, decoded and checked. */
export type DiKey =
  | { family: 'Ed25519' | 'P-256' | 'P-384'; jwk: DiPublicJwk }
  | { family: 'RSA'; jwk: DiPublicJwk; bits: number }
  /** `point`: the uncompressed SEC1 encoding (65 bytes), as `@noble/curves` verifies with it. */
  | { family: 'secp256k1'; jwk: { kty: 'EC'; crv: 'secp256k1'; x: string; y: string }; point: Uint8Array };

/** Smallest RSA modulus accepted, in bits. */
export const MIN_RSA_BITS = 2048;
/** Largest RSA modulus accepted, in bits (larger keys only cost time). */
export const MAX_RSA_BITS = 8192;
// Base58 decoding is quadratic in the length: nothing longer than any key of these types.
const MAX_MULTIBASE_LENGTH = 140;
const MAX_PEM_LENGTH = 4096;

// Multicodec prefixes (varint) of public keys: https://github.com/multiformats/multicodec/blob/master/table.csv
const MULTICODECS: ReadonlyArray<{ prefix: readonly number[]; family: 'Ed25519' | 'P-256' | 'P-384' | 'secp256k1' }> = [
  { prefix: [0xed, 0x01], family: 'Ed25519' },
  { prefix: [0x80, 0x24], family: 'P-256' },
  { prefix: [0x81, 0x24], family: 'P-384' },
  { prefix: [0xe7, 0x01], family: 'secp256k1' },
];

/** The key types and where each keeps its key. */
const KEY_FIELDS: Record<string, readonly string[]> = {
  Ed25519VerificationKey2020: ['publicKeyMultibase'],
  Ed25519VerificationKey2018: ['publicKeyBase58'],
  Multikey: ['publicKeyMultibase'],
  JsonWebKey2020: ['publicKeyJwk'],
  JsonWebKey: ['publicKeyJwk'],
  RsaVerificationKey2018: ['publicKeyPem', 'publicKeyJwk'],
  EcdsaSecp256k1VerificationKey2019: ['publicKeyJwk', 'publicKeyHex', 'publicKeyBase58'],
  EcdsaSecp256r1VerificationKey2019: ['publicKeyJwk', 'publicKeyMultibase'],
};
/** The families a key type may hold (JsonWebKey2020 and JsonWebKey: any). */
const TYPE_FAMILIES: Record<string, readonly DiKeyFamily[]> = {
  Ed25519VerificationKey2020: ['Ed25519'],
  Ed25519VerificationKey2018: ['Ed25519'],
  Multikey: ['Ed25519', 'P-256', 'P-384', 'secp256k1'],
  JsonWebKey2020: ['Ed25519', 'P-256', 'P-384', 'secp256k1', 'RSA'],
  JsonWebKey: ['Ed25519', 'P-256', 'P-384', 'secp256k1', 'RSA'],
  RsaVerificationKey2018: ['RSA'],
  EcdsaSecp256k1VerificationKey2019: ['secp256k1'],
  EcdsaSecp256r1VerificationKey2019: ['P-256'],
};

/** The verification method types {@link methodKey} reads. */
export const DI_KEY_TYPES: readonly string[] = Object.keys(KEY_FIELDS);

/**
 * The public key of a verification method (`type` and exactly one of the key fields its
 * type allows). Throws `KEY_NOT_FOUND` for an unknown type, a missing, ambiguous or
 * malformed key, a key of a family the type does not allow, and RSA keys below 2048 bits.
 */
export async function methodKey(method: JsonObject, where = `verification method ${String(method.id)}`): Promise<DiKey> {
  const type = method.type;
  if (typeof type !== 'string' || !(type in KEY_FIELDS)) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: unsupported verification method type ${JSON.stringify(type)}`);
  }
  const fields = (KEY_FIELDS[type] as readonly string[]).filter((f) => method[f] !== undefined);
  if (fields.length !== 1) {
    throw new TradewindError(
      'KEY_NOT_FOUND',
      fields.length === 0
        ? `${where}: a ${type} needs one of ${(KEY_FIELDS[type] as readonly string[]).join(', ')}`
        : `${where}: more than one public key (${fields.join(', ')})`,
    );
  }
  const field = fields[0] as string;
  const value = method[field];
  let key: DiKey;
  switch (field) {
    case 'publicKeyJwk':
      key = jwkKey(value, where);
      break;
    case 'publicKeyMultibase':
      key = multikeyKey(value, where, type === 'EcdsaSecp256r1VerificationKey2019');
      break;
    case 'publicKeyBase58': {
      const raw = decodeBase58Text(value, where);
      key = type === 'Ed25519VerificationKey2018' ? ed25519(raw, where) : secp256k1Key(raw, where);
      break;
    }
    case 'publicKeyHex':
      key = secp256k1Key(decodeHex(value, where), where);
      break;
    default:
      key = await pemKey(value, where);
  }
  if (!(TYPE_FAMILIES[type] as readonly DiKeyFamily[]).includes(key.family)) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: a ${type} cannot hold a ${key.family} key`);
  }
  return key;
}

/** A public JWK: OKP Ed25519, EC P-256 / P-384 / secp256k1, or RSA of 2048 to 8192 bits. */
export function jwkKey(value: unknown, where = 'key'): DiKey {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new TradewindError('KEY_NOT_FOUND', `${where}: publicKeyJwk is not a JWK`);
  const k = value as Record<string, unknown>;
  for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
    if (k[priv] !== undefined) throw new TradewindError('KEY_NOT_FOUND', `${where}: the JWK contains private key material`);
  }
  if (k.kty === 'OKP' && k.crv === 'Ed25519') return ed25519(coordinate(k.x, 32, where), where);
  if (k.kty === 'EC' && (k.crv === 'P-256' || k.crv === 'P-384' || k.crv === 'secp256k1')) {
    const size = k.crv === 'P-384' ? 48 : 32;
    const point = new Uint8Array(1 + 2 * size);
    point[0] = 4;
    point.set(coordinate(k.x, size, where), 1);
    point.set(coordinate(k.y, size, where), 1 + size);
    return ecKey(k.crv, point, where);
  }
  if (k.kty === 'RSA') return rsaKey(k.n, k.e, where);
  throw new TradewindError('KEY_NOT_FOUND', `${where}: the JWK is not an Ed25519, P-256, P-384, secp256k1 or RSA public key`);
}

/** A multibase (base58btc) multikey: Ed25519, P-256, P-384 or secp256k1 (compressed or not). */
export function multikeyKey(value: unknown, where = 'key', p256Only = false): DiKey {
  if (typeof value !== 'string' || !value.startsWith('z')) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: publicKeyMultibase must be base58btc ('z…')`);
  }
  const bytes = decodeBase58Text(value.slice(1), where);
  for (const { prefix, family } of MULTICODECS) {
    if (bytes[0] !== prefix[0] || bytes[1] !== prefix[1]) continue;
    if (p256Only && family !== 'P-256') break;
    const body = bytes.subarray(2);
    return family === 'Ed25519' ? ed25519(body, where) : ecKey(family, body, where);
  }
  throw new TradewindError(
    'KEY_NOT_FOUND',
    `${where}: the multikey is not ${p256Only ? 'a P-256' : 'an Ed25519, P-256, P-384 or secp256k1'} public key`,
  );
}

function ed25519(raw: Uint8Array, where: string): DiKey {
  checkEd25519PublicKey(raw, where);
  return { family: 'Ed25519', jwk: { kty: 'OKP', crv: 'Ed25519', x: base64urlEncode(raw) } };
}

function secp256k1Key(raw: Uint8Array, where: string): DiKey {
  return ecKey('secp256k1', raw, where);
}

type EcFamily = 'P-256' | 'P-384' | 'secp256k1';
const CURVES: Record<
  EcFamily,
  () => { ProjectivePoint: { fromHex(hex: Uint8Array): { toRawBytes(compressed?: boolean): Uint8Array; assertValidity(): void } } }
> = {
  'P-256': () => p256,
  'P-384': () => p384,
  secp256k1: () => secp256k1,
};

/** An EC point (SEC1, compressed or uncompressed), decoded and checked to lie on its curve. */
function ecKey(family: EcFamily, encoded: Uint8Array, where: string): DiKey {
  const size = family === 'P-384' ? 48 : 32;
  if (!(encoded.length === 1 + size && (encoded[0] === 2 || encoded[0] === 3)) && !(encoded.length === 1 + 2 * size && encoded[0] === 4)) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: not an encoded ${family} point (${encoded.length} bytes)`);
  }
  let point: Uint8Array;
  try {
    const p = CURVES[family]().ProjectivePoint.fromHex(encoded);
    p.assertValidity();
    point = p.toRawBytes(false);
  } catch {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: not a point on ${family}`);
  }
  const x = base64urlEncode(point.subarray(1, 1 + size));
  const y = base64urlEncode(point.subarray(1 + size));
  if (family === 'secp256k1') return { family, jwk: { kty: 'EC', crv: 'secp256k1', x, y }, point };
  return { family, jwk: { kty: 'EC', crv: family, x, y } };
}

function rsaKey(n: unknown, e: unknown, where: string): DiKey {
  if (typeof n !== 'string' || typeof e !== 'string' || n.length > 2000 || e.length > 12) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: an RSA JWK needs n and e`);
  }
  const modulus = base64urlDecode(n);
  const exponent = base64urlDecode(e);
  if (!modulus || !exponent || modulus.length === 0 || exponent.length === 0 || modulus[0] === 0 || exponent[0] === 0) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: RSA n and e must be unsigned base64url integers without leading zeros`);
  }
  const bits = modulus.length * 8 - Math.clz32(modulus[0] as number) + 24;
  if (bits < MIN_RSA_BITS)
    throw new TradewindError('KEY_NOT_FOUND', `${where}: RSA keys below ${MIN_RSA_BITS} bits are refused (${bits} bits)`);
  if (bits > MAX_RSA_BITS)
    throw new TradewindError('KEY_NOT_FOUND', `${where}: RSA keys above ${MAX_RSA_BITS} bits are refused (${bits} bits)`);
  // Exponent: odd, at least 3, at most 2^32 (what every platform verifier takes).
  let exp = 0;
  for (const b of exponent) exp = exp * 256 + b;
  if (exponent.length > 4 || exp < 3 || exp % 2 === 0) throw new TradewindError('KEY_NOT_FOUND', `${where}: unusable RSA public exponent`);
  if (((modulus[modulus.length - 1] as number) & 1) === 0) throw new TradewindError('KEY_NOT_FOUND', `${where}: RSA modulus is even`);
  return { family: 'RSA', jwk: { kty: 'RSA', n, e }, bits };
}

/**
 * An RSA public key in PEM (`-----BEGIN PUBLIC KEY-----`, SubjectPublicKeyInfo), read with
 * WebCrypto's `importKey('spki')` (Node 20 and browsers alike) and exported as a JWK.
 */
async function pemKey(value: unknown, where: string): Promise<DiKey> {
  if (typeof value !== 'string' || value.length > MAX_PEM_LENGTH)
    throw new TradewindError('KEY_NOT_FOUND', `${where}: publicKeyPem is not a PEM text`);
  const match = /^\s*-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----\s*$/.exec(value);
  if (!match) throw new TradewindError('KEY_NOT_FOUND', `${where}: publicKeyPem must be a "PUBLIC KEY" (SubjectPublicKeyInfo) PEM`);
  const der = base64Der((match[1] as string).replace(/\s+/g, ''), where);
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) throw new TradewindError('KEY_NOT_FOUND', `${where}: reading a PEM key needs WebCrypto`);
  let jwk: JsonWebKey;
  try {
    const key = await subtle.importKey('spki', der as BufferSource, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
    jwk = await subtle.exportKey('jwk', key);
  } catch {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: publicKeyPem is not an RSA public key`);
  }
  return rsaKey(jwk.n, jwk.e, where);
}

function base64Der(text: string, where: string): Uint8Array {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new TradewindError('KEY_NOT_FOUND', `${where}: PEM body is not base64`);
  const bytes = base64Decode(text);
  if (!bytes) throw new TradewindError('KEY_NOT_FOUND', `${where}: PEM body is not base64`);
  return bytes;
}

function coordinate(value: unknown, size: number, where: string): Uint8Array {
  const bytes = typeof value === 'string' && value.length === Math.ceil((size * 4) / 3) ? base64urlDecode(value) : undefined;
  if (!bytes || bytes.length !== size)
    throw new TradewindError('KEY_NOT_FOUND', `${where}: a JWK coordinate must be ${size} bytes of base64url`);
  return bytes;
}

function decodeBase58Text(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_MULTIBASE_LENGTH) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: base58 key is empty or too long`);
  }
  try {
    return base58btc.baseDecode(value);
  } catch {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: invalid base58`);
  }
}

function decodeHex(value: unknown, where: string): Uint8Array {
  if (typeof value !== 'string' || value.length > 200 || value.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(value)) {
    throw new TradewindError('KEY_NOT_FOUND', `${where}: publicKeyHex is not hexadecimal`);
  }
  return Uint8Array.from(value.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
}

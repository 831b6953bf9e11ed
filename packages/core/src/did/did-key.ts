import type { DIDDocument, DIDResolutionResult, DIDResolver, ParsedDID } from 'did-resolver';
import { base64urlEncode } from '../base64url.js';
import { decodeMultibaseKey, MAX_MULTIKEY_LENGTH, multicodecKeyToJwk } from './key-material.js';

// The method-specific id of an Ed25519 did:key ('z' + base58btc of 0xed01 ‖ 32 bytes) is
// always 48 characters and starts with z6Mk; a compressed P-256 one (0x8024 ‖ 33 bytes),
// 49 characters starting with zDn; an X25519 one (0xec01 ‖ 32 bytes), 48 starting with z6LS.
const FIXED_LENGTHS: ReadonlyArray<readonly [prefix: string, length: number]> = [
  ['z6Mk', 48],
  ['zDn', 49],
  ['z6LS', 48],
];
const X25519_PUB = [0xec, 0x01];

/**
 * did:key (https://w3c-ccg.github.io/did-key-spec/). The key is decoded once, here:
 * Ed25519 and P-256 (the keys Tradewind verifies with) and X25519 (a key agreement
 * key, which resolves but cannot sign). Other key types (secp256k1, P-384, P-521) go
 * to `key-did-resolver`, imported on first need (in Node; a browser build leaves it out,
 * see package.json "browser"); any other multicodec, a multicodec
 * varint that is not in its shortest form, and an uncompressed P-256 key are invalid
 * (each would be a second DID for a key that already has one). Base58 decoding is quadratic in the
 * length, so the length is checked first: exactly the size of the key for the three
 * types above, at most {@link MAX_MULTIKEY_LENGTH} characters for any.
 */
export const resolveDidKey: DIDResolver = async (did: string, parsed: ParsedDID, resolver, options) => {
  const id = parsed.id;
  const fixed = FIXED_LENGTHS.find(([prefix]) => id.startsWith(prefix));
  if (fixed && id.length !== fixed[1])
    return invalid(`a did:key starting with ${fixed[0]} has ${fixed[1]} characters after did:key:, not ${id.length}`);
  if (id.length > MAX_MULTIKEY_LENGTH)
    return invalid(`a did:key has at most ${MAX_MULTIKEY_LENGTH} characters after did:key:, not ${id.length}`);
  let bytes: Uint8Array;
  try {
    bytes = decodeMultibaseKey(id, did.slice(0, 80));
  } catch (e) {
    return invalid((e as Error).message);
  }
  if (bytes[0] === X25519_PUB[0] && bytes[1] === X25519_PUB[1]) {
    if (bytes.length !== 34) return invalid('an X25519 did:key holds 32 key bytes');
    return found(x25519Document(did, id, bytes.subarray(2)));
  }
  if (bytes[0] === 0x80 && bytes[1] === 0x24 && bytes.length !== 35) {
    // The did:key method encodes P-256 keys compressed; an uncompressed (0x04 ‖ x ‖ y)
    // spelling would give the same key a second DID.
    return invalid(`a P-256 did:key holds the compressed key (33 bytes), not ${bytes.length - 2} bytes`);
  }
  if ((bytes[0] === 0xed && bytes[1] === 0x01) || (bytes[0] === 0x80 && bytes[1] === 0x24)) {
    try {
      return found(signingKeyDocument(did, id, await multicodecKeyToJwk(bytes, did)));
    } catch (e) {
      return invalid((e as Error).message);
    }
  }
  // Only the key types key-did-resolver knows, each in its one (shortest) varint spelling:
  // an overlong varint would give the same key a second DID, and the library reads it.
  const codec = multicodecOf(bytes);
  if (codec === undefined || !OTHER_KEY_CODECS.has(codec)) {
    const hex = Array.from(bytes.subarray(0, 3), (b) => b.toString(16).padStart(2, '0')).join('');
    return invalid(`did:key multicodec prefix 0x${hex}… is not a public key type (or not its shortest varint encoding)`);
  }
  // A browser build maps key-did-resolver to an empty module (package.json "browser"):
  // these keys cannot verify anything here, and their curve code would double its size.
  const { getResolver } = (await import('key-did-resolver')) as Partial<typeof import('key-did-resolver')>;
  if (typeof getResolver !== 'function') {
    return invalid('did:key of type secp256k1, P-384 or P-521: this browser build resolves Ed25519 and P-256 did:keys only');
  }
  const resolveOther = getResolver().key as DIDResolver;
  return resolveOther(did, parsed, resolver, options) as Promise<DIDResolutionResult>;
};

// secp256k1-pub, p384-pub, p521-pub: resolved by key-did-resolver (they resolve, but
// Tradewind does not verify with them).
const OTHER_KEY_CODECS = new Set([0xe7, 0x1201, 0x1202]);

/** The multicodec code an unsigned varint at the start of `bytes` encodes; undefined when it is not minimal or longer than 3 bytes. */
function multicodecOf(bytes: Uint8Array): number | undefined {
  let code = 0;
  for (let i = 0; i < 3 && i < bytes.length; i++) {
    const b = bytes[i] as number;
    code |= (b & 0x7f) << (7 * i);
    if ((b & 0x80) === 0) return i > 0 && b === 0 ? undefined : code;
  }
  return undefined;
}

function found(didDocument: DIDDocument): DIDResolutionResult {
  return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument, didDocumentMetadata: {} };
}

function invalid(message: string): DIDResolutionResult {
  return { didResolutionMetadata: { error: 'invalidDid', message }, didDocument: null, didDocumentMetadata: {} };
}

const CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'];

function signingKeyDocument(did: string, multibase: string, publicKeyJwk: object): DIDDocument {
  const vm = `${did}#${multibase}`;
  return {
    '@context': CONTEXT,
    id: did,
    verificationMethod: [{ id: vm, type: 'JsonWebKey2020', controller: did, publicKeyJwk: publicKeyJwk as never }],
    authentication: [vm],
    assertionMethod: [vm],
    capabilityInvocation: [vm],
    capabilityDelegation: [vm],
  };
}

/** An X25519 key is for key agreement (encryption) only: no signing relationship names it. */
function x25519Document(did: string, multibase: string, key: Uint8Array): DIDDocument {
  const vm = `${did}#${multibase}`;
  const publicKeyJwk = { kty: 'OKP', crv: 'X25519', x: base64urlEncode(key) };
  return {
    '@context': CONTEXT,
    id: did,
    verificationMethod: [{ id: vm, type: 'JsonWebKey2020', controller: did, publicKeyJwk: publicKeyJwk as never }],
    keyAgreement: [vm],
  };
}

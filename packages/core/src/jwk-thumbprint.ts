// RFC 7638 JWK thumbprints: the identity of a key is its material, not the kid a
// document gives it. Recognition lists bind key periods and the `revoked` state to it.

import type { PublicJwk } from './algorithms.js';
import { base64urlEncode, utf8Encode } from './base64url.js';
import type { RecognizedJwk } from './recognized-jwk.js';

/**
 * The JSON an RFC 7638 thumbprint hashes (§3.2): the required members of the key
 * type only, in lexicographic order, no whitespace: `crv, kty, x` (OKP), `crv, kty, x, y`
 * (EC), `e, kty, n` (RSA).
 */
export function jwkThumbprintInput(jwk: PublicJwk | RecognizedJwk): string {
  if (jwk.kty === 'RSA') return JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
  if (jwk.kty === 'EC') return JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
}

/**
 * The RFC 7638 SHA-256 thumbprint of a public key, base64url-encoded (43 characters).
 * Uses Web Crypto, so it runs alike in Node and browsers.
 *
 * @example
 * ```ts
 * await jwkThumbprint({ kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' })
 * // 'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k' (RFC 8037 §A.3)
 * ```
 */
export async function jwkThumbprint(jwk: PublicJwk | RecognizedJwk): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', utf8Encode(jwkThumbprintInput(jwk)) as Uint8Array<ArrayBuffer>);
  return base64urlEncode(new Uint8Array(digest));
}

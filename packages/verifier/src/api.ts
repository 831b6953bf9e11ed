import type { CryptoBackend } from './crypto/backend.js';
import type { CredentialVerificationResult, PresentationVerificationResult, VerifyOptions, VerifyPresentationOptions } from './types.js';
import { type BatchOptions, makeVerifier, type Verifier } from './verifier.js';

/** The public functions, bound to one crypto backend (node:crypto or WebCrypto). */
export interface VerifierApi {
  /**
   * Verifies one credential (`jwt_vc`, `vc+jwt`, or an SD-JWT VC `dc+sd-jwt`) offline:
   * structure, algorithm allow-list, issuer key and signature, validity window and
   * trusted issuers; for an SD-JWT VC also every disclosure, and a key-binding JWT when
   * one is attached. Never throws for bad input; the result says `verified` and, when
   * false, why (`errors`).
   *
   * @example
   * ```ts
   * import { verifyCredential } from '@tradewind/verifier';
   * const result = await verifyCredential(jwt, { trustedIssuers: ['did:key:z6Mk…'] });
   * if (result.verified) console.log(result.issuer, result.credential.credentialSubject);
   * else console.log(result.errors.map((e) => e.code)); // e.g. ['EXPIRED']
   * ```
   */
  verifyCredential(input: unknown, options?: VerifyOptions): Promise<CredentialVerificationResult>;
  /**
   * Verifies a presentation (`jwt_vp` VCDM 1.1 VP-JWT or `vp+jwt` VCDM 2.0): the holder's
   * signature, the expected nonce and audience, and every credential in it, each of
   * which must be about the holder. An SD-JWT VC presented with a key-binding JWT
   * (`<jwt>~<disclosure>~…~<kb-jwt>`) is a presentation too: the key binding (signed by
   * the `cnf` key, over these disclosures, fresh) stands for the holder's signature.
   *
   * @example
   * ```ts
   * const result = await verifyPresentation(vpJwt, { nonce: 'n-0S6_WzA2Mj', audience: 'https://bank.example.bb' });
   * if (result.verified) console.log(result.holder, result.credentials.length);
   * // An SD-JWT VC: result.format === 'dc+sd-jwt', result.credentials[0].disclosed lists what was shown.
   * ```
   */
  verifyPresentation(input: unknown, options?: VerifyPresentationOptions): Promise<PresentationVerificationResult>;
  /**
   * Verifies many credentials concurrently; signature checks run off the main thread.
   * Results are in input order.
   *
   * @example
   * ```ts
   * const results = await verifyCredentials(jwts, { trustedIssuers });
   * const rejected = results.filter((r) => !r.verified).length;
   * ```
   */
  verifyCredentials(inputs: readonly unknown[], options?: VerifyOptions & BatchOptions): Promise<CredentialVerificationResult[]>;
  /**
   * Builds a verifier from options once (trusted issuers, did:web fetcher, limits) whose
   * DID and key caches all its calls share.
   *
   * @example
   * ```ts
   * const verifier = createVerifier({ trustedIssuers: ['did:key:z6Mk…'] });
   * const result = await verifier.verifyCredential(jwt);
   * ```
   */
  createVerifier(options?: VerifyOptions): Verifier;
}

export function bindApi(backend: CryptoBackend): VerifierApi {
  // The function forms share one offline resolver and key cache (did:key and did:jwk
  // resolve the same way forever), so repeated calls stay fast without a verifier object.
  let shared: Verifier | undefined;
  const defaults = () => {
    shared ??= makeVerifier({}, backend);
    return shared;
  };
  return {
    verifyCredential: (input, options) => defaults().verifyCredential(input, options),
    verifyPresentation: (input, options) => defaults().verifyPresentation(input, options),
    verifyCredentials: (inputs, options) => defaults().verifyCredentials(inputs, options),
    createVerifier: (options = {}) => makeVerifier(options, backend),
  };
}

import { bindApi } from './api.js';
import { nodeCrypto } from './crypto/node.js';

const api = bindApi(nodeCrypto);

/**
 * Verifies one credential (`jwt_vc` or `vc+jwt`) offline: structure, algorithm
 * allow-list, issuer key and signature, validity window and trusted issuers. Never
 * throws for bad input; the result says `verified` and, when false, why (`errors`).
 *
 * @example
 * ```ts
 * import { verifyCredential } from '@tradewind/verifier';
 * const result = await verifyCredential(jwt, { trustedIssuers: ['did:key:z6Mk…'] });
 * if (result.verified) console.log(result.issuer, result.credential.credentialSubject);
 * else console.log(result.errors.map((e) => e.code)); // e.g. ['EXPIRED']
 * ```
 */
export const verifyCredential = api.verifyCredential;

/**
 * Verifies a presentation (`jwt_vp` VCDM 1.1 VP-JWT or `vp+jwt` VCDM 2.0): the holder's
 * signature, the expected nonce and audience, and every credential in it, each of
 * which must be about the holder.
 *
 * @example
 * ```ts
 * const result = await verifyPresentation(vpJwt, { nonce: 'n-0S6_WzA2Mj', audience: 'https://bank.example.bb' });
 * if (result.verified) console.log(result.holder, result.credentials.length);
 * ```
 */
export const verifyPresentation = api.verifyPresentation;

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
export const verifyCredentials = api.verifyCredentials;

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
export const createVerifier = api.createVerifier;

export { ERROR_CODES, type ErrorCode, TradewindError, type VerificationIssue } from '@tradewind/core';
export { type AcceptRule, parsePolicy, type RecognitionPolicy } from './recognition/policy.js';
export type { Recognition } from './recognition/recognize.js';
export type * from './types.js';
export type { BatchOptions, RecognitionReport, Verifier } from './verifier.js';

// `@tradewind/verifier/data-integrity`: Data Integrity for issuers and wallets (the bytes
// to sign, the proofValue encoding, the offline document loader and canonicalisation) and
// the proof verification the verifier itself uses.
export type { DiBackendAlgorithm, DiPublicJwk } from '../crypto/backend.js';
export { type CanonizeLimits, type CanonizeOptions, canonizeRdfc } from './canonize.js';
export { expandedTypes } from './expand-types.js';
export { jcs } from './jcs.js';
export { DI_KEY_TYPES, type DiKey, type DiKeyFamily, MIN_RSA_BITS, methodKey } from './keys.js';
export {
  BUNDLED_CONTEXTS,
  contextDigest,
  createDocumentLoader,
  type DocumentLoader,
  type DocumentLoaderOptions,
  type PinnedContext,
  type RemoteDocument,
} from './loader.js';
export { type DiMethod, type DiProofResult, type DiVerifyProofOptions, MAX_PROOFS, verifyDiProof } from './proof.js';
export { dataIntegritySigningInput, encodeProofValue, SIGNING_SUITES } from './signing.js';
export { DI_PROOF_TYPES, type DiAlgorithm, SECURITY_V2, SECURITY_V3 } from './suites.js';

import type { CryptoBackend } from './crypto/backend.js';
import type { CredentialVerificationResult, PresentationVerificationResult, VerifyOptions, VerifyPresentationOptions } from './types.js';
import { type BatchOptions, makeVerifier, type Verifier } from './verifier.js';

/** The public functions, bound to one crypto backend (node:crypto or WebCrypto). */
export interface VerifierApi {
  verifyCredential(input: unknown, options?: VerifyOptions): Promise<CredentialVerificationResult>;
  verifyPresentation(input: unknown, options?: VerifyPresentationOptions): Promise<PresentationVerificationResult>;
  verifyCredentials(inputs: readonly unknown[], options?: VerifyOptions & BatchOptions): Promise<CredentialVerificationResult[]>;
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

// Entry point for browsers, Deno and edge runtimes (WebCrypto). The functions are documented on VerifierApi.
import { bindApi } from './api.js';
import { webCrypto } from './crypto/web.js';

export const { verifyCredential, verifyPresentation, verifyCredentials, createVerifier } = bindApi(webCrypto);
export * from './exports.js';

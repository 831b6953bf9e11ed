// Entry point for Node (node:crypto). The functions are documented on VerifierApi.
import { bindApi } from './api.js';
import { nodeCrypto } from './crypto/node.js';

export const { verifyCredential, verifyPresentation, verifyCredentials, createVerifier } = bindApi(nodeCrypto);
export * from './exports.js';

import type { DIDDocument, DIDResolutionResult, DIDResolver, ParsedDID } from 'did-resolver';
import { multikeyToJwk } from './key-material.js';

const ED25519_PREFIX = 'z6Mk';
const P256_PREFIX = 'zDn';

/**
 * did:key (https://w3c-ccg.github.io/did-key-spec/). Ed25519 and P-256 keys, the two
 * Tradewind verifies with, are decoded here without loading every curve; any other
 * key type goes to `key-did-resolver`, imported on first need.
 */
export const resolveDidKey: DIDResolver = async (did: string, parsed: ParsedDID, resolver, options) => {
  const id = parsed.id;
  if (id.startsWith(ED25519_PREFIX) || id.startsWith(P256_PREFIX)) {
    try {
      const doc = await didKeyDocument(did, id);
      return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument: doc, didDocumentMetadata: {} };
    } catch {
      // Not the common encoding (an uncompressed P-256 key, say): key-did-resolver decides.
    }
  }
  const { getResolver } = await import('key-did-resolver');
  const resolveOther = getResolver().key as DIDResolver;
  return resolveOther(did, parsed, resolver, options) as Promise<DIDResolutionResult>;
};

async function didKeyDocument(did: string, multibase: string): Promise<DIDDocument> {
  const publicKeyJwk = await multikeyToJwk(multibase, did);
  const vm = `${did}#${multibase}`;
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    verificationMethod: [{ id: vm, type: 'JsonWebKey2020', controller: did, publicKeyJwk: publicKeyJwk as never }],
    authentication: [vm],
    assertionMethod: [vm],
    capabilityInvocation: [vm],
    capabilityDelegation: [vm],
  };
}

// Verification of what the issuer signs by an independent implementation: Digital
// Bazaar's @digitalbazaar/vc with its eddsa-rdfc-2022 and ecdsa-rdfc-2019 cryptosuites
// and its Bitstring Status List checker, offline (a static document loader over the
// npm context packages, DID documents and status lists the test gives it).
import { createRequire } from 'node:module';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { type JsonObject, jwkToMultikey } from '@tradewind/core';
import type { ManagedDid } from '@tradewind/issuer';

const require = createRequire(import.meta.url);

const CONTEXTS = new Map<string, unknown>();
for (const pkg of [
  '@digitalbazaar/credentials-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  '@digitalbazaar/vc-bitstring-status-list-context',
  'did-context',
]) {
  const { contexts } = require(pkg) as { contexts: Map<string, unknown> };
  for (const [url, doc] of contexts) CONTEXTS.set(url, doc);
}

/** The did:key DID document of a managed did:key DID, its key as a Multikey. */
export function didKeyDocument(did: ManagedDid): JsonObject {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did.did,
    verificationMethod: [
      { id: did.verificationMethod, type: 'Multikey', controller: did.did, publicKeyMultibase: jwkToMultikey(did.publicJwk) },
    ],
    assertionMethod: [did.verificationMethod],
    authentication: [did.verificationMethod],
  };
}

/**
 * A document loader serving the context packages, the DID documents given (a DID URL
 * with a fragment gets its verification method) and documents by URL (status lists).
 */
export function staticLoader(didDocuments: JsonObject[], documents: Record<string, JsonObject> = {}) {
  return async (url: string) => {
    const [base, fragment] = url.split('#') as [string, string | undefined];
    let document: unknown = CONTEXTS.get(url) ?? documents[url];
    const did = didDocuments.find((d) => d.id === base);
    if (document === undefined && did !== undefined) {
      if (fragment === undefined) document = did;
      else {
        const method = (did.verificationMethod as JsonObject[]).find((m) => m.id === url || m.id === `#${fragment}`);
        if (method) document = { '@context': did['@context'], ...method };
      }
    }
    if (document === undefined) throw new Error(`static loader: nothing at ${url}`);
    return { contextUrl: null, documentUrl: url, document };
  };
}

/** Verifies a `di` credential with @digitalbazaar/vc (and its status with DB's Bitstring Status List checker). */
export async function dbVerify(
  credential: JsonObject,
  loader: ReturnType<typeof staticLoader>,
): Promise<{ verified: boolean; error?: unknown; statusResult?: { verified: boolean; results?: Array<{ status: boolean }> } }> {
  const suite = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 })];
  return vc.verifyCredential({
    credential: structuredClone(credential),
    suite,
    documentLoader: loader,
    checkStatus: (options: Record<string, unknown>) => checkStatus({ ...options, suite, verifyBitstringStatusListCredential: true }),
  });
}

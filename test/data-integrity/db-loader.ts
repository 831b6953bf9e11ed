// An offline document loader for Digital Bazaar's @digitalbazaar/vc: the npm context
// packages, the contexts and DID documents a test gives it (a DID URL with a fragment gets
// its verification method), did:key DIDs (their one Multikey), and documents by URL
// (status list credentials). Anything else throws: nothing is fetched.
import { createRequire } from 'node:module';
import type { JsonObject } from '@tradewind/core';

const require = createRequire(import.meta.url);
const CONTEXTS = new Map<string, unknown>();
for (const pkg of [
  '@digitalbazaar/credentials-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  'did-context',
  'ed25519-signature-2020-context',
]) {
  const { contexts } = require(pkg) as { contexts: Map<string, unknown> };
  for (const [url, doc] of contexts) CONTEXTS.set(url, doc);
}

/** The DID document of a did:key whose method-specific id is a Multikey (z6Mk…, zDn…). */
export function didKeyDocument(did: string): JsonObject {
  const key = did.slice('did:key:'.length);
  const id = `${did}#${key}`;
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase: key }],
    assertionMethod: [id],
    authentication: [id],
  };
}

export interface DbLoaderOptions {
  contexts?: Record<string, unknown>;
  documents?: JsonObject[];
  byUrl?: Record<string, unknown>;
}

export function dbLoader(options: DbLoaderOptions = {}) {
  const requested: string[] = [];
  const loader = async (url: string) => {
    requested.push(url);
    const [base, fragment] = url.split('#') as [string, string | undefined];
    let document: unknown = CONTEXTS.get(url) ?? options.contexts?.[url] ?? options.byUrl?.[url];
    if (document === undefined) {
      const did = options.documents?.find((d) => d.id === base) ?? (base.startsWith('did:key:') ? didKeyDocument(base) : undefined);
      if (did !== undefined) {
        if (fragment === undefined) document = did;
        else {
          const method = (did.verificationMethod as JsonObject[]).find((m) => m.id === url || m.id === `#${fragment}`);
          const context =
            method?.type === 'Multikey' ? 'https://w3id.org/security/multikey/v1' : 'https://w3id.org/security/suites/ed25519-2020/v1';
          if (method) document = { ...method, '@context': context };
        }
      }
    }
    if (document === undefined) throw new Error(`offline loader: nothing at ${url}`);
    return { contextUrl: null, documentUrl: url, document: structuredClone(document), tag: 'static' };
  };
  return Object.assign(loader, { requested });
}

// Data Integrity credentials made by an independent producer — Digital Bazaar's
// @digitalbazaar/vc with its eddsa-rdfc-2022 and Ed25519Signature2020 suites — offline
// (a document loader over the npm context packages), with real signatures; and that
// producer's `verify` for presentations the wallet signs.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import type { JsonObject } from '@tradewind/core';

const require = createRequire(import.meta.url);

export const V1 = 'https://www.w3.org/2018/credentials/v1';
export const V2 = 'https://www.w3.org/ns/credentials/v2';
export const ED25519_2020_CONTEXT = 'https://w3id.org/security/suites/ed25519-2020/v1';
const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

/** Contexts by URL from the npm context packages, plus those a test adds. */
const CONTEXTS = new Map<string, unknown>();
for (const pkg of [
  '@digitalbazaar/credentials-context',
  'ed25519-signature-2020-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  'did-context',
]) {
  const { contexts } = require(pkg) as { contexts: Map<string, unknown> };
  for (const [url, doc] of contexts) CONTEXTS.set(url, doc);
}

/** A credential type's own context, which no bundle carries: the wallet must be given it. */
export const PERMIT_CONTEXT_URL = 'https://schemas.example.gy/contexts/work-permit/v1';
export const PERMIT_CONTEXT: JsonObject = {
  '@context': {
    '@protected': true,
    WorkPermitCredential: 'https://schemas.example.gy/vocab#WorkPermitCredential',
    permitNumber: 'https://schemas.example.gy/vocab#permitNumber',
    employer: 'https://schemas.example.gy/vocab#employer',
  },
};
CONTEXTS.set(PERMIT_CONTEXT_URL, PERMIT_CONTEXT);

/** DID documents and verification methods the producer's loader answers with (did:key, built here). */
const DOCUMENTS = new Map<string, JsonObject>();

export const documentLoader = async (url: string) => {
  const document = CONTEXTS.get(url) ?? DOCUMENTS.get(url);
  if (!document) throw new Error(`test loader: nothing for ${url}`);
  return { contextUrl: null, documentUrl: url, document };
};

/** Registers a DID document with its one verification method with the producer's loader. */
function register(did: string, method: JsonObject, context: string): JsonObject {
  const id = method.id as string;
  const document = {
    '@context': ['https://www.w3.org/ns/did/v1', context],
    id: did,
    verificationMethod: [method],
    assertionMethod: [id],
    authentication: [id],
  };
  DOCUMENTS.set(did, document);
  DOCUMENTS.set(id, { '@context': context, ...method });
  return document;
}

export type DiSuite = 'eddsa-rdfc-2022' | 'Ed25519Signature2020';

export interface DiIssuer {
  did: string;
  /** The verification method id. */
  id: string;
  suite: DiSuite;
  /** Its DID document (what a did:web issuer publishes; tests hand it over offline). */
  document: JsonObject;
  proof(date: Date): unknown;
}

/** An Ed25519 issuer (a fresh key) signing with `suite`: a did:key, or the given DID (a did:web) with `#key-1`. */
export async function diIssuer(suite: DiSuite, options: { did?: string } = {}): Promise<DiIssuer> {
  const seed = randomBytes(32);
  const probe = await Ed25519Multikey.generate({ seed });
  const multibase = probe.publicKeyMultibase as string;
  const did = options.did ?? `did:key:${multibase}`;
  const id = options.did ? `${did}#key-1` : `${did}#${multibase}`;
  if (suite === 'eddsa-rdfc-2022') {
    const key = await Ed25519Multikey.generate({ seed, id, controller: did });
    const document = register(did, { id, type: 'Multikey', controller: did, publicKeyMultibase: multibase }, MULTIKEY_CONTEXT);
    const proof = (date: Date) => new DataIntegrityProof({ signer: key.signer(), cryptosuite: eddsaRdfc2022, date });
    return { did, id, suite, document, proof };
  }
  const key = await Ed25519VerificationKey2020.generate({ seed, id, controller: did });
  const method = { id, type: 'Ed25519VerificationKey2020', controller: did, publicKeyMultibase: key.publicKeyMultibase };
  const document = register(did, method, ED25519_2020_CONTEXT);
  return { did, id, suite, document, proof: (date) => new Ed25519Signature2020({ key, date }) };
}

export const ISSUED = new Date('2026-03-01T09:00:00Z');

/**
 * A work permit about `subject`, issued by `issuer` with its suite: VCDM 2.0 by default,
 * or VCDM 1.1; with the permit's own context unless `ownContext` is false.
 */
export async function workPermit(
  issuer: DiIssuer,
  subject: string,
  options: { vcdm?: 1 | 2; ownContext?: boolean; validUntil?: string; number?: string; status?: JsonObject } = {},
): Promise<JsonObject> {
  const vcdm = options.vcdm ?? 2;
  const context: string[] = [vcdm === 2 ? V2 : V1];
  if (issuer.suite === 'Ed25519Signature2020') context.push(ED25519_2020_CONTEXT);
  if (options.ownContext !== false) context.push(PERMIT_CONTEXT_URL);
  const credential: JsonObject = {
    '@context': context,
    id: `urn:uuid:${crypto.randomUUID()}`,
    type: options.ownContext === false ? ['VerifiableCredential'] : ['VerifiableCredential', 'WorkPermitCredential'],
    issuer: issuer.did,
    ...(vcdm === 2 ? { validFrom: '2026-03-01T00:00:00Z' } : { issuanceDate: '2026-03-01T00:00:00Z' }),
    ...(options.validUntil ? { [vcdm === 2 ? 'validUntil' : 'expirationDate']: options.validUntil } : {}),
    ...(options.status ? { credentialStatus: options.status } : {}),
    credentialSubject:
      options.ownContext === false
        ? { id: subject }
        : { id: subject, permitNumber: options.number ?? 'GY-WP-2026-0042', employer: 'Demerara Shipping Ltd' },
  };
  return (await vc.issue({ credential, suite: issuer.proof(ISSUED), documentLoader, now: ISSUED })) as JsonObject;
}

/** The Multikey verification method of a wallet's did:key Ed25519 holder, registered with the producer's loader. */
export function registerHolder(did: string, verificationMethod: string): void {
  const multibase = did.slice('did:key:'.length);
  register(did, { id: verificationMethod, type: 'Multikey', controller: did, publicKeyMultibase: multibase }, MULTIKEY_CONTEXT);
}

/** @digitalbazaar/vc's verdict on a Data Integrity presentation (authentication, challenge and domain). */
export async function producerVerifies(
  presentation: JsonObject,
  challenge: string,
  domain: string,
): Promise<{ verified: boolean; error?: unknown }> {
  const suite = [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new Ed25519Signature2020()];
  const result = (await vc.verify({ presentation, challenge, domain, suite, documentLoader })) as { verified: boolean; error?: unknown };
  return result;
}

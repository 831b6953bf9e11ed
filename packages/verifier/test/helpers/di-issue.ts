// Data Integrity credentials and presentations made by an independent producer:
// Digital Bazaar's @digitalbazaar/vc with its eddsa-rdfc-2022 and Ed25519Signature2020
// suites, offline (a document loader over the context packages), real signatures.
import { createRequire } from 'node:module';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import { createStatusBitstring, type JsonObject, setStatusBit } from '@tradewind/core';

const require = createRequire(import.meta.url);

/** Contexts by URL, from the npm context packages (what the producer signs with). */
const CONTEXTS = new Map<string, unknown>();
for (const pkg of [
  '@digitalbazaar/credentials-context',
  'ed25519-signature-2020-context',
  '@digitalbazaar/data-integrity-context',
  '@digitalbazaar/multikey-context',
  '@digitalbazaar/vc-status-list-context',
  '@digitalbazaar/vc-bitstring-status-list-context',
  'did-context',
]) {
  const { contexts } = require(pkg) as { contexts: Map<string, unknown> };
  for (const [url, doc] of contexts) CONTEXTS.set(url, doc);
}

/** Extra contexts the tests use (a credential type's own context). */
export const EXTRA_CONTEXTS = new Map<string, JsonObject>();

export const documentLoader = async (url: string) => {
  const document = CONTEXTS.get(url) ?? EXTRA_CONTEXTS.get(url);
  if (!document) throw new Error(`test loader: no context ${url}`);
  return { contextUrl: null, documentUrl: url, document };
};

export interface DiSigner {
  /** The controller (a did:key, or the DID given). */
  did: string;
  /** The verification method id. */
  id: string;
  /** Multibase public key. */
  publicKeyMultibase: string;
  suite: 'eddsa-rdfc-2022' | 'Ed25519Signature2020';
  /** The verification method as a DID document would list it. */
  method: JsonObject;
  sign(date?: Date): unknown;
}

function seedOf(n: number): Uint8Array {
  const seed = new Uint8Array(32);
  seed.fill(n);
  return seed;
}

/**
 * An Ed25519 signer. Without `did`, a did:key; with it, the method `did#key-1` (a did:web
 * issuer, say, whose document the test supplies).
 */
export async function diSigner(
  suite: 'eddsa-rdfc-2022' | 'Ed25519Signature2020' = 'eddsa-rdfc-2022',
  options: { seed?: number; did?: string; fragment?: string } = {},
): Promise<DiSigner> {
  const seed = seedOf(options.seed ?? 1);
  const probe = await Ed25519Multikey.generate({ seed });
  const multibase = probe.publicKeyMultibase as string;
  const did = options.did ?? `did:key:${multibase}`;
  const id = options.did ? `${did}#${options.fragment ?? 'key-1'}` : `${did}#${multibase}`;
  if (suite === 'eddsa-rdfc-2022') {
    const key = await Ed25519Multikey.generate({ seed, id, controller: did });
    return {
      did,
      id,
      publicKeyMultibase: multibase,
      suite,
      method: { id, type: 'Multikey', controller: did, publicKeyMultibase: multibase },
      sign: (date) => new DataIntegrityProof({ signer: key.signer(), cryptosuite: eddsaRdfc2022, ...(date ? { date } : {}) }),
    };
  }
  const key = await Ed25519VerificationKey2020.generate({ seed, id, controller: did });
  return {
    did,
    id,
    publicKeyMultibase: key.publicKeyMultibase,
    suite,
    method: { id, type: 'Ed25519VerificationKey2020', controller: did, publicKeyMultibase: key.publicKeyMultibase },
    sign: (date) => new Ed25519Signature2020({ key, ...(date ? { date } : {}) }),
  };
}

/** A DID document listing the signer's method under assertionMethod and authentication. */
export function didDocument(
  signer: DiSigner,
  relationships: Partial<Record<'assertionMethod' | 'authentication', unknown[]>> = {},
): JsonObject {
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: signer.did,
    verificationMethod: [signer.method],
    assertionMethod: relationships.assertionMethod ?? [signer.id],
    authentication: relationships.authentication ?? [signer.id],
  };
}

export const V2 = 'https://www.w3.org/ns/credentials/v2';
export const V1 = 'https://www.w3.org/2018/credentials/v1';

/** A VCDM 2.0 credential of `issuer` about `subject`. */
export function credential(issuer: string, subject: string, extra: JsonObject = {}): JsonObject {
  return {
    '@context': [V2],
    type: ['VerifiableCredential'],
    issuer,
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: subject, name: 'Alice' },
    ...extra,
  };
}

/** Signs a credential with the signer (proof `created` at `date`). */
export async function issueDi(unsigned: JsonObject, signer: DiSigner, date = new Date('2026-01-01T00:00:00Z')): Promise<JsonObject> {
  return (await vc.issue({ credential: structuredClone(unsigned), suite: signer.sign(date), documentLoader, now: date })) as JsonObject;
}

/** A presentation by the holder with the credentials, for `challenge` and `domain`. */
export async function presentDi(
  credentials: unknown[],
  holder: DiSigner,
  options: { challenge?: string; domain?: string; date?: Date; holderId?: string; context?: string } = {},
): Promise<JsonObject> {
  const presentation = vc.createPresentation({
    ...(credentials.length > 0 ? { verifiableCredential: credentials } : {}),
    holder: options.holderId ?? holder.did,
    version: 2.0,
  }) as JsonObject;
  if (options.context) presentation['@context'] = [options.context];
  return (await vc.signPresentation({
    presentation,
    suite: holder.sign(options.date ?? new Date('2026-01-01T00:00:00Z')),
    challenge: options.challenge ?? 'nonce-1',
    ...(options.domain ? { domain: options.domain } : {}),
    documentLoader,
  })) as JsonObject;
}

/** A BitstringStatusListCredential at `url` with the indexes set, signed by the signer. */
export async function statusList(url: string, signer: DiSigner, revoked: number[] = [], purpose = 'revocation'): Promise<JsonObject> {
  const bits = createStatusBitstring();
  for (const i of revoked) setStatusBit(bits, i, true);
  const { encodeStatusList: encode } = await import('@tradewind/core/status-list');
  return issueDi(
    {
      '@context': [V2],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: signer.did,
      validFrom: '2026-01-01T00:00:00Z',
      credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: purpose, encodedList: encode(bits) },
    },
    signer,
  );
}

/** A StatusList2021Credential (VCDM 1.1) at `url` with the indexes set, signed by the signer. */
export async function statusList2021(url: string, signer: DiSigner, revoked: number[] = []): Promise<JsonObject> {
  const bits = createStatusBitstring();
  for (const i of revoked) setStatusBit(bits, i, true);
  const { encodeStatusList: encode } = await import('@tradewind/core/status-list');
  return issueDi(
    {
      '@context': [V1, 'https://w3id.org/vc/status-list/2021/v1'],
      id: url,
      type: ['VerifiableCredential', 'StatusList2021Credential'],
      issuer: signer.did,
      issuanceDate: '2026-01-01T00:00:00Z',
      credentialSubject: { id: `${url}#list`, type: 'StatusList2021', statusPurpose: 'revocation', encodedList: encode(bits) },
    },
    signer,
  );
}

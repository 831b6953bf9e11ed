import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import {
  envelopeCredential,
  isJsonObject,
  type JsonObject,
  looksLikeCompactJws,
  TradewindError,
  VCDM_1_CONTEXT,
  VCDM_2_CONTEXT,
} from '@tradewind/core';
import type { StoredCredential } from '../credential-record.js';
import type { DiMaterial } from './record.js';

/** The context that defines DataIntegrityProof (and `expires`, `challenge`, `domain`) for a VCDM 1.1 presentation. */
export const DATA_INTEGRITY_V2_CONTEXT = 'https://w3id.org/security/data-integrity/v2';

/** What a Data Integrity presentation is made for. */
export interface DiPresentationInput {
  holder: ManagedDid;
  credentials: readonly StoredCredential[];
  /** The material of each held Data Integrity credential: the contexts its JSON-LD needs. */
  materials: readonly (DiMaterial | undefined)[];
  nonce: string;
  audience: string;
  now: Date;
  expiresInSeconds: number;
}

/**
 * A VerifiablePresentation secured with a Data Integrity proof by the holder's key,
 * through the agent's key manager: `DataIntegrityProof`, `eddsa-rdfc-2022` for an Ed25519
 * holder (`ecdsa-rdfc-2019` for P-256), `proofPurpose: authentication`,
 * `challenge` = the nonce, `domain` = the audience, `created` and `expires` in whole
 * seconds, `verificationMethod` the holder's key id.
 *
 * VCDM 2.0 (`@context` credentials/v2) when the Data Integrity credentials are VCDM 2.0;
 * JWT credentials go in as EnvelopedVerifiableCredentials. Data Integrity credentials of
 * VCDM 1.1 go into a VCDM 1.1 presentation (credentials/v1 and data-integrity/v2), which
 * cannot also hold JWT credentials or VCDM 2.0 ones: both contexts protect the same terms.
 */
export async function signDiPresentation(agent: TradewindAgent, input: DiPresentationInput): Promise<JsonObject> {
  const { holder, credentials } = input;
  const version = vcdmVersionOf(credentials);
  const presentation: JsonObject = {
    '@context': version === 2 ? [VCDM_2_CONTEXT] : [VCDM_1_CONTEXT, DATA_INTEGRITY_V2_CONTEXT],
    type: ['VerifiablePresentation'],
    holder: holder.did,
    verifiableCredential: credentials.map(embeddedOf),
  };
  const created = Math.floor(input.now.getTime() / 1000) * 1000;
  const proof: JsonObject = {
    type: 'DataIntegrityProof',
    cryptosuite: holder.keyType === 'Ed25519' ? 'eddsa-rdfc-2022' : 'ecdsa-rdfc-2019',
    created: isoSeconds(created),
    expires: isoSeconds(created + input.expiresInSeconds * 1000),
    verificationMethod: holder.verificationMethod,
    proofPurpose: 'authentication',
    challenge: input.nonce,
    domain: input.audience,
  };
  // Loaded on first use: canonicalisation (jsonld) is large, and JWT-only wallets never need it.
  const di = await import('@tradewind/verifier/data-integrity');
  const contexts = new Map<string, JsonObject>();
  for (const m of input.materials) for (const [url, doc] of Object.entries(m?.contexts ?? {})) contexts.set(url, doc);
  const loader = di.createDocumentLoader(contexts.size > 0 ? { contexts } : {});
  const signingInput = await di.dataIntegritySigningInput(presentation, proof, { loader });
  // Ed25519 signs the input itself; P-256 signs its SHA-256 (ES256), as ecdsa-rdfc-2019 requires.
  const signature = await agent.sign(holder.keyId, signingInput);
  return { ...presentation, proof: { ...proof, proofValue: di.encodeProofValue(signature) } };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 2 or 1: the VCDM version of the presentation these credentials can go into together. */
function vcdmVersionOf(credentials: readonly StoredCredential[]): 1 | 2 {
  const versions = new Set(
    credentials.map((c) => {
      if (c.format !== 'di') return 2; // enveloped
      const context = isJsonObject(c.credential) ? c.credential['@context'] : undefined;
      const first = Array.isArray(context) ? context[0] : context;
      if (first === VCDM_2_CONTEXT) return 2;
      if (first === VCDM_1_CONTEXT) return 1;
      throw new TradewindError('UNSUPPORTED_FORMAT', `credential ${c.id} names neither VCDM 1.1 nor 2.0 first in its @context`);
    }),
  );
  if (versions.size > 1)
    throw new TradewindError(
      'INVALID_ARGUMENT',
      'a Data Integrity presentation holds VCDM 1.1 Data Integrity credentials, or VCDM 2.0 and JWT ones, not both: present them separately',
    );
  return versions.has(1) ? 1 : 2;
}

/** A credential inside the presentation: a Data Integrity credential's JSON as held, a JWT enveloped. */
function embeddedOf(c: StoredCredential): JsonObject {
  if (c.format === 'di' && isJsonObject(c.credential)) return c.credential;
  if (c.format === 'dc+sd-jwt' || !looksLikeCompactJws(c.raw))
    throw new TradewindError('UNSUPPORTED_FORMAT', `credential ${c.id} (${c.format}) cannot go into a Data Integrity presentation`);
  return { ...envelopeCredential(c.raw, c.format === 'vc+jwt' ? 'vc+jwt' : 'jwt') };
}

// The bytes an issuer or a wallet signs for a Data Integrity proof: exactly what
// verifyDiProof checks, so that what Tradewind signs it also verifies.
import { type JsonObject, TradewindError } from '@tradewind/core';
import { base58btc } from 'multiformats/bases/base58';
import { webCrypto } from '../crypto/web.js';
import type { DocumentLoader } from './loader.js';
import { SUITES, suiteOf, VerifyDataBuilder } from './suites.js';

/** The suites {@link dataIntegritySigningInput} prepares (Ed25519 and P-256 signers). */
export const SIGNING_SUITES = [
  'DataIntegrityProof/eddsa-rdfc-2022',
  'DataIntegrityProof/ecdsa-rdfc-2019',
  'DataIntegrityProof/eddsa-jcs-2022',
  'Ed25519Signature2020',
] as const;

/**
 * For issuers and wallets: the bytes to sign for `proof` (its options, without proofValue
 * or jws) over `document` (a `proof` member of it is ignored): hash(canonical proof
 * options) ‖ hash(canonical document), SHA-256. ecdsa-rdfc-2019 here means P-256 (ES256,
 * which hashes these bytes once more as it signs). Canonicalisation is strict (undefined
 * terms are MALFORMED). Throws INVALID_ARGUMENT for another suite or a proof that already
 * carries a signature.
 *
 * @example
 * ```ts
 * const proof = { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', created, verificationMethod, proofPurpose: 'assertionMethod' };
 * const data = await dataIntegritySigningInput(credential, proof, { loader: createDocumentLoader() });
 * const signed = { ...credential, proof: { ...proof, proofValue: encodeProofValue(ed25519Sign(data)) } };
 * ```
 */
export async function dataIntegritySigningInput(
  document: JsonObject,
  proof: JsonObject,
  options: { loader: DocumentLoader },
): Promise<Uint8Array> {
  if (!proof || typeof proof !== 'object' || Array.isArray(proof))
    throw new TradewindError('INVALID_ARGUMENT', 'proof must be a JSON object');
  if (proof.proofValue !== undefined || proof.jws !== undefined) {
    throw new TradewindError('INVALID_ARGUMENT', 'the proof options must not carry a proofValue or jws yet');
  }
  let name: string;
  try {
    name = suiteOf(proof).name;
  } catch (e) {
    throw new TradewindError('INVALID_ARGUMENT', (e as Error).message);
  }
  if (!(SIGNING_SUITES as readonly string[]).includes(name)) {
    throw new TradewindError('INVALID_ARGUMENT', `signing input for ${name} is not supported (only ${SIGNING_SUITES.join(', ')})`);
  }
  const { proof: _existing, ...unsecured } = document;
  const builder = new VerifyDataBuilder(unsecured, proof, SUITES[name] as (typeof SUITES)[string], {
    loader: options.loader,
    crypto: webCrypto,
  });
  return builder.build('SHA-256', { proofContext: 'document', safe: true });
}

/** A signature as a proofValue: multibase base58btc (`z…`). */
export function encodeProofValue(signature: Uint8Array): string {
  return base58btc.encode(signature);
}

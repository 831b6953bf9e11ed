import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { type CredentialStatus, type JsonObject, VCDM_1_CONTEXT, VCDM_2_CONTEXT, type VerifiableCredential } from '@tradewind/core';
import { transformCredentialInput } from 'did-jwt-vc';
import { canonicalJson } from './content-digest.js';
import type { NormalizedRequest } from './credential-request.js';
import type { StatusAllocation } from './status-store.js';

/** The Bitstring Status List context for VCDM 1.1 credentials (VCDM 2.0 includes the terms). */
export const STATUS_LIST_V1_CONTEXT = 'https://www.w3.org/ns/credentials/status/v1';

/** A credential status entry as the Bitstring Status List spec writes it (§2.1). */
export function statusEntry(allocation: StatusAllocation): CredentialStatus {
  return {
    id: `${allocation.listId}#${allocation.index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: allocation.purpose,
    statusListIndex: String(allocation.index),
    statusListCredential: allocation.listId,
  };
}

/** The unsigned credential in the data model of its format (2.0 for `vc+jwt`, 1.1 for `jwt_vc`). */
export function buildCredential(request: NormalizedRequest, status: CredentialStatus[]): VerifiableCredential {
  const v2 = request.format === 'vc+jwt';
  const contexts = [
    v2 ? VCDM_2_CONTEXT : VCDM_1_CONTEXT,
    ...(!v2 && status.length > 0 ? [STATUS_LIST_V1_CONTEXT] : []),
    ...request.context,
  ];
  const credential: VerifiableCredential = {
    '@context': [...new Set(contexts)],
    id: request.id,
    type: ['VerifiableCredential', ...request.types],
    issuer: request.issuer,
    ...(v2 ? { validFrom: request.validFrom } : { issuanceDate: request.validFrom }),
    ...(request.validUntil === undefined ? {} : v2 ? { validUntil: request.validUntil } : { expirationDate: request.validUntil }),
    // Members in sorted order at every depth: the same content is signed as the same
    // bytes whatever order the request or record listed it in, so a re-emission of it
    // is the very same credential (byte for byte with Ed25519), never a second spelling.
    credentialSubject: canonicalJson(request.credentialSubject) as JsonObject,
  };
  if (request.credentialSchema !== undefined)
    credential.credentialSchema = canonicalJson(request.credentialSchema) as VerifiableCredential['credentialSchema'];
  if (status.length > 0) credential.credentialStatus = status.length === 1 ? status[0] : status;
  return credential;
}

/**
 * Signs a credential.
 * - `vc+jwt` (VC-JOSE-COSE): the JWS payload is the credential itself; header
 *   `typ: vc+jwt`, `kid` = the verification method.
 * - `jwt_vc`: the JWT Veramo's CredentialProviderJWT makes through did-jwt-vc — the
 *   same `transformCredentialInput` (vc claim, iss, sub, jti, nbf, exp) plus `iat`.
 */
export async function signCredential(
  agent: TradewindAgent,
  signer: ManagedDid,
  credential: VerifiableCredential,
  format: NormalizedRequest['format'],
  iat: number,
): Promise<string> {
  if (format === 'vc+jwt') {
    return agent.signJwt({ alg: signer.alg, typ: 'vc+jwt', kid: signer.verificationMethod }, credential, signer.keyId);
  }
  const payload = transformCredentialInput(credential as never, true) as unknown as Record<string, unknown>;
  return agent.signJwt({ alg: signer.alg, typ: 'JWT', kid: signer.verificationMethod }, { iat, ...payload, iss: signer.did }, signer.keyId);
}

import type { ManagedDid, TradewindAgent } from '@tradewind/agent';
import { asArray, isJsonObject, issuerId, parseDateTimeStamp, type VerifiableCredential } from '@tradewind/core';
import type { IssueFormat } from './credential-request.js';

export { STATUS_LIST_V1_CONTEXT, statusEntry } from './credential-document.js';

/**
 * The claims of a `jwt_vc` JWT (VCDM 1.1 §6.3.1): the `vc` claim is the credential
 * exactly as signed, and the registered claims say the same: `iss` its issuer id, `jti`
 * its id, `sub` the subject id (only with exactly one subject that has one), `nbf` its
 * issuanceDate and `exp` its expirationDate (whole seconds), `iat` the time of signing.
 */
export function jwtVcClaims(credential: VerifiableCredential, iat: number): Record<string, unknown> {
  const claims: Record<string, unknown> = { iss: issuerId(credential.issuer) };
  if (typeof credential.id === 'string') claims.jti = credential.id;
  const subjects = asArray(credential.credentialSubject as unknown);
  const only = subjects.length === 1 ? subjects[0] : undefined;
  if (isJsonObject(only) && typeof only.id === 'string') claims.sub = only.id;
  const nbf = typeof credential.issuanceDate === 'string' ? parseDateTimeStamp(credential.issuanceDate) : undefined;
  if (nbf !== undefined) claims.nbf = Math.floor(nbf / 1000);
  const exp = typeof credential.expirationDate === 'string' ? parseDateTimeStamp(credential.expirationDate) : undefined;
  if (exp !== undefined) claims.exp = Math.floor(exp / 1000);
  claims.iat = iat;
  claims.vc = credential;
  return claims;
}

/**
 * Signs a credential.
 * - `vc+jwt` (VC-JOSE-COSE): the JWS payload is the credential itself; header
 *   `typ: vc+jwt`, `kid` = the verification method.
 * - `jwt_vc`: a JWT (header `typ: JWT`) of {@link jwtVcClaims}.
 */
export async function signCredential(
  agent: TradewindAgent,
  signer: ManagedDid,
  credential: VerifiableCredential,
  format: IssueFormat,
  iat: number,
): Promise<string> {
  if (format === 'vc+jwt') {
    return agent.signJwt({ alg: signer.alg, typ: 'vc+jwt', kid: signer.verificationMethod }, credential, signer.keyId);
  }
  return agent.signJwt({ alg: signer.alg, typ: 'JWT', kid: signer.verificationMethod }, jwtVcClaims(credential, iat), signer.keyId);
}

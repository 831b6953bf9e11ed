import type { JsonObject } from '@tradewind/core';
import type { PresentedCredential, PresentedSdJwtCredential, Recognition } from '@tradewind/verifier';
import type { PresentedCredentialSummary } from './sessions.js';

/** SD-JWT VC claims that say how the credential works, not who its subject is. */
const SD_JWT_MECHANICS = new Set(['iss', 'iat', 'nbf', 'exp', 'cnf', 'status', 'vct', 'vct#integrity', '_sd', '_sd_alg', 'jti']);

/**
 * What the verifier learned from one verified credential: issuer, recognition (country,
 * name, assurance), types, and the subject's claims — for an SD-JWT VC the plain and
 * disclosed user claims only, with the disclosed paths.
 *
 * @example
 * ```ts
 * const summary = summarize(result.credentials[0], { queryId: 'pid', need: 'pid' });
 * summary.recognition; // { source: 'list', country: 'TT', assuranceLevel: 'substantial', … }
 * ```
 */
export function summarize(
  credential: PresentedCredential | PresentedSdJwtCredential,
  at: { queryId: string; need: string },
): PresentedCredentialSummary {
  const recognition = credential.recognition && recognitionOf(credential.recognition);
  const common = {
    queryId: at.queryId,
    need: at.need,
    issuer: credential.issuer,
    ...(recognition ? { recognition } : {}),
    ...(credential.validUntil ? { validUntil: credential.validUntil.toISOString() } : {}),
  };
  if (credential.format === 'dc+sd-jwt') {
    const claims: JsonObject = {};
    for (const [k, v] of Object.entries(credential.claims)) if (!SD_JWT_MECHANICS.has(k)) claims[k] = v;
    return { ...common, format: 'dc+sd-jwt', types: [credential.vct], claims, disclosed: credential.disclosed.map((d) => d.path) };
  }
  const vc = credential.credential as unknown as JsonObject;
  const type = vc.type;
  const subject = Array.isArray(vc.credentialSubject) ? vc.credentialSubject[0] : vc.credentialSubject;
  return {
    ...common,
    format: credential.format,
    types: Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : typeof type === 'string' ? [type] : [],
    claims: subject !== null && typeof subject === 'object' ? { ...(subject as JsonObject) } : {},
  };
}

function recognitionOf(r: Recognition): NonNullable<PresentedCredentialSummary['recognition']> {
  return {
    source: r.source,
    ...(r.country ? { country: r.country } : {}),
    ...(r.name ? { name: r.name } : {}),
    ...(r.assuranceLevel ? { assuranceLevel: r.assuranceLevel } : {}),
    ...(r.anchor ? { anchor: r.anchor } : {}),
  };
}
